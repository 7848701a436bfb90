"""Transfers between two accounts, held before they are final, and balance guards.

A transfer moves an amount of one commodity from one account to another: cash in a
currency (Alpaca's JNLC) or a quantity of a security (JNLS, the commodity
``Commodity(symbol, 9)``, with an optional price kept as its decimal string). It has a
status: ``pending`` (it holds its amount: the source's *available* balance is its posted
balance less what its pending transfers would take out), then exactly one of
``executed`` (one journal entry is posted: the source is credited, the destination
debited), ``canceled`` (voided), ``rejected`` (refused at settlement, e.g. a sandbox
fixture), ``deleted`` (withdrawn by its maker) or ``refused`` (its execution would break a
balance guard). A transfer is created ``pending`` or ``executed`` at once; only
``pending`` moves on, and every transition is recorded with its instant.

A balance guard is an account flag: the account's available balance in every commodity
may not go below its floor (0: non-negative; a negative floor is a credit limit). Any
write that would lower an available balance below the floor (a posting, a transfer,
an import) is refused as a whole with ``insufficient_balance`` (cash) or
``insufficient_assets`` (a security), naming the account, the commodity and the
shortfall. A write that raises a balance, or leaves it where it was, is never refused:
an account already below its floor may still be paid into.

Everything here is pure: the store (`ledgercore.store.transfers`, `ledgercore.store.guards`)
reads and locks the figures and asks these functions what to do.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from ledgercore.domain.errors import (
    CannotBeDeleted,
    InsufficientAssets,
    InsufficientBalance,
    InvalidRequest,
    InvalidTransition,
    LedgerError,
)
from ledgercore.domain.limits import MAX_AMOUNT, MAX_ID_LENGTH, MAX_TOTAL, check_text
from ledgercore.domain.money import Commodity, parse_minor

SECURITY_SCALE = 9
MAX_DESCRIPTION = 1024
# The largest amount one transfer moves, in minor units: what one line of its entry may
# hold (`limits.MAX_AMOUNT`), so a transfer accepted, even held, can always be posted.
# 10^15 USD, or 10^8 shares (9 decimals).
MAX_TRANSFER = MAX_AMOUNT
# Minor-unit scales of the currencies that do not use cents; every other currency: 2.
_CURRENCY_SCALES = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "BHD": 3, "KWD": 3,
                    "OMR": 3, "JOD": 3, "TND": 3}
_FIXTURES = re.compile(r"/fixtures/(.*?)/fixtures/?")
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


class TransferStatus(StrEnum):
    PENDING = "pending"
    EXECUTED = "executed"
    CANCELED = "canceled"
    REJECTED = "rejected"
    DELETED = "deleted"
    REFUSED = "refused"


class EntryType(StrEnum):
    """Alpaca's journal kinds: cash (JNLC) or securities (JNLS)."""

    JNLC = "JNLC"
    JNLS = "JNLS"


# The statuses a pending transfer may move to; every other status is final.
FINAL = frozenset(TransferStatus) - {TransferStatus.PENDING}


def cash(code: str) -> Commodity:
    """The commodity of a currency code, with its usual minor-unit scale."""
    code = code.upper()
    return Commodity(code, _CURRENCY_SCALES.get(code, 2))


def security(symbol: str) -> Commodity:
    """The commodity of a security: quantities to 9 decimals, one per symbol whatever
    its case (``aapl`` is ``AAPL``)."""
    return Commodity(symbol.upper(), SECURITY_SCALE)


