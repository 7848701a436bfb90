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
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, and_, delete, insert, or_, select, text, tuple_
from sqlalchemy.engine import Connection

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
from ledgercore.domain.entries import Counterparty, CounterpartyKind, JournalEntry
from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import bucket_starts, from_micros, to_micros
from ledgercore.store.repository import chunks, load_entries
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
        if missing:
            for key, entry in zip(missing, load_entries(self.connection, self.catalog, missing),
                                  strict=True):
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


def on_posted(connection: Connection, catalog: Catalog,
              entries: Sequence[JournalEntry]) -> None:
    """Project entries just written by `post` (same transaction, entries already stored)."""
    context = _Context(connection, catalog)
    fresh = sorted((e for e in entries if context.touched(e)), key=statement_order)
    if not fresh:
        return
    found = _keys_of(connection, catalog.ledger_id, {e.id for e in fresh})
    context.keys.update(found)
    context.entries.update((found[e.id], e) for e in fresh)
    context.load(())
    replayed = _backdated(context, fresh)
    _withdraw(context, [found[e.id] for e in fresh])
    again = _replay(context, replayed) if replayed else set()
    for entry in fresh:
        accounts = context.touched(entry) - replayed
        if accounts:
            _apply(context, found[entry.id], entry, accounts)
    _project(context, again | {found[e.id] for e in fresh})


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
    _withdraw(context, sorted(keys))
    _project(context, _replay(context, context.clearing))


def _keys_of(connection: Connection, ledger_id: int, ids: Collection[str]) -> dict[str, int]:
    je = journal_entries.c
    out: dict[str, int] = {}
    for part in chunks(sorted(ids)):
        out.update(connection.execute(select(je.external_id, je.id).where(
            je.ledger_id == ledger_id, je.external_id.in_(part))).tuples().all())
    return out


def _backdated(context: _Context, fresh: Sequence[JournalEntry]) -> frozenset[str]:
    """Clearing accounts on which a fresh entry sorts before an entry already projected."""
    first: dict[str, JournalEntry] = {}
    for entry in fresh:  # in ledger order: the first one per account is the earliest
        for account in context.touched(entry):
            first.setdefault(account, entry)
    cl, je = cash_lines.c, journal_entries.c
    out = set()
    for account, entry in first.items():
        rows = context.connection.execute(
            select(je.entry_at, je.created_at, je.external_id)
            .join_from(cash_lines, journal_entries, je.id == cl.entry_id)
            .where(cl.account_id == context.catalog.account_key[account],
                   cl.entry_at >= to_micros(entry.entry_at), cl.sign == WITHDRAWN)).all()
        mark = statement_order(entry)
        if any((from_micros(at), from_micros(created), ext) > mark for at, created, ext in rows):
            out.add(account)
    return frozenset(out)


def _withdraw(context: _Context, keys: Sequence[int]) -> None:
    """Write the withdrawn accrual lines of newly projected entries (they never change)."""
    li = line_items.c
    rows: list[dict[str, Any]] = []
    for part in chunks(keys):
        for row in context.connection.execute(select(
                li.entry_id, li.position, li.ledger_id, li.account_id, li.commodity_id,
                li.amount, li.direction, li.effect, li.entry_at, li.external_id)
                .where(li.entry_id.in_(part))).mappings():
            rows.append({**row, "effect": -row["effect"], "sign": WITHDRAWN})
    _insert(context.connection, cash_lines, rows)
    _add_totals(context.connection, rows)


def _replay(context: _Context, accounts: frozenset[str]) -> set[int]:
    """Recompute the allocations and open items of `accounts` with the domain's `settle`.

    Returns:
        The keys of every entry touching those accounts (their views may have changed).
    """
    catalog, connection = context.catalog, context.connection
    account_keys = [catalog.account_key[a] for a in sorted(accounts)]
    cl = cash_lines.c
    keys: set[int] = set()
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
    _insert_items(context, [i for i in outcome.items.values()
                            if i.clearing_account_id in accounts])
    _insert_allocations(context, [a for a in outcome.allocations
                                  if a.clearing_account_id in accounts])
    return keys


