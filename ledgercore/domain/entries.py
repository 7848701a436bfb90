"""Line items and journal entries: the double-entry invariant.

A journal entry is at least two line items, every amount a positive integer of minor
units, with debits equal to credits per commodity. It is effective at `entry_at` (what
date ranges filter on) and recorded at `created_at`. Posted entries never change: a
correction is a reversal that mirrors every line and links both ways
(`reversal_of_id` / `reversal_id`); an entry and its reversal net to zero everywhere.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ledgercore.domain.accounts import ChartOfAccounts, Direction
from ledgercore.domain.errors import (
    AlreadyReversed,
    InvalidAmount,
    InvalidCommodity,
    InvalidDate,
    InvalidEntry,
    UnbalancedEntry,
    UnknownAccount,
)
from ledgercore.domain.limits import (
    MAX_AMOUNT,
    MAX_ENTRY_AMOUNT,
    MAX_ENTRY_TYPE_LENGTH,
    MAX_ID_LENGTH,
    MAX_LINES_PER_ENTRY,
    check_instant,
    check_text,
)
from ledgercore.domain.money import Commodity


class CounterpartyKind(StrEnum):
    CUSTOMER = "CUSTOMER"
    VENDOR = "VENDOR"


@dataclass(frozen=True, slots=True)
class Counterparty:
    """The customer or vendor an entry is with (Layer's customer / vendor filters)."""

    kind: CounterpartyKind
    id: str


Tags = tuple[tuple[str, str], ...]


def normalize_tags(tags: Mapping[str, Iterable[str]] | Iterable[tuple[str, str]]) -> Tags:
    """Tags as sorted, de-duplicated (key, value) pairs; a key may carry several values."""
    if isinstance(tags, Mapping):
        pairs = {(k, v) for k, values in tags.items() for v in
                 ((values,) if isinstance(values, str) else values)}
    else:
        pairs = set(tags)
    return tuple(sorted(pairs))


@dataclass(frozen=True, slots=True)
class LineItem:
    """One side of an entry: `amount` > 0 minor units of `commodity` in `direction`."""

    account_id: str
    commodity: Commodity
    amount: int
    direction: Direction
    id: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.amount, float):
            raise TypeError("floats cannot carry money exactly; use int minor units")
        if type(self.amount) is not int or self.amount <= 0:
            raise InvalidAmount(
                f"line item amount must be a positive integer of minor units, "
                f"got {_shown(self.amount)}", account_id=self.account_id,
                value=_shown(self.amount))
        if self.amount > MAX_AMOUNT:
            raise InvalidAmount(
                f"line item amount {_shown(self.amount)} is more than {MAX_AMOUNT} minor "
                f"units, the largest amount a line may hold (so that no total the store "
                f"keeps can overflow)", account_id=self.account_id,
                value=_shown(self.amount), limit=MAX_AMOUNT)
        check_text(self.account_id, "line item account id", InvalidEntry,
                   limit=MAX_ID_LENGTH, path="$.account", account_id=str(self.account_id)[:40])
        check_text(self.id, "line item id", InvalidEntry, limit=MAX_ID_LENGTH, path="$.id")
        if not isinstance(self.direction, Direction):
            raise InvalidEntry(f"direction must be DEBIT or CREDIT, got {self.direction!r}",
                               account_id=self.account_id)

    def debit_signed(self) -> int:
        """+amount for a debit, -amount for a credit (the trial-balance sign)."""
        return self.amount if self.direction is Direction.DEBIT else -self.amount

    def __reduce__(self) -> tuple[Callable[..., LineItem], tuple[Any, ...]]:
        # A pickled line was valid when built: unpickling skips the checks and the generic
        # slots-dataclass state protocol (half the cost of handing entries between processes).
        return prechecked_line, (self.account_id, self.commodity, self.amount, self.direction,
                                 self.id)


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A balanced, immutable journal entry. Construction validates the invariant.

    Raises:
        InvalidEntry: fewer than two line items, or a naive timestamp.
        UnbalancedEntry: debits differ from credits for some commodity (`residual` says
            by how much, debit-signed, in minor units).
        InvalidCommodity: one commodity code used with two scales.
    """

    id: str
    entry_at: datetime
    line_items: tuple[LineItem, ...]
    created_at: datetime | None = None
    entry_type: str = "MANUAL"
    description: str | None = None
    counterparty: Counterparty | None = None
    tags: Tags = ()
    reversal_of_id: str | None = None
    reversal_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "line_items", tuple(self.line_items))
        object.__setattr__(self, "tags", normalize_tags(self.tags))
        if self.created_at is None:
            object.__setattr__(self, "created_at", self.entry_at)
        if not isinstance(self.id, str) or not self.id:
            raise InvalidEntry("an entry needs a non-empty string id", entry_id=self.id)
        check_text(self.id, "an entry id", InvalidEntry, limit=MAX_ID_LENGTH, path="$.id",
                   entry_id=self.id[:40])
        self._check_texts()
        for name in ("entry_at", "created_at"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise InvalidDate(f"entry {self.id}: {name} must be a timezone-aware datetime",
                                  entry_id=self.id, path=f"$.{name}")
            check_instant(value, f"entry {self.id}: {name}", path=f"$.{name}",
                          entry_id=self.id)
        if len(self.line_items) > MAX_LINES_PER_ENTRY:
            raise InvalidEntry(
                f"entry {self.id} has {len(self.line_items)} line items; an entry holds at "
                f"most {MAX_LINES_PER_ENTRY}", entry_id=self.id, path="$.line_items")
        if len(self.line_items) < 2:
            raise InvalidEntry(
                f"entry {self.id} has {len(self.line_items)} line item(s); "
                f"an entry needs at least two", entry_id=self.id, path="$.line_items")
        residual = self.residuals()
        for code, value in residual.items():
            if value != 0:
                raise UnbalancedEntry(
                    f"entry {self.id} does not balance in {code}: debits exceed credits by "
                    f"{value} minor units" if value > 0 else
                    f"entry {self.id} does not balance in {code}: credits exceed debits by "
                    f"{-value} minor units",
                    entry_id=self.id, commodity=code, residual=value, path="$.line_items")
        self._check_size()

    def _check_texts(self) -> None:
        """Refuse text no store can keep (too long for its column, NUL, lone surrogate)."""
        who = f"entry {self.id[:40]}:"
        for name, limit in (("entry_type", MAX_ENTRY_TYPE_LENGTH), ("description", None),
                            ("reversal_of_id", MAX_ID_LENGTH), ("reversal_id", MAX_ID_LENGTH)):
            check_text(getattr(self, name), f"{who} {name}", InvalidEntry, limit=limit,
                       path=f"$.{name}", entry_id=self.id[:40])
        if self.counterparty is not None:
            check_text(self.counterparty.id, f"{who} counterparty id", InvalidEntry,
                       limit=MAX_ID_LENGTH, path="$.counterparty", entry_id=self.id[:40])
        for index, (key, value) in enumerate(self.tags):
            for part, text in (("key", key), ("value", value)):
                check_text(text, f"{who} tag {part}", InvalidEntry, limit=MAX_ID_LENGTH,
                           path=f"$.tags[{index}].{part}", entry_id=self.id[:40])

    def _check_size(self) -> None:
        """Refuse an entry whose debits in one commodity pass `MAX_ENTRY_AMOUNT`."""
        if len(self.line_items) * MAX_AMOUNT <= MAX_ENTRY_AMOUNT:
            return  # lines within MAX_AMOUNT: no sum of so few can pass the limit
        debits: dict[str, int] = defaultdict(int)
        for item in self.line_items:
            if item.direction is Direction.DEBIT:
                debits[item.commodity.code] += item.amount
        for code, total in debits.items():
            if total > MAX_ENTRY_AMOUNT:
                raise InvalidAmount(
                    f"entry {self.id} moves {total} minor units of {code}; an entry's debits "
                    f"in one commodity add up to at most {MAX_ENTRY_AMOUNT}",
                    entry_id=self.id, commodity=code, path="$.line_items",
                    limit=MAX_ENTRY_AMOUNT)

    def __reduce__(self) -> tuple[Callable[..., JournalEntry], tuple[Any, ...]]:
        # As `LineItem.__reduce__`: an entry is checked once, when first built.
        return prechecked_entry, (self.id, self.entry_at, self.created_at, self.line_items,
                                  self.entry_type, self.description, self.counterparty,
                                  self.tags, self.reversal_of_id, self.reversal_id)

    def residuals(self) -> dict[str, int]:
        """Debits minus credits per commodity code (all zero for a valid entry)."""
        totals: dict[str, int] = defaultdict(int)
        scales: dict[str, int] = {}
        for item in self.line_items:
            code = item.commodity.code
            if scales.setdefault(code, item.commodity.scale) != item.commodity.scale:
                raise InvalidCommodity(
                    f"entry {self.id} uses {code} with scales {scales[code]} and "
                    f"{item.commodity.scale}", entry_id=self.id, commodity=code)
            totals[code] += item.debit_signed()
        return dict(totals)

    @property
    def account_ids(self) -> frozenset[str]:
        return frozenset(item.account_id for item in self.line_items)

    def tag_values(self, key: str) -> frozenset[str]:
        return frozenset(v for k, v in self.tags if k == key)

    def check_accounts(self, chart: ChartOfAccounts) -> None:
        """Raise UnknownAccount if a line item names an account missing from `chart`."""
        for index, item in enumerate(self.line_items):
            if item.account_id not in chart:
                raise UnknownAccount(
                    f"entry {self.id} line {index} posts to unknown account {item.account_id}",
                    entry_id=self.id, account_id=item.account_id,
                    path=f"$.line_items[{index}].account")

    def reverse(self, reversal_id: str, *, entry_at: datetime | None = None,
                created_at: datetime | None = None) -> tuple[JournalEntry, JournalEntry]:
        """The exact reversal of this entry.

        Returns:
            ``(original, reversal)``: the original now linked to its reversal, and a new
            entry with every line's direction flipped, linked back to the original.

        Raises:
            AlreadyReversed: this entry already has a reversal.
        """
        if self.reversal_id is not None:
            raise AlreadyReversed(f"entry {self.id} is already reversed by {self.reversal_id}",
                                  entry_id=self.id)
        when = entry_at or self.entry_at
        reversal = JournalEntry(
            id=reversal_id,
            entry_at=when,
            created_at=created_at or when,
            line_items=tuple(dataclasses.replace(item, direction=item.direction.opposite,
                                                 id=None) for item in self.line_items),
            entry_type=self.entry_type,
            description=f"Reversal of {self.id}",
            counterparty=self.counterparty,
            tags=self.tags,
            reversal_of_id=self.id,
        )
        return dataclasses.replace(self, reversal_id=reversal_id), reversal


def _shown(value: object) -> str:
    """A value for a message: a huge int is described (Python will not print past 4300
    digits), anything else cut to 60 characters."""
    if isinstance(value, int) and value.bit_length() >= 200:
        return f"(a number of more than {200 * 3 // 10} digits)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def prechecked_line(account_id: str, commodity: Commodity, amount: int, direction: Direction,
                    line_id: str | None = None) -> LineItem:
    """A `LineItem` built without re-running its checks, for a caller that made them.

    Only for importers' hot paths that have verified exactly what `LineItem` checks:
    `amount` is an ``int`` (not a bool) greater than zero and at most `MAX_AMOUNT`,
    `direction` is a `Direction`, and the ids are text a store keeps (`limits.storable`).
    The result equals ``LineItem(account_id, commodity, amount, direction, line_id)``; a
    property test holds the two equal.
    """
    item: LineItem = object.__new__(LineItem)
    put = object.__setattr__
    put(item, "account_id", account_id)
    put(item, "commodity", commodity)
    put(item, "amount", amount)
    put(item, "direction", direction)
    put(item, "id", line_id)
    return item


def prechecked_entry(entry_id: str, entry_at: datetime, created_at: datetime,
                     line_items: tuple[LineItem, ...], entry_type: str,
                     description: str | None, counterparty: Counterparty | None, tags: Tags,
                     reversal_of_id: str | None, reversal_id: str | None) -> JournalEntry:
    """A `JournalEntry` built without re-running its checks, for a caller that made them.

    Only for importers' hot paths that have verified exactly what `JournalEntry`
    checks: `entry_id` is a non-empty string; both instants are timezone-aware
    datetimes a ledger can hold (`limits.check_instant`); `line_items` is a tuple of two
    to `MAX_LINES_PER_ENTRY` line items whose debits equal their credits per commodity
    and add up to at most `MAX_ENTRY_AMOUNT`, each code with one scale; every text field
    is text a store keeps within its column (`limits.storable`); `tags` is already
    normalised (`normalize_tags`). The result equals ``JournalEntry(...)`` with the same fields; a
    property test holds the two equal.
    """
    entry: JournalEntry = object.__new__(JournalEntry)
    put = object.__setattr__
    put(entry, "id", entry_id)
    put(entry, "entry_at", entry_at)
    put(entry, "line_items", line_items)
    put(entry, "created_at", created_at)
    put(entry, "entry_type", entry_type)
    put(entry, "description", description)
    put(entry, "counterparty", counterparty)
    put(entry, "tags", tags)
    put(entry, "reversal_of_id", reversal_of_id)
    put(entry, "reversal_id", reversal_id)
    return entry
