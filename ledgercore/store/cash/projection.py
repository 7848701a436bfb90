"""The cash-basis projection: the cash view kept up to date at posting time.

`ledgercore.domain.cash.cash_view` is the reference; re-running it over the whole journal on
every query is linear in the ledger. Instead, the posting transaction maintains what the
domain's incremental contract names (docs/cash-basis.md): the open items with what is left
of each, the allocations, and for every entry touching a clearing account its *cash lines*
(its accrual lines withdrawn, ``sign = -1``, and its cash-view lines, ``sign = +1``) with
their per-bucket totals. An entry touching no clearing account costs nothing. An entry that
comes last in ledger order on its clearing accounts is settled from the stored open items.
One that sorts before entries already projected on a clearing account (back-dated, or a
batch arriving out of order) *rewinds* that account to the state just before it: the
allocations those later entries made on it are undone and their open items removed, and
they are settled again, in ledger order, together with the new entries (clearing accounts
are independent; the state before a point in ledger order depends only on the entries
before it). The cost is that of the entries after the back-dated one, not of the ledger.
`rebuild` recomputes everything from the journal with the domain's `settle`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import ChartOfAccounts, Direction
from ledgercore.domain.balances import statement_order
from ledgercore.domain.cash import (
    Allocation,
    ItemKey,
    OpenItem,
    cash_entry_lines,
    clearing_accounts,
    settle,
    settle_entry,
)
from ledgercore.domain.deferral import Shape, shape_of
from ledgercore.domain.entries import (
    Counterparty,
    CounterpartyKind,
    JournalEntry,
    LineItem,
)
from ledgercore.store.cash import sql as cash_sql
from ledgercore.store.cash.items import OpenItems, insert_allocations, insert_items
from ledgercore.store.cash.rewind import later_entries, rewind
from ledgercore.store.cash.sql import VIEW, WITHDRAWN, Db, Increment
from ledgercore.store.cash_flow_totals import FlowIncrements
from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import from_micros, to_micros
from ledgercore.store.schema import (
    cash_allocations,
    cash_lines,
    cash_open_items,
    cash_period_totals,
    line_items,
)
from ledgercore.store.totals import PendingTotals

__all__ = ["VIEW", "WITHDRAWN", "Backlog", "on_posted", "project_due", "rebuild"]

# A write settling at least this many entries of counterparties on one clearing account
# and commodity reads all its counterparties' open items at once, not a prefix per entry.
BULK_READ = 32

_last_chart: tuple[ChartOfAccounts, frozenset[str]] | None = None


def _clearing(chart: ChartOfAccounts) -> frozenset[str]:
    """The chart's clearing accounts; a chart is immutable, so the last one is kept."""
    global _last_chart
    cached = _last_chart
    if cached is None or cached[0] is not chart:
        cached = _last_chart = (chart, clearing_accounts(chart))
    return cached[1]


