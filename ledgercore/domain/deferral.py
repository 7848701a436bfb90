"""Deferral: what one entry does to the clearing accounts, and what a settlement recognises.

The cash basis (`ledgercore.domain.cash`) is built from three facts about single entries,
kept here. *Clearing nets*: per clearing account and commodity, how much an entry
increases (an open item) or decreases (a settlement) it. *Deferrals*: for an entry that
opens items, which profit-and-loss lines wait for the cash and how they are shared
between the items (largest remainder, so every item's basis nets to exactly its open
amount) and what stays on the entry's date. *Recognition*: the lines one allocation out
of an item recognises, rounded on the item's running total. Each is a pure function of
the entry (and the entry it reverses), computed once per entry by the callers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from ledgercore.domain.accounts import AccountSubtype, ChartOfAccounts, Direction
from ledgercore.domain.balances import statement_order
from ledgercore.domain.entries import Counterparty, JournalEntry, LineItem
from ledgercore.domain.errors import Conflict
from ledgercore.domain.money import Commodity

DEFAULT_CLEARING_SUBTYPES: frozenset[AccountSubtype] = frozenset(
    {AccountSubtype.ACCOUNTS_RECEIVABLE, AccountSubtype.ACCOUNTS_PAYABLE})

# (open item's entry id, clearing account id, commodity code)
ItemKey = tuple[str, str, str]
LedgerOrder = tuple[datetime, datetime, str]
# (clearing account id, commodity code) -> net effect on the account (increase > 0)
Nets = dict[tuple[str, str], int]


@dataclass(frozen=True, slots=True)
class OpenItem:
    """What one entry added to one clearing account in one commodity, and how much is settled.

    Attributes:
        side: the clearing account's normality, the direction of the increase.
        total: the open amount ``T`` (minor units, > 0).
        basis: the lines recognised once the item is fully settled; their net, read against
            `side`, is exactly `total` (deferred P&L lines, and a clearing line for the
            share of the entry's balance-sheet lines).
        settled: the amount settled so far (0 <= settled <= total).
    """

    entry_id: str
    clearing_account_id: str
    commodity: Commodity
    side: Direction
    order: LedgerOrder
    counterparty: Counterparty | None
    total: int
    basis: tuple[LineItem, ...]
    settled: int = 0

    @property
    def key(self) -> ItemKey:
        return (self.entry_id, self.clearing_account_id, self.commodity.code)

    @property
    def entry_at(self) -> datetime:
        return self.order[0]

    @property
    def remaining(self) -> int:
        return self.total - self.settled


@dataclass(frozen=True, slots=True)
class Allocation:
    """`amount` of an open item settled (> 0) or re-opened (< 0) by one entry.

    `settled_before` is the item's settled amount just before; with the item's basis it
    fixes the recognised lines (`recognised_lines`), dated `recognised_at`.
    """

    settling_entry_id: str
    open_item_id: str
    clearing_account_id: str
    commodity: str
    amount: int
    recognised_at: datetime
    settled_before: int

    @property
    def item_key(self) -> ItemKey:
        return (self.open_item_id, self.clearing_account_id, self.commodity)


class Part(Enum):
    OPEN = "open"          # increases the clearing account: a new open item
    SETTLE = "settle"      # decreases it: settles open items
    UNSETTLE = "unsettle"  # a reversal increasing what its original settled: re-opens
    STAY = "stay"          # counts as in accrual (net zero, or an increase on the minor side)


def clearing_accounts(chart: ChartOfAccounts,
                      clearing_subtypes: Collection[AccountSubtype] = DEFAULT_CLEARING_SUBTYPES,
                      ) -> frozenset[str]:
    """The ids of the chart's clearing accounts: those whose subtype is in the set."""
    return frozenset(a.id for a in chart if a.subtype in clearing_subtypes)


def apportion(weights: Sequence[int], total: int) -> tuple[int, ...]:
    """Split `total` in proportion to integer `weights` by the largest-remainder method.

    Each share is the floor or the ceiling of ``weight * total / sum(weights)``; the shares
    add up to exactly `total`. Ties go to the earlier weight, so the result is deterministic.

    Raises:
        ValueError: the weights add up to zero.
    """
    whole = sum(weights)
    if whole == 0:
        raise ValueError("cannot apportion over weights that add up to zero")
    if total == whole:  # the weights themselves (the exact case: a whole item)
        return tuple(weights)
    if total == 0:
        return (0,) * len(weights)
    sign = 1 if whole > 0 else -1
    floors: list[int] = []
    rests: list[int] = []
    for weight in weights:
        share, rest = divmod(sign * weight * total, sign * whole)
        floors.append(share)
        rests.append(rest)
    spare = total - sum(floors)
    for index in sorted(range(len(weights)), key=lambda i: (-rests[i], i))[:spare]:
        floors[index] += 1
    return tuple(floors)


def counter_weight(line: LineItem, side: Direction) -> int:
    """A line's weight in an item's basis, read against the item's side."""
    # Counter-oriented: positive on the side opposite the clearing increase (revenue of an
    # invoice), negative on the same side (a discount, cash taken with the invoice).
    return -line.amount if line.direction is side else line.amount


def view_line(account_id: str, commodity: Commodity, weight: int, side: Direction,
              line_id: str | None = None) -> LineItem:
    """The line of a weight (`counter_weight`'s inverse)."""
    direction = side.opposite if weight > 0 else side
    return LineItem(account_id, commodity, abs(weight), direction, line_id)


def clearing_nets(chart: ChartOfAccounts, entry: JournalEntry,
                  clearing: frozenset[str]) -> Nets:
    """The entry's net effect on each clearing account and commodity it touches."""
    nets: dict[tuple[str, str], int] = {}
    for item in entry.line_items:
        if item.account_id in clearing:
            key = (item.account_id, item.commodity.code)
            nets[key] = nets.get(key, 0) + chart.get(item.account_id).effect(
                item.direction, item.amount)
    return nets


def classify(chart: ChartOfAccounts, nets: Nets, clearing: frozenset[str],
             original: JournalEntry | None) -> dict[tuple[str, str], Part]:
    """What each clearing part of an entry does, from its `clearing_nets`.

    Args:
        chart: the chart of accounts.
        nets: the entry's clearing nets.
        clearing: the clearing account ids.
        original: the entry it reverses, when reversal semantics apply (`reverses`).
    """
    before = {} if original is None else clearing_nets(chart, original, clearing)
    parts: dict[tuple[str, str], Part] = {}
    opening = False
    for key, net in nets.items():
        if net == 0:
            parts[key] = Part.STAY
        elif net < 0:
            parts[key] = Part.SETTLE
        elif before.get(key, 0) < 0:
            parts[key] = Part.UNSETTLE
        else:
            parts[key] = Part.OPEN
            opening = True
    if not opening:
        return parts
    # Increases of a receivable and of a payable in one commodity cannot share one set of
    # deferred lines; the larger side opens items, the other counts as in accrual.
    sides: dict[tuple[str, Direction], int] = defaultdict(int)
    for (account_id, code), part in parts.items():
        if part is Part.OPEN:
            sides[(code, chart.get(account_id).normal)] += nets[(account_id, code)]
    for (account_id, code), part in parts.items():
        if part is Part.OPEN:
            side = chart.get(account_id).normal
            if sides[(code, side)] < sides[(code, side.opposite)] or (
                    sides[(code, side)] == sides[(code, side.opposite)]
                    and side is Direction.CREDIT):
                parts[(account_id, code)] = Part.STAY
    return parts


@dataclass(frozen=True, slots=True)
class Deferral:
    """What an entry defers in one commodity: its open items and what counts at once."""

    items: tuple[OpenItem, ...]
    kept: Mapping[str, int]       # clearing account -> increase kept in the view
    immediate: Mapping[int, int]  # P&L line index -> weight recognised on the entry's date
    side: Direction


def deferrals(chart: ChartOfAccounts, entry: JournalEntry, clearing: frozenset[str],
              nets: Nets, parts: Mapping[tuple[str, str], Part]) -> dict[str, Deferral]:
    """The entry's deferrals by commodity code, from its nets and `classify` parts."""
    opens: dict[str, list[str]] = defaultdict(list)
    for (account_id, code), part in sorted(parts.items()):
        if part is Part.OPEN:
            opens[code].append(account_id)
    out: dict[str, Deferral] = {}
    if not opens:
        return out
    order = statement_order(entry)
    for code, accounts in opens.items():
        side = chart.get(accounts[0]).normal
        total = sum(nets[(a, code)] for a in accounts)
        pl = [(i, item) for i, item in enumerate(entry.line_items)
              if item.commodity.code == code and item.account_id not in clearing
              and chart.get(item.account_id).type.is_profit_and_loss]
        weights = [counter_weight(item, side) for _, item in pl]
        rest = total - sum(weights)  # what the entry's balance-sheet lines stand for
        # rest >= 0: all P&L waits and the clearing account keeps the balance-sheet share;
        # rest < 0: cash came with the item, and its share of the P&L counts at once.
        slots = [*weights, rest] if rest >= 0 else [*apportion(weights, total), 0]
        immediate = {i: w - d for (i, _), w, d in zip(pl, weights, slots, strict=False)}
        items: list[OpenItem] = []
        kept: dict[str, int] = {}
        cumulative, previous = 0, (0,) * len(slots)
        commodity = next(li.commodity for li in entry.line_items if li.commodity.code == code)
        for account_id in accounts:
            cumulative += nets[(account_id, code)]
            now = apportion(slots, cumulative)
            share = [n - p for n, p in zip(now, previous, strict=True)]
            previous = now
            basis = [view_line(item.account_id, commodity, w, side, item.id)
                     for (_, item), w in zip(pl, share, strict=False) if w]
            if share[-1]:
                basis.append(view_line(account_id, commodity, share[-1], side))
            kept[account_id] = share[-1]
            items.append(OpenItem(entry.id, account_id, commodity, side, order,
                                  entry.counterparty, nets[(account_id, code)], tuple(basis)))
        out[code] = Deferral(tuple(items), kept, immediate, side)
    return out


def reverses(entry: JournalEntry, original: JournalEntry | None) -> JournalEntry | None:
    """`original` when reversal semantics apply: it is the linked entry and comes first.

    Raises:
        Conflict: `original` is not the entry `entry` reverses.
    """
    if original is None:
        return None
    if entry.reversal_of_id != original.id:
        raise Conflict(f"entry {entry.id} does not reverse {original.id}",
                       entry_id=entry.id, original_id=original.id)
    return original if statement_order(original) < statement_order(entry) else None


@dataclass(frozen=True, slots=True)
class Shape:
    """How one entry meets the clearing accounts: computed once, read by every step.

    Attributes:
        original: the entry it reverses when reversal semantics apply (`reverses`).
        nets: its `clearing_nets`.
        parts: what each clearing part does (`classify`).
        deferrals: its deferrals by commodity code (`deferrals`).
    """

    original: JournalEntry | None
    nets: Nets
    parts: Mapping[tuple[str, str], Part]
    deferrals: Mapping[str, Deferral]

    @property
    def items(self) -> tuple[OpenItem, ...]:
        """The open items the entry creates, nothing settled yet."""
        return tuple(item for d in self.deferrals.values() for item in d.items)


def shape_of(chart: ChartOfAccounts, entry: JournalEntry, *, clearing: frozenset[str],
             original: JournalEntry | None = None) -> Shape:
    """The entry's `Shape` (`original`: the entry it reverses, if any).

    Raises:
        Conflict: `original` is not the entry `entry` reverses.
    """
    original = reverses(entry, original)
    nets = clearing_nets(chart, entry, clearing)
    parts = classify(chart, nets, clearing, original)
    return Shape(original, nets, parts, deferrals(chart, entry, clearing, nets, parts))


def open_items(chart: ChartOfAccounts, entry: JournalEntry, *, clearing: frozenset[str],
               original: JournalEntry | None = None) -> tuple[OpenItem, ...]:
    """The open items `entry` creates, nothing settled yet.

    Args:
        chart: the chart of accounts.
        entry: the entry.
        clearing: the clearing account ids (`clearing_accounts`).
        original: the entry it reverses, if any (a reversal of a settlement re-opens
            instead of opening).
    """
    return shape_of(chart, entry, clearing=clearing, original=original).items


def recognised_lines(item: OpenItem, allocation: Allocation) -> tuple[LineItem, ...]:
    """The lines `allocation` recognises out of `item` (its settling entry's date).

    The share is rounded on the running total (``settled_before`` to ``settled_before +
    amount``) by largest remainder, so the lines net to exactly ``amount`` against the
    clearing account and a fully settled item recognises each basis line exactly.
    """
    weights = [counter_weight(basis, item.side) for basis in item.basis]
    before = apportion(weights, allocation.settled_before)
    after = apportion(weights, allocation.settled_before + allocation.amount)
    prefix = f"{allocation.settling_entry_id}~{item.entry_id}"
    return tuple(view_line(basis.account_id, basis.commodity, a - b, item.side,
                           f"{prefix}:{item.clearing_account_id}:{item.commodity.code}#{n}")
                 for n, (basis, b, a) in enumerate(zip(item.basis, before, after, strict=True))
                 if a != b)
