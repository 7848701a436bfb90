"""The cash-basis projection: the cash view kept up to date at posting time.

`ledgercore.domain.cash.cash_view` is the reference; re-running it over the whole journal on
every query is linear in the ledger. Instead, the posting transaction maintains what the
domain's incremental contract names (docs/cash-basis.md): the open items with what is left
of each, the allocations, and for every entry touching a clearing account its *cash lines*
(its accrual lines withdrawn, ``sign = -1``, and its cash-view lines, ``sign = +1``) with
their per-bucket totals. An entry touching no clearing account costs nothing. An entry that
comes last in ledger order on its clearing accounts is settled from the stored open items;
one that sorts before an entry already projected on a clearing account (back-dated, or a
batch arriving out of order) makes that clearing account be replayed with the domain's
`settle` (clearing accounts are independent), and every entry touching it is projected
again. `rebuild` recomputes everything from the journal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import Direction
from ledgercore.domain.balances import statement_order
from ledgercore.domain.cash import (
    Allocation,
    ItemKey,
    OpenItem,
    cash_entry,
    clearing_accounts,
    open_items,
    settle,
    settle_entry,
)
from ledgercore.domain.entries import (
    Counterparty,
    CounterpartyKind,
    JournalEntry,
    LineItem,
)
from ledgercore.store.cash_items import OpenItems, insert_allocations, insert_items
from ledgercore.store.catalog import Catalog
from ledgercore.store.driver import execute_many, fetch_all, insert_tuples
from ledgercore.store.instants import MICROS_PER_DAY, bucket_starts, from_micros, to_micros
from ledgercore.store.repository import chunks
from ledgercore.store.schema import (
    DAY,
    MONTH,
    YEAR,
    cash_allocations,
    cash_lines,
    cash_open_items,
    cash_period_totals,
    journal_entries,
    line_items,
)

WITHDRAWN, VIEW = -1, 1


class _Context:
    """One projection step: the chart, the clearing accounts and entries loaded so far."""

    def __init__(self, connection: Connection, catalog: Catalog) -> None:
        self.connection = connection
        self.catalog = catalog
        self.chart = catalog.chart
        self.clearing = clearing_accounts(catalog.chart)
        self.entries: dict[int, JournalEntry] = {}
        self.keys: dict[str, int] = {}

    def load(self, keys: Iterable[int]) -> None:
        """Load entries by row key, and the entries they reverse."""
        missing = sorted(set(keys) - self.entries.keys())
        for part in chunks(missing):
            for key, entry in _load(self.connection, self.catalog, part):
                self.entries[key] = entry
                self.keys[entry.id] = key
        wanted = {e.reversal_of_id for e in self.entries.values()
                  if e.reversal_of_id is not None} - self.keys.keys()
        if wanted:
            found = _keys_of(self.connection, self.catalog.ledger_id, wanted)
            self.keys.update(found)
            self.load(found.values())

    def original(self, entry: JournalEntry) -> JournalEntry | None:
        """The entry `entry` reverses, when it comes first in ledger order."""
        key = self.keys.get(entry.reversal_of_id or "")
        found = None if key is None else self.entries.get(key)
        return found if found and statement_order(found) < statement_order(entry) else None

    def touched(self, entry: JournalEntry) -> frozenset[str]:
        return entry.account_ids & self.clearing


_LOAD = ("SELECT je.id, je.external_id, je.entry_at, je.created_at, je.counterparty_kind, "
         "je.counterparty_id, je.reversal_of_id, li.account_id, li.commodity_id, li.amount, "
         "li.direction, li.external_id FROM journal_entries je "
         "JOIN line_items li ON li.entry_id = je.id WHERE je.id IN ({keys}) "
         "ORDER BY je.id, li.position")


def _load(connection: Connection, catalog: Catalog,
          keys: Sequence[int]) -> Iterator[tuple[int, JournalEntry]]:
    """Stored entries as far as the cash basis reads them, in one query through the driver.

    Lines, dates, counterparty and reversal link; not tags, type or description, which
    the projection never reads (`repository.load_entries` loads whole entries).
    """
    rows = fetch_all(connection, _LOAD.format(keys=", ".join(f":k{i}" for i in range(len(keys)))),
                     {f"k{i}": key for i, key in enumerate(keys)})
    if any(r[7] not in catalog.account_id or r[8] not in catalog.commodity for r in rows):
        catalog.load(connection)  # defined by another process since we cached
    for key, group in groupby(rows, key=itemgetter(0)):
        lines = list(group)
        head = lines[0]
        yield key, JournalEntry(
            head[1], from_micros(head[2]), tuple(
                LineItem(catalog.account_id[r[7]], catalog.commodity[r[8]], r[9],
                         Direction(r[10]), r[11]) for r in lines),
            created_at=from_micros(head[3]), counterparty=None if head[4] is None else
            Counterparty(CounterpartyKind(head[4]), head[5]), reversal_of_id=head[6])


def on_posted(connection: Connection, catalog: Catalog,
              entries: Sequence[JournalEntry]) -> None:
    """Project entries just written by `post` (same transaction, entries already stored)."""
    context = _Context(connection, catalog)
    fresh = sorted((e for e in entries if context.touched(e)), key=statement_order)
    if not fresh:
        return
    withdrawn = _withdrawn(context, fresh)
    context.entries.update((context.keys[e.id], e) for e in fresh)
    context.load(())
    replayed = _backdated(context, fresh)
    known: dict[int, list[Allocation]] = defaultdict(list)
    again: set[int] = set()
    bases: dict[ItemKey, OpenItem] = {}
    if replayed:
        again, made, bases = _replay(context, replayed, [context.keys[e.id] for e in fresh
                                                         if context.touched(e) & replayed])
        for allocation in made:
            known[context.keys[allocation.settling_entry_id]].append(allocation)
    book = OpenItems(connection, catalog, context.keys)
    for entry in fresh:
        accounts = context.touched(entry) - replayed
        if accounts:
            _apply(context, book, entry, accounts)
    book.flush()
    for entry_id, made in book.made.items():
        known[context.keys[entry_id]].extend(made)
    bases.update((key, item) for key, item in book.items.items() if item.basis)
    keys = {context.keys[e.id] for e in fresh}
    # Entries projected before that a replay touched: their view is read back and redone.
    _project(context, again | keys, known, again - keys, withdrawn, bases)


def rebuild(connection: Connection, catalog: Catalog) -> None:
    """Recompute a ledger's projection from its journal."""
    ledger = catalog.ledger_id
    for table in (cash_period_totals, cash_lines, cash_allocations, cash_open_items):
        connection.execute(delete(table).where(table.c.ledger_id == ledger))
    context = _Context(connection, catalog)
    if not context.clearing:
        return
    li = line_items.c
    keys = connection.execute(select(li.entry_id).distinct().where(
        li.ledger_id == ledger,
        li.account_id.in_([catalog.account_key[a] for a in context.clearing]))).scalars().all()
    withdrawn = _stored_withdrawn(context, sorted(keys))
    again, made, bases = _replay(context, context.clearing, withdrawn=keys)
    known: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in made:
        known[context.keys[allocation.settling_entry_id]].append(allocation)
    _project(context, again, known, (), withdrawn, bases)