class _Context:
    """One projection step: the chart, the clearing accounts and entries loaded so far."""

    def __init__(self, connection: Connection, catalog: Catalog,
                 clearing: frozenset[str], pending: PendingTotals | None = None,
                 flows: FlowIncrements | None = None) -> None:
        self.connection = connection
        self.pending = pending
        # What the cash lines written add to the cash-flow totals (None: not kept, as
        # in `rebuild`, whose caller rebuilds those totals after it).
        self.flows = flows
        self.db = Db(connection)
        self.catalog = catalog
        self.chart = catalog.chart
        self.clearing = clearing
        self.entries: dict[int, JournalEntry] = {}
        self.keys: dict[str, int] = {}
        self.shapes: dict[str, Shape] = {}  # by entry id
        self._absent: set[str] = set()  # reversed entry ids not in the ledger

    def load(self, keys: Iterable[int]) -> None:
        """Load entries by row key, and the entries they reverse."""
        missing = sorted(set(keys) - self.entries.keys())
        if missing:
            for key, entry in _load(self.db, self.catalog, missing):
                self.entries[key] = entry
                self.keys[entry.id] = key
        # An original's key may be known without the entry being loaded (a load's open
        # items carried over name their entries' keys): what is loaded decides.
        wanted = {e.reversal_of_id for e in self.entries.values()
                  if e.reversal_of_id is not None
                  and self.keys.get(e.reversal_of_id) not in self.entries} - self._absent
        if wanted:
            unknown = wanted - self.keys.keys()
            if unknown:  # originals not posted (yet) are looked for once
                found = _keys_of(self.db, self.catalog.ledger_id, unknown)
                self._absent.update(unknown - found.keys())
                self.keys.update(found)
            self.load([self.keys[i] for i in wanted if i in self.keys])

    def original(self, entry: JournalEntry) -> JournalEntry | None:
        """The entry `entry` reverses, when it comes first in ledger order."""
        if entry.reversal_of_id is None:
            return None
        key = self.keys.get(entry.reversal_of_id)
        found = None if key is None else self.entries.get(key)
        return found if found and statement_order(found) < statement_order(entry) else None

    def touched(self, entry: JournalEntry) -> frozenset[str]:
        return entry.account_ids & self.clearing

    def shape(self, entry: JournalEntry) -> Shape:
        """The entry's shape (with its original as `original` says), computed once."""
        found = self.shapes.get(entry.id)
        if found is None:
            found = self.shapes[entry.id] = shape_of(
                self.chart, entry, clearing=self.clearing, original=self.original(entry))
        return found


_LOAD = ("SELECT je.id, je.external_id, je.entry_at, je.created_at, je.counterparty_kind, "
         "je.counterparty_id, je.reversal_of_id, li.account_id, li.commodity_id, li.amount, "
         "li.direction, li.external_id FROM journal_entries je "
         "JOIN line_items li ON li.entry_id = je.id WHERE {keys} "
         "ORDER BY je.id, li.position")


def _load(db: Db, catalog: Catalog,
          keys: Sequence[int]) -> Iterator[tuple[int, JournalEntry]]:
    """Stored entries as far as the cash basis reads them, in one query.

    Lines, dates, counterparty and reversal link; not tags, type or description, which
    the projection never reads (`repository.load_entries` loads whole entries).
    """
    found = db.rows(_LOAD.format(keys=db.members("keys", "je.id")), {"keys": db.keys(keys)})
    if any(r[7] not in catalog.account_id or r[8] not in catalog.commodity for r in found):
        catalog.load(db.connection)  # defined by another process since we cached
    for key, group in groupby(found, key=itemgetter(0)):
        lines = list(group)
        head = lines[0]
        yield key, JournalEntry(
            head[1], from_micros(head[2]), tuple(
                LineItem(catalog.account_id[r[7]], catalog.commodity[r[8]], r[9],
                         Direction(r[10]), r[11]) for r in lines),
            created_at=from_micros(head[3]), counterparty=None if head[4] is None else
            Counterparty(CounterpartyKind(head[4]), head[5]), reversal_of_id=head[6])


# A load holds back at most this many written entries from the projection.
HELD_AT_MOST = 20_000


