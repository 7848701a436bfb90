"""Field types shared by the payload models: amounts, dates and identifiers at the edge.

Each annotated type validates a field exactly as ledgercore will use it and reports a
failure under a ledgercore error code (the custom pydantic error type *is* the code), so
a bad amount in any payload becomes ``invalid_amount`` at its JSON path. Values stay in
the provider's own representation (Layer integers, Alpaca decimal strings): the models
mirror the documents, and the importers do the mapping into the domain.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict, StrictInt
from pydantic_core import PydanticCustomError

from ledgercore.domain import Direction, LedgerError, parse_minor

# Unknown fields are ignored on purpose: ledgercore keeps what it models and nothing of a
# provider's other fields is needed to recompute or verify balances.
PAYLOAD_CONFIG = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


def _positive(value: int) -> int:
    if value <= 0:
        raise PydanticCustomError("invalid_amount",
                                  "amount must be a positive integer of minor units, got "
                                  "{value}", {"value": value})
    return value


def _direction(value: Any) -> Direction:
    try:
        return Direction(value)
    except ValueError:
        raise PydanticCustomError("invalid_entry",
                                  "direction must be DEBIT or CREDIT, got {value}",
                                  {"value": repr(value)[:40]}) from None


def _non_empty(value: str) -> str:
    if not value:
        raise PydanticCustomError("invalid_payload", "must not be empty")
    return value


def _decimal_text(value: Any) -> Any:
    # "string/numeric" in Alpaca's docs: accept a JSON integer, or a number read exactly
    # as Decimal (documents are parsed with parse_float=Decimal), as its decimal text.
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return str(value) if isinstance(value, int) else format(value, "f")
    return value


def decimal_field(scale: int, *, signed: bool) -> AfterValidator:
    """A validator that a decimal string parses exactly at `scale` (and is > 0 if unsigned)."""

    def check(value: str) -> str:
        try:
            units = parse_minor(value, scale)
        except LedgerError as exc:
            raise PydanticCustomError("invalid_amount", "{reason}",
                                      {"reason": exc.message}) from None
        if not signed and units <= 0:
            raise PydanticCustomError("invalid_amount",
                                      "amount must be positive, got {value}", {"value": value})
        return value

    return AfterValidator(check)


PositiveMinor = Annotated[StrictInt, AfterValidator(_positive)]
DirectionField = Annotated[Direction, BeforeValidator(_direction)]
Identifier = Annotated[str, AfterValidator(_non_empty)]
Instant = AwareDatetime
DecimalText = Annotated[str, BeforeValidator(_decimal_text)]
SignedUsd = Annotated[DecimalText, decimal_field(2, signed=True)]
PositiveUsd = Annotated[DecimalText, decimal_field(2, signed=False)]
