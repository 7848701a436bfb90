"""Field types shared by the payload models: amounts, dates and identifiers at the edge.

Each annotated type validates a field exactly as ledgercore will use it and reports a
failure under a ledgercore error code (the custom pydantic error type *is* the code), so
a bad amount in any payload becomes ``invalid_amount`` at its JSON path. Values stay in
the provider's own representation (Layer integers, Alpaca decimal strings): the models
mirror the documents, and the importers do the mapping into the domain.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict, StrictInt
from pydantic_core import PydanticCustomError

from ledgercore.domain import MAX_AMOUNT, MAX_TOTAL, Direction, LedgerError, parse_minor
from ledgercore.domain.limits import FIRST_DATE, LAST_DATE, MAX_AMOUNT_TEXT

# Unknown fields are ignored on purpose: ledgercore keeps what it models and nothing of a
# provider's other fields is needed to recompute or verify balances.
PAYLOAD_CONFIG = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


def _positive(value: int) -> int:
    if value <= 0:
        raise PydanticCustomError("invalid_amount",
                                  "amount must be a positive integer of minor units, got "
                                  "{value}", {"value": value})
    if value > MAX_AMOUNT:
        raise PydanticCustomError(
            "invalid_amount", "amount {value} is more than {limit} minor units, the largest "
            "amount a line may hold", {"value": _digits(value), "limit": MAX_AMOUNT})
    return value


def _digits(value: int) -> str:
    # A number read from a JSON digit run can be millions of digits long: never echo it.
    return str(value) if value.bit_length() < 128 else "(a number of more than 38 digits)"


def _text_instant(value: Any) -> Any:
    # RFC 3339 text only: pydantic would read a JSON number as seconds since 1970, and a
    # provider that sends a number sends something other than its documented timestamp.
    if isinstance(value, str):
        return value
    raise PydanticCustomError("invalid_date", "a date-time must be RFC 3339 text such as "
                              "2024-06-30T12:00:00Z, got a {kind}",
                              {"kind": type(value).__name__})


def _text_date(value: Any) -> Any:
    if isinstance(value, str | date):
        return value
    raise PydanticCustomError("invalid_date", "a date must be text such as 2024-06-30, got a "
                              "{kind}", {"kind": type(value).__name__})


def _date_range(value: date) -> date:
    if FIRST_DATE <= value <= LAST_DATE:
        return value
    raise PydanticCustomError("invalid_date", "{value} is outside the dates a ledger can hold "
                              "({first} to {last})", {"value": value.isoformat(),
                                                       "first": FIRST_DATE.isoformat(),
                                                       "last": LAST_DATE.isoformat()})


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


def decimal_text(value: Any) -> Any:
    # "string/numeric" in Alpaca's docs: accept a JSON integer, or a number read exactly
    # as Decimal (documents are parsed with parse_float=Decimal), as its decimal text.
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if value.bit_length() < 256 else "(a number of more than 70 digits)"
    if isinstance(value, Decimal):
        # `1e999999999` written out would be a billion characters: an exponent past any
        # amount is handed on in scientific notation, which `parse_minor` refuses.
        if value.is_finite() and abs(value.adjusted()) <= MAX_AMOUNT_TEXT:
            return format(value, "f")
        return str(value)
    return value


def decimal_field(scale: int, *, signed: bool, limit: int = MAX_AMOUNT) -> AfterValidator:
    """A validator that a decimal string parses exactly at `scale` (and is > 0 if unsigned)
    to at most `limit` minor units either way (`MAX_AMOUNT`: a line's amount)."""

    def check(value: str) -> str:
        try:
            units = parse_minor(value, scale)
        except LedgerError as exc:
            raise PydanticCustomError("invalid_amount", "{reason}",
                                      {"reason": exc.message}) from None
        if not signed and units <= 0:
            raise PydanticCustomError("invalid_amount",
                                      "amount must be positive, got {value}", {"value": value})
        if abs(units) > limit:
            raise PydanticCustomError(
                "invalid_amount", "{value} is {units} minor units, more than the {limit} a "
                "ledger can hold here", {"value": value, "units": units, "limit": limit})
        return value

    return AfterValidator(check)


PositiveMinor = Annotated[StrictInt, AfterValidator(_positive)]
DirectionField = Annotated[Direction, BeforeValidator(_direction)]
Identifier = Annotated[str, AfterValidator(_non_empty)]
Instant = Annotated[AwareDatetime, BeforeValidator(_text_instant)]
DateText = Annotated[date, BeforeValidator(_text_date), AfterValidator(_date_range)]
DecimalText = Annotated[str, BeforeValidator(decimal_text)]
# Signed figures are balances as well as movements: a balance may reach a running total.
SignedUsd = Annotated[DecimalText, decimal_field(2, signed=True, limit=MAX_TOTAL)]
PositiveUsd = Annotated[DecimalText, decimal_field(2, signed=False)]