def _apply(context: _Context, key: int, entry: JournalEntry, accounts: frozenset[str]) -> None:
    """Settle `entry` on `accounts` from the stored state, as the incremental contract says."""
    original = context.original(entry)
    state = _candidates(context, entry, accounts)
    previous: list[Allocation] = []
    if original is not None:
        okey = context.keys[original.id]
        previous = [a for a in _allocations(context, [okey]).get(okey, [])
                    if a.clearing_account_id in accounts]
        state.update(_items(context, or_(
            cash_open_items.c.entry_id == okey,
            tuple_(cash_open_items.c.entry_id, cash_open_items.c.account_id,
                   cash_open_items.c.commodity_id).in_(
                [(context.keys[a.open_item_id], context.catalog.account_key[
                    a.clearing_account_id], context.catalog.commodity_key[a.commodity])
                 for a in previous] or [(-1, -1, -1)]))))
    made = settle_entry(context.chart, entry, state, clearing=context.clearing,
                        original=original, original_allocations=previous, accounts=accounts)
    remaining: dict[ItemKey, int] = defaultdict(int)
    for allocation in made:
        remaining[allocation.item_key] -= allocation.amount
    if remaining:
        _execute_many(context.connection, _SETTLE, [
            {"change": change, "entry": context.keys[k[0]],
             "account": context.catalog.account_key[k[1]],
             "commodity": context.catalog.commodity_key[k[2]]}
            for k, change in sorted(remaining.items())])
    _insert_allocations(context, made)
    _insert_items(context, [i for i in open_items(context.chart, entry, clearing=context.clearing,
                                                  original=original)
                            if i.clearing_account_id in accounts])
    context.entries[key] = entry


_SETTLE = ("UPDATE cash_open_items SET remaining = remaining + :change "
           "WHERE entry_id = :entry AND account_id = :account AND commodity_id = :commodity")


def _candidates(context: _Context, entry: JournalEntry,
                accounts: frozenset[str]) -> dict[ItemKey, OpenItem]:
    """Items still open on the clearing accounts and commodities `entry` decreases."""
    nets: dict[tuple[str, str], int] = defaultdict(int)
    for line in entry.line_items:
        if line.account_id in accounts:
            nets[(line.account_id, line.commodity.code)] += context.chart.get(
                line.account_id).effect(line.direction, line.amount)
    decreased = [(context.catalog.account_key[a], context.catalog.commodity_key[c])
                 for (a, c), net in sorted(nets.items()) if net < 0]
    if not decreased:
        return {}
    oi, je = cash_open_items.c, journal_entries.c
    where: list[Any] = [tuple_(oi.account_id, oi.commodity_id).in_(decreased),
                        oi.remaining > 0, oi.entry_at <= to_micros(entry.entry_at)]
    party = entry.counterparty
    if party is not None:  # FIFO is restricted to the counterparty when both carry one
        where.append(or_(je.counterparty_kind.is_(None), and_(
            je.counterparty_kind == party.kind.value, je.counterparty_id == party.id)))
    return _items(context, and_(*where))


def _items(context: _Context, where: Any) -> dict[ItemKey, OpenItem]:
    oi, je = cash_open_items.c, journal_entries.c
    out: dict[ItemKey, OpenItem] = {}
    catalog = context.catalog
    for row in context.connection.execute(
            select(oi.entry_id, oi.account_id, oi.commodity_id, oi.total, oi.remaining,
                   je.external_id,
                   je.entry_at, je.created_at, je.counterparty_kind, je.counterparty_id)
            .join_from(cash_open_items, journal_entries, je.id == oi.entry_id).where(where)):
        account = catalog.account_id[row.account_id]
        context.keys[row.external_id] = row.entry_id
        party = None if row.counterparty_kind is None else Counterparty(
            CounterpartyKind(row.counterparty_kind), row.counterparty_id)
        # The basis is not needed to allocate; `_basis` recomputes it to recognise lines.
        item = OpenItem(row.external_id, account, catalog.commodity[row.commodity_id],
                        context.chart.get(account).normal,
                        (from_micros(row.entry_at), from_micros(row.created_at),
                         row.external_id), party, row.total, (), row.total - row.remaining)
        out[item.key] = item
    return out