class Backlog:
    """A load's (`Ledger.load`) projection, carried from one of its batches to the next.

    An import's file is nearly in ledger order, not quite: an entry may come shortly
    after entries it precedes. Projected batch by batch, nearly every batch would begin
    by rewinding its clearing accounts. So each batch projects only the entries that no
    later one is expected to precede: those before the latest `entry_at` seen, less the
    largest lateness seen so far. The others are written with their batch and projected
    with a later one (when more than `HELD_AT_MOST` wait, the earliest go anyway; all go
    when the load ends). Order costs only time: an entry projected too early is rewound
    as in any write. The open items read and made stay in memory from step to step
    (`OpenItems.carry_over`), except a rewound account's.
    """

    def __init__(self) -> None:
        self.held: dict[str, tuple[JournalEntry, int]] = {}  # written, not projected
        self.latest: datetime | None = None
        self.lateness = timedelta(0)
        self.book: OpenItems | None = None

    def ready(self, fresh: Iterable[JournalEntry],
              keys: Mapping[str, int]) -> list[tuple[JournalEntry, int]]:
        """Hold the fresh entries (arrival order); release those due, in ledger order."""
        for entry in fresh:
            if self.latest is None or entry.entry_at > self.latest:
                self.latest = entry.entry_at
            else:
                self.lateness = max(self.lateness, self.latest - entry.entry_at)
            self.held[entry.id] = (entry, keys[entry.id])
        if self.latest is None:
            return []
        waiting = sorted(self.held.values(), key=lambda held: statement_order(held[0]))
        cut = self.latest - self.lateness
        due = next((i for i, (e, _) in enumerate(waiting) if e.entry_at >= cut), len(waiting))
        return self.release(waiting[:max(due, len(waiting) - HELD_AT_MOST)])

    def release(self, due: Sequence[tuple[JournalEntry, int]] | None = None,
                ) -> list[tuple[JournalEntry, int]]:
        """Stop holding these entries (all, by default: the load's end)."""
        if due is None:
            due = sorted(self.held.values(), key=lambda held: statement_order(held[0]))
        for entry, _ in due:
            del self.held[entry.id]
        return list(due)


def on_posted(connection: Connection, catalog: Catalog, entries: Sequence[JournalEntry],
              keys: Mapping[str, int] | None = None,
              pending: PendingTotals | None = None, backlog: Backlog | None = None, *,
              flows: FlowIncrements) -> None:
    """Project entries just written by `post` (same transaction, entries already stored).

    Args:
        connection: the posting transaction's connection.
        catalog: the ledger's catalog.
        entries: the entries just written.
        keys: their row keys by entry id, when the caller has them (read otherwise).
        pending: where a long write gathers its cash period-total increments.
        backlog: a load's projection across its batches; None projects the entries now.
        flows: where the cash lines written count towards the cash-flow totals (the
            caller writes them: `FlowIncrements.write`).
    """
    clearing = _clearing(catalog.chart)
    fresh = [e for e in entries if e.account_ids & clearing]
    if backlog is None:
        if fresh:
            _project_fresh(_Context(connection, catalog, clearing, pending, flows),
                           sorted(fresh, key=statement_order), keys)
        return
    if keys is None:  # `post` passes them
        keys = _keys_of(Db(connection), catalog.ledger_id, [e.id for e in fresh])
    project_due(connection, catalog, backlog, backlog.ready(fresh, keys), pending, flows)


def project_due(connection: Connection, catalog: Catalog, backlog: Backlog,
                due: Sequence[tuple[JournalEntry, int]],
                pending: PendingTotals | None, flows: FlowIncrements) -> None:
    """Project entries a `Backlog` released (`Backlog.release` for the rest, at the end);
    `flows` as `on_posted` says."""
    if due:
        _project_fresh(_Context(connection, catalog, _clearing(catalog.chart), pending,
                                flows),
                       [entry for entry, _ in due], {e.id: key for e, key in due}, backlog)


