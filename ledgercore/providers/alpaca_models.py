"""pydantic models of Alpaca Broker API payloads: JIT ledger balances and journals.

``GET /v1/transfers/jit/{ledger_id}/balances`` returns one object per ledger account (the
document says "an array of objects"; a single object is accepted too): its
``starting_balance``, ``ending_balance``, ``activity_amount`` and ``transactions``, each
with a signed ``amount`` and the running ``balance`` after it. ``GET /v1/journals`` returns
an array of journals: JNLC moves cash (``net_amount``, or ``amount`` as in the POST
request), JNLS moves ``qty`` of ``symbol``. Every amount is a decimal string, validated
here to parse exactly (USD at scale 2, quantities at scale 9); the importers do the
mapping into the domain.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, TypeAdapter, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from ledgercore.domain import LedgerError, parse_minor
from ledgercore.providers.batch import PayloadKind
from ledgercore.providers.errors import from_validation_error, refuse, unwrap_single
from ledgercore.providers.fields import (
    PAYLOAD_CONFIG,
    DateText,
    DecimalText,
    Identifier,
    PositiveUsd,
    SignedUsd,
    decimal_field,
    decimal_text,
)
from ledgercore.providers.kinds import detect_kind, wrong_kind

QUANTITY_SCALE = 9
USD_SCALE = 2
EXECUTED = "executed"
JOURNAL_TYPES = ("JNLC", "JNLS")

Quantity = Annotated[DecimalText, decimal_field(QUANTITY_SCALE, signed=False)]


def _journal_type(value: str) -> str:
    if value.upper() not in JOURNAL_TYPES:
        raise PydanticCustomError("invalid_payload",
                                  "entry_type must be JNLC or JNLS, got {value}",
                                  {"value": repr(value[:40])})
    return value.upper()


def _status(value: str) -> str:
    # Statuses are kept as text: only "executed" moves balances and any other status,
    # including one Alpaca adds later, is reported as not moving anything.
    return value.strip().lower()


class JitTransaction(BaseModel):
    """One movement on a JIT ledger with the running ``balance`` after it."""

    model_config = PAYLOAD_CONFIG
    account_id: str | None = None
    account_no: str | None = None
    account_name: str | None = None
    system_date: DateText
    entry_type: str | None = None
    description: str | None = None
    contra_account_name: str | None = None
    amount: SignedUsd
    balance: SignedUsd | None = None


class JitLedgerBalances(BaseModel):
    """One ledger account's figures over the requested dates (both inclusive)."""

    model_config = PAYLOAD_CONFIG
    id: Identifier
    ledger_no: str | None = None
    ledger_name: str | None = None
    transactions: tuple[JitTransaction, ...] = ()
    starting_balance: SignedUsd
    ending_balance: SignedUsd
    activity_amount: SignedUsd | None = None

    @model_validator(mode="before")
    @classmethod
    def _movements_listed(cls, data: Any) -> Any:
        # Without its transactions, a ledger whose balance moved cannot be recomputed:
        # importing it would invent (or lose) the movement between the two balances.
        if isinstance(data, dict) and data.get("transactions") is None:
            try:
                moved = (parse_minor(str(decimal_text(data.get("starting_balance"))), USD_SCALE)
                         != parse_minor(str(decimal_text(data.get("ending_balance"))),
                                        USD_SCALE))
            except LedgerError:
                moved = False  # the balance fields report their own problem
            if moved:
                raise PydanticCustomError(
                    "invalid_payload", "the ledger lists no transactions, yet its balance moves "
                    "from starting_balance to ending_balance: the response is incomplete; "
                    "request it with its transactions")
        return data


class AlpacaJournal(BaseModel):
    """A JNLC or JNLS journal between two accounts."""

    model_config = PAYLOAD_CONFIG
    id: Identifier
    entry_type: Annotated[str, AfterValidator(_journal_type)]
    from_account: Identifier
    to_account: Identifier
    status: Annotated[str, AfterValidator(_status)] = EXECUTED
    symbol: str | None = None
    qty: Quantity | None = None
    price: DecimalText | None = None
    net_amount: PositiveUsd | None = None
    amount: PositiveUsd | None = None
    settle_date: DateText | None = None
    system_date: DateText | None = None
    description: str | None = None
    currency: str | None = None

    @property
    def cash(self) -> str | None:
        """The cash journaled: ``net_amount`` in responses, ``amount`` in requests."""
        return self.net_amount if self.net_amount is not None else self.amount

    @property
    def executed(self) -> bool:
        return self.status == EXECUTED


JitBalancesAdapter: TypeAdapter[tuple[JitLedgerBalances, ...]] = TypeAdapter(
    tuple[JitLedgerBalances, ...])
JournalsAdapter: TypeAdapter[tuple[AlpacaJournal, ...]] = TypeAdapter(
    tuple[AlpacaJournal, ...])


def as_array(value: Any) -> Any:
    """A single object read as a one-element array (both responses allow either)."""
    return [value] if isinstance(value, dict) else value


Model = TypeVar("Model", bound=BaseModel)


def validate_array(document: Any, adapter: TypeAdapter[tuple[Model, ...]], kind: PayloadKind,
                   expected: str, source: str | None) -> tuple[Model, ...]:
    """Validate an Alpaca response that is an array of objects, or one object.

    Args:
        document: the parsed JSON.
        adapter: the tuple-of-models adapter of the kind.
        kind: which payload the caller named (a document of another kind is refused).
        expected: what the objects should look like, for the wrong-kind message.
        source: file name for messages.

    Raises:
        WrongPayloadKind: the document is not of `kind`.
        LedgerError: the first problem, with every problem in ``details["problems"]``.
    """
    single = isinstance(document, dict)
    objects = as_array(document)
    if not isinstance(objects, list) or (objects and detect_kind(objects) is not kind):
        raise wrong_kind(kind, document, source, expected)
    try:
        return adapter.validate_python(objects)
    except ValidationError as exc:
        problems = from_validation_error(exc, source=source)
        raise refuse(unwrap_single(problems, single), source=source) from None
