"""Cash basis: the journal as it looks when revenue and expense wait for the cash.

Clearing accounts (by subtype: receivables and payables, plus any a ledger adds) carry what
is owed. An entry that increases a clearing account is an *open item*: its profit-and-loss
lines are deferred. An entry that decreases one *settles* open items (its reversal's
original first, then the items the caller names, then first-in-first-out by the item's
``entry_at`` and id, same counterparty when both carry one), and each allocation of ``a``
out of an item of total ``T`` recognises the item's deferred lines at ``line * a / T`` on
the settling entry's date, rounded by largest remainder on the running total so that each
allocation nets to exactly ``a`` and a fully settled item recognises every line exactly.
The view replaces each settled clearing line by those recognised lines; a decrease with
nothing left to settle stays on the clearing account (unapplied cash). Balance-sheet lines
never move in time: an open item's non-P&L lines stay on its date and the clearing account
keeps their share until settlement, so cash and bank read the same in both bases. The
reversal of a settlement re-opens what it settled and takes the recognition back on its
own date. `cash_view` is the reference; `settle_entry`, `open_items`, `recognised_lines`
and `cash_entry` are the incremental pieces a store projects (docs/cash-basis.md).
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ledgercore.domain.accounts import AccountSubtype, ChartOfAccounts
from ledgercore.domain.balances import statement_order
from ledgercore.domain.deferral import (
    DEFAULT_CLEARING_SUBTYPES,
    Allocation,
    ItemKey,
    LedgerOrder,
    OpenItem,
    Part,
    Shape,
    apportion,
    classify,
    clearing_accounts,
    clearing_nets,
    open_items,
    recognised_lines,
    reverses,
    shape_of,
    view_line,
)
from ledgercore.domain.entries import Counterparty, JournalEntry, LineItem
from ledgercore.domain.errors import Conflict, UnknownEntry

__all__ = [
    "DEFAULT_CLEARING_SUBTYPES", "Allocation", "ItemKey", "LedgerOrder", "OpenItem",
    "Settlement", "Shape", "apportion", "cash_entry", "cash_entry_lines", "cash_view",
    "clearing_accounts", "open_items", "recognised_lines", "settle", "settle_entry", "shape_of",
]


def _same_party(item: OpenItem, entry: JournalEntry) -> bool:
    party = entry.counterparty
    return party is None or item.counterparty is None or party == item.counterparty


def settle_entry(chart: ChartOfAccounts, entry: JournalEntry, items: Mapping[ItemKey, OpenItem],
                 *, clearing: frozenset[str], original: JournalEntry | None = None,
                 original_allocations: Sequence[Allocation] = (),
                 settles: Sequence[str] = (),
                 accounts: Collection[str] | None = None) -> tuple[Allocation, ...]:
    """The allocations `entry` makes, given the open items posted before it.

    Args:
        chart: the chart of accounts.
        entry: the entry being posted.
        items: open items by key, as they stand before `entry` (see docs/cash-basis.md for
            the minimum: items with something left on the clearing accounts and commodities
            `entry` decreases, the items it names, its original's items and the items its
            original's allocations touched). Items after `entry` in ledger order are ignored.
        clearing: the clearing account ids.
        original: the entry it reverses, when posted (a reversal settles exactly its
            original, or re-opens what its original settled).
        original_allocations: `original`'s allocations, unless already reversed.
        settles: ids of open items `entry` settles first, in this order (then FIFO).
        accounts: only allocate on these clearing accounts (to recompute one account).

    Returns:
        The allocations in a deterministic order (clearing account, commodity, then the order
        the items were settled in).
    """
    original = reverses(entry, original)
    nets = clearing_nets(chart, entry, clearing)
    mark = statement_order(entry)
    live = dict(items)
    out: list[Allocation] = []

    def allocate(item: OpenItem, amount: int) -> None:
        out.append(Allocation(entry.id, item.entry_id, item.clearing_account_id,
                              item.commodity.code, amount, entry.entry_at, item.settled))
        live[item.key] = dataclasses.replace(item, settled=item.settled + amount)

    for (account_id, code), part in sorted(classify(chart, nets, clearing, original).items()):
        if accounts is not None and account_id not in accounts:
            continue
        if part is Part.SETTLE:
            rest = -nets[(account_id, code)]
            if original is not None and (original.id, account_id, code) in live:
                queue = [(original.id, account_id, code)]
            else:
                pool = sorted((i for i in live.values() if i.clearing_account_id == account_id
                               and i.commodity.code == code),
                              key=lambda i: (i.entry_at, i.entry_id))
                queue = [(s, account_id, code) for s in settles] + [i.key for i in pool]
            for key in queue:
                item = live.get(key)
                if rest == 0 or item is None or item.order >= mark or not item.remaining:
                    continue
                if key[0] not in settles and not _same_party(item, entry):
                    continue
                amount = min(rest, item.remaining)
                allocate(item, amount)
                rest -= amount
        elif part is Part.UNSETTLE:
            rest = nets[(account_id, code)]
            settled: dict[ItemKey, int] = defaultdict(int)
            for allocation in original_allocations:
                if (allocation.clearing_account_id, allocation.commodity) == (account_id, code):
                    settled[allocation.item_key] += allocation.amount
            for key in reversed(list(settled)):
                item = live.get(key)
                if item is None:
                    continue
                amount = min(rest, settled[key], item.settled)
                if amount > 0:
                    allocate(item, -amount)
                    rest -= amount
    return tuple(out)


def cash_entry(chart: ChartOfAccounts, entry: JournalEntry, allocations: Iterable[Allocation],
               items: Mapping[ItemKey, OpenItem], *, clearing: frozenset[str],
               original: JournalEntry | None = None) -> JournalEntry | None:
    """`entry` as the cash basis sees it, or None when nothing of it counts on its date.

    Args:
        chart: the chart of accounts.
        entry: the source entry.
        allocations: the allocations `entry` made as settling entry (others are ignored).
        items: the open items they refer to (any version: only the basis is read).
        clearing: the clearing account ids.
        original: the entry it reverses, if any (as given to `settle_entry`).

    Returns:
        Same id, dates, type, tags and counterparty; deferred P&L lines removed; each clearing
        account's lines replaced by what stays on it plus the recognised lines.
    """
    lines = cash_entry_lines(chart, entry, allocations, items, clearing=clearing,
                             original=original)
    if lines is entry.line_items:
        return entry
    return dataclasses.replace(entry, line_items=lines) if lines else None


def cash_entry_lines(chart: ChartOfAccounts, entry: JournalEntry,
                     allocations: Iterable[Allocation], items: Mapping[ItemKey, OpenItem], *,
                     clearing: frozenset[str], original: JournalEntry | None = None,
                     shape: Shape | None = None) -> tuple[LineItem, ...]:
    """The lines of `cash_entry` (its arguments): empty when nothing counts on its date,
    `entry.line_items` itself when it touches no clearing account.

    `shape`, when given, is ``shape_of(chart, entry, clearing=clearing, original=original)``
    computed by the caller (a store computes it once per entry).
    """
    if shape is None:
        if not clearing_nets(chart, entry, clearing):
            return entry.line_items
        shape = shape_of(chart, entry, clearing=clearing, original=original)
    nets, parts, deferred = shape.nets, shape.parts, shape.deferrals
    if not nets:
        return entry.line_items
    mine: dict[tuple[str, str], list[Allocation]] = defaultdict(list)
    for allocation in allocations:
        if allocation.settling_entry_id == entry.id:
            mine[(allocation.clearing_account_id, allocation.commodity)].append(allocation)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for line in entry.line_items:
        if line.account_id in clearing:
            counts[(line.account_id, line.commodity.code)] += 1
    lines: list[LineItem] = []
    done: set[tuple[str, str]] = set()
    for index, line in enumerate(entry.line_items):
        code = line.commodity.code
        deferral = deferred.get(code)
        key = (line.account_id, code)
        if line.account_id in clearing:
            if key in done:
                continue
            done.add(key)
            account = chart.get(line.account_id)
            stays = (deferral.kept[line.account_id] if parts[key] is Part.OPEN and deferral
                     else nets[key] + sum(a.amount for a in mine[key]))
            if counts[key] == 1 and stays == nets[key]:
                lines.append(line)
            elif stays:
                lines.append(view_line(line.account_id, line.commodity, -stays, account.normal))
            for allocation in mine[key]:
                lines.extend(recognised_lines(items[allocation.item_key], allocation))
        elif deferral is not None and index in deferral.immediate:
            weight = deferral.immediate[index]
            if weight:
                lines.append(view_line(line.account_id, line.commodity, weight,
                                       deferral.side, line.id))
        else:
            lines.append(line)
    return tuple(lines)


@dataclass(frozen=True, slots=True)
class Settlement:
    """The outcome of settling a whole journal: allocations and the items' final state."""

    allocations: tuple[Allocation, ...]
    items: Mapping[ItemKey, OpenItem]
    originals: Mapping[str, JournalEntry]  # reversal id -> the entry it reverses, when earlier
    entries: tuple[JournalEntry, ...]      # the journal in ledger order


def settle(chart: ChartOfAccounts, entries: Iterable[JournalEntry], *,
           clearing_subtypes: Collection[AccountSubtype] = DEFAULT_CLEARING_SUBTYPES,
           settlements: Mapping[str, Sequence[str]] | None = None) -> Settlement:
    """Settle a whole journal, entry by entry in ledger order (entry_at, created_at, id).

    Args:
        chart: the chart of accounts.
        entries: the journal, in any order.
        clearing_subtypes: subtypes whose accounts are clearing accounts.
        settlements: settling entry id -> ids of the open items it settles first.

    Raises:
        Conflict: two entries share an id.
        UnknownEntry: `settlements` names an entry that is not in the journal before the
            settling entry.
    """
    clearing = clearing_accounts(chart, clearing_subtypes)
    ordered = tuple(sorted(entries, key=statement_order))
    by_id: dict[str, JournalEntry] = {}
    for entry in ordered:
        if entry.id in by_id:
            raise Conflict(f"entry id {entry.id} appears twice", entry_id=entry.id)
        by_id[entry.id] = entry
    links = settlements or {}
    for settling_id, named in links.items():
        for item_id in (settling_id, *named):
            if item_id not in by_id or (item_id != settling_id and statement_order(
                    by_id[item_id]) >= statement_order(by_id[settling_id])):
                raise UnknownEntry(f"settlement link {settling_id} -> {item_id} names no "
                                   f"earlier entry", entry_id=item_id,
                                   settling_entry_id=settling_id)
    items: dict[ItemKey, OpenItem] = {}
    queues = _Queues()
    by_settler: dict[str, tuple[Allocation, ...]] = {}
    originals: dict[str, JournalEntry] = {}
    allocations: list[Allocation] = []
    for entry in ordered:
        if not entry.account_ids & clearing:
            continue
        original = by_id.get(entry.reversal_of_id or "")
        if original is not None and statement_order(original) < statement_order(entry):
            originals[entry.id] = original
        else:
            original = None
        # A second reversal of the same entry finds nothing left to re-open.
        reversed_ = by_settler.pop(original.id, ()) if original is not None else ()
        named = links.get(entry.id, ())
        # Exactly the state the incremental contract promises (docs/cash-basis.md).
        state: dict[ItemKey, OpenItem] = {}
        for (account_id, code), net in clearing_nets(chart, entry, clearing).items():
            covered = 0
            for key in queues.eligible(account_id, code, entry.counterparty) if net < 0 else ():
                if covered >= -net:  # the FIFO prefix that can absorb the decrease
                    break
                state[key] = items[key]
                covered += items[key].remaining
            for item_id in (*named, *([original.id] if original else [])):
                if (item_id, account_id, code) in items:
                    state[(item_id, account_id, code)] = items[(item_id, account_id, code)]
        state.update((a.item_key, items[a.item_key]) for a in reversed_)
        made = settle_entry(chart, entry, state, clearing=clearing, original=original,
                            original_allocations=reversed_, settles=named)
        for allocation in made:
            item = items[allocation.item_key]
            queues.track(items, dataclasses.replace(
                item, settled=item.settled + allocation.amount))
        for item in open_items(chart, entry, clearing=clearing, original=original):
            queues.track(items, item)
        by_settler[entry.id] = made
        allocations.extend(made)
    return Settlement(tuple(allocations), items, originals, ordered)


class _Queues:
    """The items with something left, in FIFO order (entry_at, id), to find a prefix fast.

    One queue per clearing account and commodity, and one per (clearing account, commodity,
    counterparty or none): a settling entry with a counterparty reads the merge of its
    counterparty's queue and the queue of items without one (exactly the items
    `_same_party` accepts, in FIFO order) instead of skipping through every customer's.
    """

    def __init__(self) -> None:
        self._all: dict[tuple[str, str], list[tuple[datetime, str, ItemKey]]] = (
            defaultdict(list))
        self._party: dict[tuple[str, str, Counterparty | None],
                          list[tuple[datetime, str, ItemKey]]] = defaultdict(list)

    def eligible(self, account_id: str, code: str,
                 party: Counterparty | None) -> Iterator[ItemKey]:
        """Keys of the open items a decrease by `party` may settle, in FIFO order."""
        if party is None:
            return (key for _, _, key in self._all[(account_id, code)])
        return (key for _, _, key in heapq.merge(self._party[(account_id, code, party)],
                                                 self._party[(account_id, code, None)]))

    def track(self, items: dict[ItemKey, OpenItem], item: OpenItem) -> None:
        """Record `item`'s new state in `items` and move it in or out of the queues."""
        was_open = item.key in items and items[item.key].remaining > 0
        items[item.key] = item
        place = (item.entry_at, item.entry_id, item.key)
        queues = (self._all[(item.clearing_account_id, item.commodity.code)],
                  self._party[(item.clearing_account_id, item.commodity.code,
                               item.counterparty)])
        for queue in queues:
            if item.remaining > 0 and not was_open:
                bisect.insort(queue, place)
            elif item.remaining <= 0 and was_open:
                del queue[bisect.bisect_left(queue, place)]


def cash_view(chart: ChartOfAccounts, entries: Iterable[JournalEntry], *,
              clearing_subtypes: Collection[AccountSubtype] = DEFAULT_CLEARING_SUBTYPES,
              settlements: Mapping[str, Sequence[str]] | None = None,
              ) -> tuple[JournalEntry, ...]:
    """The journal as the cash basis sees it, in ledger order.

    ``balances(chart, cash_view(chart, entries), period, entry_filter)`` is the cash-basis
    balance; statements, roll-ups and trial balances work on the view unchanged. Entries
    touching no clearing account are returned as they are; the others by `cash_entry`
    (same ids), and dropped when nothing of them counts on their date.

    Raises:
        Conflict, UnknownEntry: as `settle`.
    """
    clearing = clearing_accounts(chart, clearing_subtypes)
    outcome = settle(chart, entries, clearing_subtypes=clearing_subtypes,
                     settlements=settlements)
    by_settler: dict[str, list[Allocation]] = defaultdict(list)
    for allocation in outcome.allocations:
        by_settler[allocation.settling_entry_id].append(allocation)
    view: list[JournalEntry] = []
    for entry in outcome.entries:
        seen = cash_entry(chart, entry, by_settler.get(entry.id, ()), outcome.items,
                          clearing=clearing, original=outcome.originals.get(entry.id))
        if seen is not None:
            view.append(seen)
    return tuple(view)