def _keys_of(connection: Connection, ledger_id: int, ids: Collection[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in chunks(sorted(ids)):
        found = connection.execute(_KEYS, {"ledger": ledger_id, "ids": list(part)})
        out.update(found.tuples().all())
    return out


_cl, _je = cash_lines.c, journal_entries.c
# Entries already projected on a clearing account, effective at or after an instant.
_PROJECTED_SINCE = (select(_je.id, _je.entry_at, _je.created_at, _je.external_id)
                    .join_from(cash_lines, journal_entries, _je.id == _cl.entry_id)
                    .where(_cl.account_id == bindparam("account"), _cl.sign == WITHDRAWN,
                           _cl.entry_at >= bindparam("at")))
_KEYS = select(_je.external_id, _je.id).where(
    _je.ledger_id == bindparam("ledger"),
    _je.external_id.in_(bindparam("ids", expanding=True)))


def _backdated(context: _Context, fresh: Sequence[JournalEntry]) -> frozenset[str]:
    """Clearing accounts on which a fresh entry sorts before an entry already projected."""
    first: dict[str, JournalEntry] = {}
    for entry in fresh:  # in ledger order: the first one per account is the earliest
        for account in context.touched(entry):
            first.setdefault(account, entry)
    out = set()
    for account, entry in sorted(first.items()):
        mark = statement_order(entry)
        rows = context.connection.execute(_PROJECTED_SINCE, {
            "account": context.catalog.account_key[account], "at": to_micros(entry.entry_at)})
        if any((from_micros(at), from_micros(created), ext) > mark
               for _, at, created, ext in rows):
            out.add(account)
    return frozenset(out)


def _withdrawn(context: _Context, fresh: Sequence[JournalEntry]) -> list[dict[str, Any]]:
    """Cash lines withdrawing the accrual lines of fresh entries (as `post` wrote them).

    Their row keys are read (into the context); the lines are the entries' own.
    """
    catalog, chart = context.catalog, context.chart
    context.keys.update(_keys_of(context.connection, catalog.ledger_id, {e.id for e in fresh}))
    rows: list[dict[str, Any]] = []
    for entry in fresh:
        key, at = context.keys[entry.id], to_micros(entry.entry_at)
        for position, line in enumerate(entry.line_items):
            rows.append({
                "entry_id": key, "sign": WITHDRAWN, "position": position,
                "ledger_id": catalog.ledger_id, "account_id": catalog.account_key[line.account_id],
                "commodity_id": catalog.commodity_key[line.commodity.code],
                "amount": line.amount, "direction": line.direction.value,
                "effect": -chart.get(line.account_id).effect(line.direction, line.amount),
                "entry_at": at, "external_id": line.id})
    return rows


def _stored_withdrawn(context: _Context, keys: Sequence[int]) -> list[dict[str, Any]]:
    """Cash lines withdrawing the accrual lines of stored entries, read back."""
    li = line_items.c
    rows: list[dict[str, Any]] = []
    for part in chunks(keys):
        for row in context.connection.execute(select(
                li.entry_id, li.position, li.ledger_id, li.account_id, li.commodity_id,
                li.amount, li.direction, li.effect, li.entry_at, li.external_id)
                .where(li.entry_id.in_(part))).mappings():
            rows.append({**row, "effect": -row["effect"], "sign": WITHDRAWN})
    return rows


def _replay(context: _Context, accounts: frozenset[str],
            withdrawn: Collection[int] = (),
            ) -> tuple[set[int], list[Allocation], dict[ItemKey, OpenItem]]:
    """Recompute the allocations and open items of `accounts` with the domain's `settle`.

    Args:
        context: the step.
        accounts: the clearing accounts to replay.
        withdrawn: keys of entries touching them whose withdrawn lines are not stored yet.

    Returns:
        The keys of every entry touching those accounts (their views may have changed),
        the allocations made on them and their open items (with their basis).
    """
    catalog, connection = context.catalog, context.connection
    account_keys = [catalog.account_key[a] for a in sorted(accounts)]
    cl = cash_lines.c
    keys: set[int] = set(withdrawn)
    for part in chunks(account_keys):
        keys.update(connection.execute(select(cl.entry_id).distinct().where(
            cl.account_id.in_(part), cl.sign == WITHDRAWN)).scalars())
    context.load(keys)
    journal = {context.entries[k].id: context.entries[k] for k in keys}
    for entry in list(journal.values()):  # settle needs each reversal's original
        original = context.original(entry)
        if original is not None:
            journal.setdefault(original.id, original)
    outcome = settle(context.chart, journal.values())
    for table in (cash_allocations, cash_open_items):
        connection.execute(delete(table).where(table.c.account_id.in_(account_keys)))
    items = {k: i for k, i in outcome.items.items() if i.clearing_account_id in accounts}
    insert_items(connection, catalog, context.keys, list(items.values()))
    made = [a for a in outcome.allocations if a.clearing_account_id in accounts]
    insert_allocations(connection, catalog, context.keys, made)
    return keys, made, items


def _apply(context: _Context, book: OpenItems, entry: JournalEntry,
           accounts: frozenset[str]) -> None:
    """Settle `entry` on `accounts` from the stored state, as the incremental contract says."""
    original = context.original(entry)
    decreases: dict[tuple[str, str], int] = defaultdict(int)
    for line in entry.line_items:
        if line.account_id in accounts:
            decreases[(line.account_id, line.commodity.code)] -= context.chart.get(
                line.account_id).effect(line.direction, line.amount)
    state = book.candidates(entry, {k: v for k, v in decreases.items() if v > 0})
    previous: list[Allocation] = []
    if original is not None:
        if original.id in book.made:
            previous = list(book.made[original.id])
        else:
            okey = context.keys[original.id]
            previous = _allocations(context, [okey]).get(okey, [])
        previous = [a for a in previous if a.clearing_account_id in accounts]
        state.update(book.of_entries({original.id}, {a.item_key for a in previous}))
    made = settle_entry(context.chart, entry, state, clearing=context.clearing,
                        original=original, original_allocations=previous, accounts=accounts)
    book.settle(made)
    book.open(i for i in open_items(context.chart, entry, clearing=context.clearing,
                                    original=original) if i.clearing_account_id in accounts)


def _allocations(context: _Context, settlers: Sequence[int]) -> dict[int, list[Allocation]]:
    """Stored allocations by settling entry key, in the order `settle_entry` made them."""
    ca, je = cash_allocations.c, journal_entries.c
    settler = journal_entries.alias("settler")
    found: dict[int, list[tuple[tuple[str, str, int], Allocation]]] = defaultdict(list)
    catalog = context.catalog
    for part in chunks(settlers):
        for row in context.connection.execute(
                select(ca.settling_entry_id, ca.account_id, ca.commodity_id, ca.seq,
                       ca.item_entry_id, ca.amount, ca.settled_before, ca.recognised_at,
                       je.external_id, settler.c.external_id.label("settler"))
                .join_from(cash_allocations, journal_entries, je.id == ca.item_entry_id)
                .join(settler, settler.c.id == ca.settling_entry_id)
                .where(ca.settling_entry_id.in_(part))):
            account = catalog.account_id[row.account_id]
            code = catalog.commodity[row.commodity_id].code
            context.keys[row.external_id] = row.item_entry_id
            found[row.settling_entry_id].append(((account, code, row.seq), Allocation(
                row.settler, row.external_id, account, code, row.amount,
                from_micros(row.recognised_at), row.settled_before)))
    return {k: [a for _, a in sorted(v, key=lambda pair: pair[0])] for k, v in found.items()}


def _project(context: _Context, keys: Collection[int],
             known: Mapping[int, Sequence[Allocation]], stored: Collection[int],
             withdrawn: Sequence[dict[str, Any]],
             bases: Mapping[ItemKey, OpenItem]) -> None:
    """Write the cash-view lines of these entries, the withdrawn lines, and their totals.

    Args:
        context: the step.
        keys: the entries to project.
        known: allocations made in this step, by settling entry key.
        stored: entries projected before (their view lines are replaced) whose allocations
            are read from the store; the others' are in `known`.
        withdrawn: withdrawn lines to write with them.
        bases: open items whose basis is at hand (others are recomputed from their entry).
    """
    connection, catalog = context.connection, context.catalog
    ordered = sorted(keys)
    cl = cash_lines.c
    old: list[dict[str, Any]] = []
    replaced = sorted(stored)
    for part in chunks(replaced):
        for row in connection.execute(select(cl.ledger_id, cl.account_id, cl.commodity_id,
                                             cl.effect, cl.entry_at)
                                      .where(cl.entry_id.in_(part), cl.sign == VIEW)).mappings():
            old.append({**row, "effect": -row["effect"], "sign": -VIEW})
        connection.execute(delete(cash_lines).where(cl.entry_id.in_(part), cl.sign == VIEW))
    allocations: dict[int, Sequence[Allocation]] = {**known, **_allocations(context, replaced)}
    needed = {a.item_key for made in allocations.values() for a in made}
    item_entries = {context.keys[k[0]] for k in needed if k not in bases}
    context.load([*keys, *item_entries])
    items = {**{k: bases[k] for k in needed if k in bases}, **_basis(context, item_entries)}
    rows: list[dict[str, Any]] = list(withdrawn)
    for key in ordered:
        entry = context.entries[key]
        seen = cash_entry(context.chart, entry, allocations.get(key, ()), items,
                          clearing=context.clearing, original=context.original(entry))
        at = to_micros(entry.entry_at)
        for position, line in enumerate(() if seen is None else seen.line_items):
            rows.append({
                "entry_id": key, "sign": VIEW, "position": position,
                "ledger_id": catalog.ledger_id,
                "account_id": catalog.account_key[line.account_id],
                "commodity_id": catalog.commodity_key[line.commodity.code],
                "amount": line.amount, "direction": line.direction.value,
                "effect": context.chart.get(line.account_id).effect(line.direction,
                                                                    line.amount),
                "entry_at": at, "external_id": line.id})
    _insert_lines(connection, rows)
    _add_totals(connection, [*old, *rows])


def _basis(context: _Context, keys: Iterable[int]) -> dict[ItemKey, OpenItem]:
    """The open items of these entries, with their basis (recomputed from the entries)."""
    out: dict[ItemKey, OpenItem] = {}
    for key in keys:
        entry = context.entries[key]
        out.update((i.key, i) for i in open_items(context.chart, entry,
                                                  clearing=context.clearing,
                                                  original=context.original(entry)))
    return out


_LINE_COLUMNS = ("entry_id", "sign", "position", "ledger_id", "account_id", "commodity_id",
                 "amount", "direction", "effect", "entry_at", "external_id")


def _insert_lines(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    insert_tuples(connection, "cash_lines", _LINE_COLUMNS,
                  [tuple(row[c] for c in _LINE_COLUMNS) for row in rows])


def _add_totals(connection: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Add the rows' effects and signed line counts to the cash period totals."""
    acc: dict[tuple[int, str, int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    days: dict[int, tuple[int, int, int]] = {}
    for row in rows:
        at = row["entry_at"]
        day = at - at % MICROS_PER_DAY
        if day not in days:
            days[day] = bucket_starts(day)
        for granularity, start in zip((YEAR, MONTH, DAY), days[day], strict=True):
            slot = acc[(row["ledger_id"], granularity, start, row["account_id"],
                        row["commodity_id"])]
            slot[0] += row["effect"]
            slot[1] += row["sign"]
    execute_many(connection, _UPSERT, [
        (*key, total, count) for key, (total, count) in sorted(acc.items()) if total or count])


_UPSERT = (
    "INSERT INTO cash_period_totals (ledger_id, granularity, bucket_start, account_id, "
    "commodity_id, total, lines) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (ledger_id, granularity, bucket_start, account_id, commodity_id) "
    "DO UPDATE SET total = cash_period_totals.total + excluded.total, "
    "lines = cash_period_totals.lines + excluded.lines")