def _insert_items(context: _Context, items: Sequence[OpenItem]) -> None:
    catalog = context.catalog
    _insert(context.connection, cash_open_items, [
        {"entry_id": context.keys[i.entry_id],
         "account_id": catalog.account_key[i.clearing_account_id],
         "commodity_id": catalog.commodity_key[i.commodity.code],
         "ledger_id": catalog.ledger_id, "entry_at": to_micros(i.entry_at),
         "total": i.total, "remaining": i.remaining} for i in items])


def _insert_allocations(context: _Context, allocations: Sequence[Allocation]) -> None:
    catalog = context.catalog
    seq: dict[tuple[str, str, str], int] = defaultdict(int)
    rows = []
    for a in allocations:
        group = (a.settling_entry_id, a.clearing_account_id, a.commodity)
        rows.append({"settling_entry_id": context.keys[a.settling_entry_id],
                     "account_id": catalog.account_key[a.clearing_account_id],
                     "commodity_id": catalog.commodity_key[a.commodity], "seq": seq[group],
                     "ledger_id": catalog.ledger_id,
                     "item_entry_id": context.keys[a.open_item_id], "amount": a.amount,
                     "settled_before": a.settled_before,
                     "recognised_at": to_micros(a.recognised_at)})
        seq[group] += 1
    _insert(context.connection, cash_allocations, rows)


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


def _project(context: _Context, keys: Collection[int]) -> None:
    """(Re)write the cash-view lines of these entries and their bucket totals."""
    connection, catalog = context.connection, context.catalog
    ordered = sorted(keys)
    cl = cash_lines.c
    old: list[dict[str, Any]] = []
    for part in chunks(ordered):
        for row in connection.execute(select(cl.ledger_id, cl.account_id, cl.commodity_id,
                                             cl.effect, cl.entry_at)
                                      .where(cl.entry_id.in_(part), cl.sign == VIEW)).mappings():
            old.append({**row, "effect": -row["effect"], "sign": -VIEW})
        connection.execute(delete(cash_lines).where(cl.entry_id.in_(part), cl.sign == VIEW))
    allocations = _allocations(context, ordered)
    context.load([*keys, *(context.keys[a.open_item_id] for made in allocations.values()
                           for a in made)])
    items = _basis(context, {context.keys[a.open_item_id] for made in allocations.values()
                             for a in made})
    rows: list[dict[str, Any]] = []
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
    _insert(connection, cash_lines, rows)
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


def _add_totals(connection: Connection, rows: Iterable[Mapping[str, Any]]) -> None:
    """Add the rows' effects and signed line counts to the cash period totals."""
    acc: dict[tuple[int, str, int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        for granularity, start in zip((YEAR, MONTH, DAY), bucket_starts(row["entry_at"]),
                                      strict=True):
            slot = acc[(row["ledger_id"], granularity, start, row["account_id"],
                        row["commodity_id"])]
            slot[0] += row["effect"]
            slot[1] += row["sign"]
    _execute_many(connection, _UPSERT, [
        {"ledger_id": k[0], "granularity": k[1], "bucket_start": k[2], "account_id": k[3],
         "commodity_id": k[4], "total": total, "lines": count}
        for k, (total, count) in sorted(acc.items()) if total or count])


def _insert(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        connection.execute(insert(table), list(rows))


def _execute_many(connection: Connection, sql: str,
                  rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        connection.execute(text(sql), list(rows))


_UPSERT = (
    "INSERT INTO cash_period_totals (ledger_id, granularity, bucket_start, account_id, "
    "commodity_id, total, lines) VALUES (:ledger_id, :granularity, :bucket_start, "
    ":account_id, :commodity_id, :total, :lines) "
    "ON CONFLICT (ledger_id, granularity, bucket_start, account_id, commodity_id) "
    "DO UPDATE SET total = cash_period_totals.total + excluded.total, "
    "lines = cash_period_totals.lines + excluded.lines")