def is_security(commodity: Commodity) -> bool:
    """Whether amounts of `commodity` are a security's quantities (scale 9), not cash."""
    return commodity.scale == SECURITY_SCALE


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """What a caller asks for: move `amount` of `commodity` from one account to another.

    Attributes:
        from_account: the account the amount leaves (credited when executed).
        to_account: the account it enters (debited).
        commodity: a currency (JNLC) or a security (JNLS, scale 9).
        amount: minor units, > 0.
        price: a JNLS's price per unit as a decimal string, kept as given.
        description: up to 1024 characters (may carry sandbox fixtures).
        idempotency_key: the same key again returns the first transfer.
        transfer_id: the transfer's id (a new UUID when None).
    """

    from_account: str
    to_account: str
    commodity: Commodity
    amount: int
    price: str | None = None
    description: str | None = None
    idempotency_key: str | None = None
    transfer_id: str | None = None

    @property
    def entry_type(self) -> EntryType:
        return EntryType.JNLS if is_security(self.commodity) else EntryType.JNLC

    def validate(self) -> None:
        """Raise `InvalidRequest` (with the field's path) if the request cannot be made."""
        # Text no store keeps (a lone surrogate, a NUL, past its column) is refused first:
        # it could not be written, nor echoed in a message.
        for name, limit in (("from_account", MAX_ID_LENGTH), ("to_account", MAX_ID_LENGTH),
                            ("idempotency_key", MAX_ID_LENGTH), ("transfer_id", MAX_ID_LENGTH),
                            ("description", None)):
            check_text(getattr(self, name), name, InvalidRequest, limit=limit,
                       path=f"$.{name}")
        if type(self.amount) is not int or not 0 < self.amount <= MAX_TRANSFER:
            field = "qty" if is_security(self.commodity) else "amount"
            raise InvalidRequest(f"a transfer moves a positive amount of at most "
                                 f"{self.commodity.format(MAX_TRANSFER)}, not "
                                 f"{self.amount!r} minor units", path=f"$.{field}")
        if self.from_account == self.to_account:
            raise InvalidRequest(f"a transfer cannot move from account {self.to_account} to "
                                 f"itself", path="$.to_account")
        if self.description is not None and len(self.description) > MAX_DESCRIPTION:
            raise InvalidRequest(f"description has {len(self.description)} characters; at "
                                 f"most {MAX_DESCRIPTION} are allowed", path="$.description")
        if self.price is not None:
            if not is_security(self.commodity):
                raise InvalidRequest("a price is given only for a securities transfer",
                                     path="$.price")
            if not _PLAIN_DECIMAL.fullmatch(self.price) or Decimal(self.price) < 0:
                raise InvalidRequest(f"price {self.price!r} is not a non-negative decimal",
                                     path="$.price")
        for name in ("from_account", "to_account", "idempotency_key", "transfer_id"):
            value = getattr(self, name)
            if value is not None and (not value or len(value) > 200 or "\x00" in value):
                raise InvalidRequest(f"{name} must be 1 to 200 characters without NUL",
                                     path=f"$.{name}")

    def digest(self) -> str:
        """A hash of what the request asks (not its id or key), to compare repeats."""
        parts = (self.from_account, self.to_account, self.commodity.code,
                 str(self.commodity.scale), str(self.amount), self.price or "",
                 self.description or "")
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Transfer:
    """A transfer as stored: the request, its status and its dates."""

    id: str
    from_account: str
    to_account: str
    commodity: Commodity
    amount: int
    status: TransferStatus
    created_at: datetime
    system_date: date
    settle_date: date | None
    price: str | None = None
    description: str | None = None
    idempotency_key: str | None = None

    @property
    def entry_type(self) -> EntryType:
        return EntryType.JNLS if is_security(self.commodity) else EntryType.JNLC

    def to_alpaca(self) -> dict[str, str | None]:
        """Alpaca's journal object (amounts as decimal strings)."""
        out: dict[str, str | None] = {
            "id": self.id, "entry_type": self.entry_type.value,
            "from_account": self.from_account, "to_account": self.to_account}
        if self.entry_type is EntryType.JNLS:
            out.update(symbol=self.commodity.code, qty=self.commodity.format(self.amount),
                       price=self.price)
        else:
            out.update(net_amount=self.commodity.format(self.amount),
                       currency=self.commodity.code)
        out.update(status=self.status.value,
                   settle_date=None if self.settle_date is None else self.settle_date.isoformat(),
                   system_date=self.system_date.isoformat(), description=self.description)
        return out


@dataclass(frozen=True, slots=True)
class TransferEvent:
    """One transition: the status a transfer entered, and when."""

    status: TransferStatus
    at: datetime


class Fixture(StrEnum):
    """A sandbox description fixture: the status a journal ends the day with."""

    PENDING = "pending"  # pending forever
    REJECTED = "rejected"  # rejected at settlement


def fixture_of(description: str | None) -> Fixture | None:
    """The ``status`` fixture in a description (``/fixtures/status=rejected/fixtures/``).

    Raises:
        InvalidRequest: a status fixture other than ``pending`` or ``rejected``.
    """
    if not description:
        return None
    found = _FIXTURES.search(description)
    if found is None:
        return None
    for pair in found.group(1).split(","):
        key, _, value = pair.partition("=")
        if key.strip() == "status":
            try:
                return Fixture(value.strip())
            except ValueError:
                raise InvalidRequest(f"fixture status={value.strip()!r} is not pending or "
                                     f"rejected", path="$.description") from None
    return None


def initial_status(request: TransferRequest, *, pending_above: int | None,
                   fixture: Fixture | None, hold: bool | None) -> TransferStatus:
    """The status a new transfer starts in.

    Args:
        request: the transfer asked for.
        pending_above: the ledger's limit in minor units of cash above which a new JNLC
            stays pending until settlement (None: no limit).
        fixture: the sandbox fixture of its description (already None outside sandbox).
        hold: True to hold it pending, False to execute it now, None to let the limit
            and the fixture decide (Alpaca's rules).
    """
    if hold is not None:
        return TransferStatus.PENDING if hold else TransferStatus.EXECUTED
    if fixture is not None:
        return TransferStatus.PENDING
    if (pending_above is not None and not is_security(request.commodity)
            and request.amount > pending_above):
        return TransferStatus.PENDING
    return TransferStatus.EXECUTED