def _project_fresh(context: _Context, fresh: Sequence[JournalEntry],
                   keys: Mapping[str, int] | None, backlog: Backlog | None = None) -> None:
    """`on_posted` for the fresh entries touching a clearing account, in ledger order."""
    catalog = context.catalog
    if keys is None:
        keys = _keys_of(context.db, catalog.ledger_id, [e.id for e in fresh])
    for entry in fresh:
        context.keys[entry.id] = keys[entry.id]
        context.entries[keys[entry.id]] = entry
    context.load(())  # the entries they reverse
    withdrawn = _withdrawn(context, fresh)
    book = backlog.book if backlog is not None else None
    if book is None:
        book = OpenItems(context.db, catalog, context.keys)
        if backlog is not None:
            backlog.book = book
    else:
        book.carry_over(context.keys)
    later = later_entries(context.db, catalog, context.clearing, fresh)
    again: set[int] = set().union(*later.values())
    if later:
        rewind(context.db, catalog, later)
        book.forget(later.keys())
        context.load(again)
    fresh_ids = {e.id for e in fresh}
    work = sorted([*fresh, *(context.entries[k] for k in again)], key=statement_order)
    steps: list[tuple[JournalEntry, frozenset[str], dict[tuple[str, str], int]]] = []
    settling: dict[tuple[str, str], int] = defaultdict(int)
    for entry in work:
        touched = context.touched(entry)
        if entry.id not in fresh_ids:  # settled again only on the accounts rewound for it
            key = context.keys[entry.id]
            touched = frozenset(a for a in touched if key in later.get(a, ()))
        decreases = _decreases(context.chart, entry, touched)
        steps.append((entry, touched, decreases))
        if entry.counterparty is not None:
            for group in decreases:
                settling[group] += 1
    for (account, code), count in sorted(settling.items()):
        if count >= BULK_READ:
            book.read_open(account, code)
    for entry, touched, decreases in steps:
        _apply(context, book, entry, touched, decreases, fresh_ids)
    book.flush()
    made = {context.keys[entry_id]: found for entry_id, found in book.made.items()
            if entry_id in fresh_ids}
    bases = {key: item for key, item in book.items.items() if item.basis}
    # Entries projected before that a rewind touched: their view is read back and redone.
    _project(context, {context.keys[e.id] for e in fresh} | again, made, again, withdrawn,
             bases)


def rebuild(connection: Connection, catalog: Catalog) -> None:
    """Recompute a ledger's projection from its journal.

    The cash-flow totals sum its cash lines: the caller rebuilds them after it
    (`ledgercore.store.cash_flow_totals.rebuild`; migration 0002 runs this before they
    exist).
    """
    ledger = catalog.ledger_id
    for table in (cash_period_totals, cash_lines, cash_allocations, cash_open_items):
        connection.execute(delete(table).where(table.c.ledger_id == ledger))
    context = _Context(connection, catalog, clearing_accounts(catalog.chart))
    if not context.clearing:
        return
    li = line_items.c
    keys = sorted(connection.execute(select(li.entry_id).distinct().where(
        li.ledger_id == ledger, li.account_id.in_(
            [catalog.account_key[a] for a in context.clearing]))).scalars().all())
    context.load(keys)
    journal = {context.entries[k].id: context.entries[k] for k in keys}
    for entry in list(journal.values()):  # settle needs each reversal's original
        original = context.original(entry)
        if original is not None:
            journal.setdefault(original.id, original)
    outcome = settle(context.chart, journal.values())
    insert_items(context.db, catalog, context.keys, list(outcome.items.values()))
    insert_allocations(context.db, catalog, context.keys, outcome.allocations)
    made: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in outcome.allocations:
        made[context.keys[allocation.settling_entry_id]].append(allocation)
    withdrawn = context.db.rows(_STORED_WITHDRAWN.format(keys=context.db.members(
        "keys", "entry_id")), {"keys": context.db.keys(keys)})
    _project(context, keys, made, (), withdrawn, outcome.items)


_KEYS = "SELECT external_id, id FROM journal_entries WHERE ledger_id = :ledger AND {ids}"
# The withdrawn cash lines of stored entries (`cash_sql.LINE_COLUMNS`), read back.
_STORED_WITHDRAWN = (
    "SELECT entry_id, -1, position, ledger_id, account_id, commodity_id, amount, direction, "
    "-effect, entry_at, external_id FROM line_items WHERE {keys}")


def _keys_of(db: Db, ledger_id: int, ids: Collection[str]) -> dict[str, int]:
    if len(ids) == 1:
        sql, params = (_KEYS.format(ids="external_id = :id"),
                       {"ledger": ledger_id, "id": next(iter(ids))})
    else:
        sql = _KEYS.format(ids=db.members("ids", "external_id"))
        params = {"ledger": ledger_id, "ids": db.keys(sorted(ids))}
    return dict(db.rows(sql, params))


def _withdrawn(context: _Context, fresh: Sequence[JournalEntry]) -> list[tuple[Any, ...]]:
    """Cash lines withdrawing the accrual lines of fresh entries (as `post` wrote them)."""
    catalog, chart = context.catalog, context.chart
    ledger_id, account_key, commodity_key = (
        catalog.ledger_id, catalog.account_key, catalog.commodity_key)
    out: list[tuple[Any, ...]] = []
    for entry in fresh:
        key, at = context.keys[entry.id], to_micros(entry.entry_at)
        for position, line in enumerate(entry.line_items):
            out.append((key, WITHDRAWN, position, ledger_id, account_key[line.account_id],
                        commodity_key[line.commodity.code], line.amount,
                        line.direction.value,
                        -chart.get(line.account_id).effect(line.direction, line.amount),
                        at, line.id))
    return out


def _decreases(chart: ChartOfAccounts, entry: JournalEntry,
               accounts: frozenset[str]) -> dict[tuple[str, str], int]:
    """How much `entry` decreases each of `accounts` per commodity (decreases only)."""
    nets: dict[tuple[str, str], int] = defaultdict(int)
    for line in entry.line_items:
        if line.account_id in accounts:
            nets[(line.account_id, line.commodity.code)] -= chart.get(
                line.account_id).effect(line.direction, line.amount)
    return {key: net for key, net in nets.items() if net > 0}


def _apply(context: _Context, book: OpenItems, entry: JournalEntry, accounts: frozenset[str],
           decreases: Mapping[tuple[str, str], int], fresh: Collection[str]) -> None:
    """Settle `entry` on `accounts` from the stored state, as the incremental contract says.

    Args:
        context: the step.
        book: the open items as this write changes them.
        entry: the entry to settle.
        accounts: the clearing accounts to settle it on.
        decreases: what it decreases on them (`_decreases`).
        fresh: ids of the entries written by this step (nothing of theirs is stored).
    """
    if not accounts:
        return
    original = context.original(entry)
    if decreases or original is not None:  # otherwise it settles nothing
        _settle(context, book, entry, accounts, decreases, fresh, original)
    book.open(i for i in context.shape(entry).items if i.clearing_account_id in accounts)


def _settle(context: _Context, book: OpenItems, entry: JournalEntry, accounts: frozenset[str],
            decreases: Mapping[tuple[str, str], int], fresh: Collection[str],
            original: JournalEntry | None) -> None:
    """The settling half of `_apply` (same arguments; `original` as the context says)."""
    state = book.candidates(entry, decreases)
    previous: list[Allocation] = []
    if original is not None:
        # The original's allocations made by this step, then the stored ones (a rewound
        # account's were deleted, so each account's come from one place).
        previous = list(book.made.get(original.id, ()))
        if original.id not in fresh:
            okey = context.keys[original.id]
            previous.extend(_allocations(context, [okey]).get(okey, []))
        previous = [a for a in previous if a.clearing_account_id in accounts]
        state.update(book.of_entries({original.id}, {a.item_key for a in previous}))
    book.settle(settle_entry(context.chart, entry, state, clearing=context.clearing,
                             original=original, original_allocations=previous,
                             accounts=accounts))


_ALLOCATIONS = (
    "SELECT ca.settling_entry_id, ca.account_id, ca.commodity_id, ca.seq, ca.item_entry_id, "
    "ca.amount, ca.settled_before, ca.recognised_at, je.external_id, settler.external_id "
    "FROM cash_allocations ca JOIN journal_entries je ON je.id = ca.item_entry_id "
    "JOIN journal_entries settler ON settler.id = ca.settling_entry_id WHERE {keys} "
    "ORDER BY ca.settling_entry_id, ca.account_id, ca.commodity_id, ca.seq")