def settlement(fixture: Fixture | None) -> TransferStatus | None:
    """What settlement does to a pending transfer: executes it, rejects it, or (None)
    leaves it pending (the ``status=pending`` fixture)."""
    if fixture is Fixture.PENDING:
        return None
    return TransferStatus.REJECTED if fixture is Fixture.REJECTED else TransferStatus.EXECUTED


def check_transition(transfer_id: str, current: TransferStatus,
                     target: TransferStatus) -> None:
    """Raise unless a transfer in `current` may move to `target`.

    Raises:
        CannotBeDeleted: deleting a transfer that is not pending (Alpaca's 422).
        InvalidTransition: any other move out of a final status.
    """
    if current is TransferStatus.PENDING and target in FINAL:
        return
    if target is TransferStatus.DELETED:
        raise CannotBeDeleted(f"transfer {transfer_id} is {current.value}; only a pending "
                              f"transfer can be deleted", transfer_id=transfer_id,
                              status=current.value)
    raise InvalidTransition(f"transfer {transfer_id} is {current.value} and cannot become "
                            f"{target.value}; only a pending transfer moves on",
                            transfer_id=transfer_id, status=current.value)


# -- balance guards ---------------------------------------------------------------------

def parse_floor(text: str | None, *, name: str = "floor") -> str | None:
    """A floor as given (``"0"``, ``"-500"``, ``"12.5"``) in its canonical decimal form;
    None or ``"none"`` means no guard.

    Args:
        name: what the number is, for the refusal and its path (``pending_above``, a
            ledger's pending limit, is read the same way but may not be negative).

    Raises:
        InvalidRequest: not a plain decimal number, or beyond any balance a ledger keeps.
    """
    if text is None or text.strip().lower() == "none":
        return None
    stripped = text.strip()
    path = f"$.{name}"
    if not _PLAIN_DECIMAL.fullmatch(stripped) or len(stripped) > 40:
        raise InvalidRequest(f"{name} {text!r} is not a decimal number (or 'none')", path=path)
    try:
        value = Decimal(stripped)
    except InvalidOperation:  # pragma: no cover - the pattern guards this
        raise InvalidRequest(f"{name} {text!r} is not a decimal number", path=path) from None
    if abs(value) > MAX_TOTAL:
        # No balance the store keeps goes past MAX_TOTAL minor units either way, so a
        # number beyond it (in whole units, larger still) could only be a typing slip.
        raise InvalidRequest(f"{name} {text!r} is beyond any balance a ledger holds (at most "
                             f"{MAX_TOTAL:,} either way)", path=path)
    if name == "pending_above" and value < 0:
        raise InvalidRequest(f"pending_above {text!r} is negative; a journal's amount is "
                             f"never below 0 (use 0 to hold every journal)", path=path)
    return format(value.normalize(), "f") if value else "0"


def floor_units(floor: str, scale: int) -> int:
    """The floor in minor units of a commodity of `scale`, rounded up (never looser)."""
    try:
        return parse_minor(floor, scale)
    except LedgerError:
        return math.ceil(Decimal(floor).scaleb(scale))


def shortfall(posted: int, held: int, change: int, floor: int) -> int:
    """How far below `floor` a write leaves an available balance (0: not below, or the
    write does not lower it).

    Args:
        posted: the posted balance before the write (normal sign).
        held: what pending transfers take out of it before the write (>= 0).
        change: the write's change to the available balance (posted change less hold
            change).
        floor: the guard's floor in minor units.
    """
    if change >= 0:
        return 0
    return max(0, floor - (posted - held + change))


def guard_refusal(account_id: str, commodity: Commodity, missing: int, available: int,
                  change: int, *, path: str | None = None,
                  entry_id: str | None = None) -> LedgerError:
    """The refusal of a write that takes `account_id` `missing` minor units below its floor."""
    kind = InsufficientAssets if is_security(commodity) else InsufficientBalance
    what = "position" if is_security(commodity) else "balance"
    details: dict[str, object] = {} if entry_id is None else {"entry_id": entry_id}
    return kind(f"account {account_id} has {commodity.format(available)} {commodity.code} "
                f"available; taking {commodity.format(-change)} out would leave its {what} "
                f"{commodity.format(missing)} {commodity.code} below its floor",
                path=path, account_id=account_id, commodity=commodity.code,
                shortfall=missing, available=available, amount=-change, **details)