def _allocations(context: _Context, settlers: Collection[int]) -> dict[int, list[Allocation]]:
    """Stored allocations by settling entry key, in the order `settle_entry` made them."""
    if not settlers:
        return {}
    db, catalog = context.db, context.catalog
    found: dict[int, list[tuple[tuple[str, str, int], Allocation]]] = defaultdict(list)
    for (settler_key, account_key, commodity_key, seq, item_key, amount, before, at,
         item_id, settler_id) in db.rows(_ALLOCATIONS.format(
            keys=db.members("keys", "ca.settling_entry_id")), {"keys": db.keys(sorted(settlers))}):
        account = catalog.account_id[account_key]
        code = catalog.commodity[commodity_key].code
        context.keys[item_id] = item_key
        found[settler_key].append(((account, code, seq), Allocation(
            settler_id, item_id, account, code, amount, from_micros(at), before)))
    return {k: [a for _, a in sorted(v, key=itemgetter(0))] for k, v in found.items()}


_OLD_VIEW = ("SELECT account_id, commodity_id, entry_at, effect, entry_id FROM cash_lines "
             "WHERE sign = 1 AND {keys}")
_DROP_VIEW = "DELETE FROM cash_lines WHERE sign = 1 AND {keys}"


def _project(context: _Context, keys: Collection[int],
             known: Mapping[int, Sequence[Allocation]], stored: Collection[int],
             withdrawn: Sequence[tuple[Any, ...]],
             bases: Mapping[ItemKey, OpenItem]) -> None:
    """Write the cash-view lines of these entries, the withdrawn lines, and their totals.

    Args:
        context: the step.
        keys: the entries to project.
        known: allocations made in this step, by settling entry key.
        stored: entries projected before (their view lines are replaced) whose allocations
            are read from the store; the others' are in `known`.
        withdrawn: withdrawn lines (`cash_sql.LINE_COLUMNS` tuples) to write with them.
        bases: open items whose basis is at hand (others are recomputed from their entry).
    """
    db, catalog, chart = context.db, context.catalog, context.chart
    old: list[Increment] = []
    dropped: list[tuple[int, int, int, int, int]] = []  # (entry, account, commodity, at, effect)
    if stored:
        params = {"keys": db.keys(sorted(stored))}
        entry_key = db.members("keys", "entry_id")
        dropped = [(entry, account, commodity, at, effect) for account, commodity, at, effect,
                   entry in db.rows(_OLD_VIEW.format(keys=entry_key), params)]
        old = [(account, commodity, at, -effect, -VIEW)
               for _, account, commodity, at, effect in dropped]
        db.execute(_DROP_VIEW.format(keys=entry_key), params)
    allocations: dict[int, Sequence[Allocation]] = {**known, **_allocations(context, stored)}
    needed = {a.item_key for made in allocations.values() for a in made}
    item_entries = {context.keys[k[0]] for k in needed if k not in bases}
    context.load([*keys, *item_entries])
    items = {**{k: bases[k] for k in needed if k in bases}, **_basis(context, item_entries)}
    lines: list[tuple[Any, ...]] = list(withdrawn)
    ledger_id, account_key, commodity_key = (
        catalog.ledger_id, catalog.account_key, catalog.commodity_key)
    for key in sorted(keys):
        entry = context.entries[key]
        seen = cash_entry_lines(chart, entry, allocations.get(key, ()), items,
                                clearing=context.clearing, shape=context.shape(entry))
        at = to_micros(entry.entry_at)
        for position, line in enumerate(seen):
            lines.append((key, VIEW, position, ledger_id, account_key[line.account_id],
                          commodity_key[line.commodity.code], line.amount,
                          line.direction.value,
                          chart.get(line.account_id).effect(line.direction, line.amount),
                          at, line.id))
    cash_sql.insert_lines(db, lines)
    cash_sql.add_totals(db, ledger_id, lines, old, context.pending)
    flows = context.flows
    if flows is not None:
        flows.add_cash_lines(lines, dropped,
                             [k for k in keys if flows.moves_cash(context.entries[k])])


def _basis(context: _Context, keys: Iterable[int]) -> dict[ItemKey, OpenItem]:
    """The open items of these entries, with their basis (recomputed from the entries)."""
    return {i.key: i for key in keys for i in context.shape(context.entries[key]).items}
