"""The open items a write settles: read lazily in FIFO order, changed in memory, flushed once.

A payment settles the first open items of its clearing account and commodity, of its
counterparty or of none (docs/cash-basis.md, the incremental contract). `OpenItems` reads
just that prefix from the partial indexes of ``cash_open_items`` (only items still open are
in them), a few rows at a time and more only when the rows read do not cover the payment,
and keeps what it read per (account, commodity, counterparty) group for the rest of the
write: the stored rows do not change until `flush`, so a prefix read for one payment of a
batch serves the next one. Settling and opening happen in memory, on top of the stored
state; `flush` writes the new remaining amounts, the new items and the allocations with
one driver call each (`ledgercore.store.driver`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select, bindparam, literal_column, select, tuple_
from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import ChartOfAccounts
from ledgercore.domain.balances import statement_order
from ledgercore.domain.cash import Allocation, ItemKey, OpenItem
from ledgercore.domain.entries import Counterparty, CounterpartyKind, JournalEntry
from ledgercore.store.catalog import Catalog
from ledgercore.store.driver import execute_many, insert_tuples
from ledgercore.store.instants import from_micros, to_micros
from ledgercore.store.repository import chunks
from ledgercore.store.schema import (
    cash_open_items,
    journal_entries,
)

# Rows read at first per group; a group is read again with WINDOW_GROWTH times as many
# when what it holds before its last row does not cover the payment.
WINDOW = 32
WINDOW_GROWTH = 8

_oi, _je = cash_open_items.c, journal_entries.c
_COLUMNS = (_oi.entry_id, _oi.account_id, _oi.commodity_id, _oi.total, _oi.remaining,
            _oi.counterparty_kind, _oi.counterparty_id, _je.external_id, _je.entry_at,
            _je.created_at)


# The partial indexes' predicate (`schema.OPEN_ITEM`), with a literal 0 rather than a bound
# parameter: SQLite uses a partial index only for a query that spells its predicate.
_OPEN = _oi.remaining > literal_column("0")


def _prefix(*where: Any) -> Select[Any]:
    return (select(*_COLUMNS).join_from(cash_open_items, journal_entries,
                                        _je.id == _oi.entry_id)
            .where(_oi.account_id == bindparam("account"),
                   _oi.commodity_id == bindparam("commodity"), *where, _OPEN)
            .order_by(_oi.entry_at).limit(bindparam("limit")))


# The FIFO prefix of a group: items of any counterparty, of none, or of one.
_ANY, _NONE = "any", "none"
_PREFIXES = {
    _ANY: _prefix(),
    _NONE: _prefix(_oi.counterparty_kind.is_(None), _oi.counterparty_id.is_(None)),
}
_PARTY_PREFIX = _prefix(_oi.counterparty_kind == bindparam("kind"),
                        _oi.counterparty_id == bindparam("party"))
_SETTLE = ("UPDATE cash_open_items SET remaining = remaining + :change "
           "WHERE entry_id = :entry AND account_id = :account AND commodity_id = :commodity")

# (clearing account, commodity, "any" | "none" | counterparty kind, counterparty id)
Group = tuple[str, str, str, str | None]


@dataclass
class _Prefix:
    """The first `limit` stored open items of a group, or all of them (`complete`)."""

    keys: list[ItemKey] = field(default_factory=list)
    limit: int = 0
    complete: bool = False
    last_at: int = 0

    @property
    def bound(self) -> int | None:
        """Items of the group at or after this instant may be missing (None: none are)."""
        return None if self.complete else self.last_at


class OpenItems:
    """The stored open items of some clearing accounts, as a write changes them.

    Args:
        connection: the write's connection.
        catalog: the ledger's catalog.
        keys: entry id -> row key, shared with the caller (filled with the keys read).
    """

    def __init__(self, connection: Connection, catalog: Catalog, keys: dict[str, int]) -> None:
        self.connection = connection
        self.catalog = catalog
        self.chart: ChartOfAccounts = catalog.chart
        self.keys = keys
        self.items: dict[ItemKey, OpenItem] = {}   # every item read or made, as it stands
        self.stored: dict[ItemKey, int] = {}       # settled as stored, for items read
        # Items made or changed here that are open, by (account, commodity, counterparty)
        # and by (account, commodity): stored rows may not show them as they stand.
        self._open_by_party: dict[tuple[str, str, Counterparty | None], set[ItemKey]] = (
            defaultdict(set))
        self._open: dict[tuple[str, str], set[ItemKey]] = defaultdict(set)
        self.made: dict[str, list[Allocation]] = defaultdict(list)  # by settling entry id
        self._order: list[Allocation] = []
        self._prefixes: dict[Group, _Prefix] = defaultdict(_Prefix)

    def candidates(self, entry: JournalEntry, decreases: Mapping[tuple[str, str], int],
                   ) -> dict[ItemKey, OpenItem]:
        """The items `entry` may settle: for each (account, commodity) it decreases by
        `decreases[...]`, every open item of its counterparty or none, before it in FIFO
        order, up to a prefix that covers the decrease (the contract's minimum, or more).
        """
        mark = statement_order(entry)
        party = entry.counterparty
        out: dict[ItemKey, OpenItem] = {}
        for (account, code), need in sorted(decreases.items()):
            groups: list[Group] = ([(account, code, _ANY, None)] if party is None else [
                (account, code, party.kind.value, party.id), (account, code, _NONE, None)])
            limit = WINDOW
            while True:
                bounds = [self._read(group, limit) for group in groups]
                pool = {key: self.items[key] for group in groups
                        for key in self._prefixes[group].keys}
                for changed in ([self._open[(account, code)]] if party is None else [
                        self._open_by_party[(account, code, party)],
                        self._open_by_party[(account, code, None)]]):
                    pool.update((key, self.items[key]) for key in changed)
                pool = {key: item for key, item in pool.items()
                        if item.remaining > 0 and item.order < mark
                        and (party is None or item.counterparty in (None, party))}
                cutoff = min((b for b in bounds if b is not None), default=None)
                # Every eligible item before the cutoff is in the pool: enough if they cover.
                covered = sum(i.remaining for i in pool.values()
                              if cutoff is None or to_micros(i.entry_at) < cutoff)
                if cutoff is None or covered >= need:
                    break
                limit *= WINDOW_GROWTH
            out.update(pool)
        return out

    def _read(self, group: Group, limit: int) -> int | None:
        """Make sure the group's first `limit` stored open items are read; its bound."""
        prefix = self._prefixes[group]
        if prefix.complete or prefix.limit >= limit:
            return prefix.bound
        account, code, kind, party = group
        params: dict[str, Any] = {"account": self.catalog.account_key[account],
                                  "commodity": self.catalog.commodity_key[code],
                                  "limit": limit}
        query = _PREFIXES.get(kind, _PARTY_PREFIX)
        if query is _PARTY_PREFIX:
            params.update(kind=kind, party=party)
        rows = self.connection.execute(query, params).all()
        prefix.keys = [self._remember(row) for row in rows]
        prefix.limit, prefix.complete = limit, len(rows) < limit
        prefix.last_at = rows[-1].entry_at if rows else 0
        return prefix.bound

    def _remember(self, row: Any) -> ItemKey:
        """An item read from the store; the version in memory wins if there is one."""
        account = self.catalog.account_id[row.account_id]
        key = (row.external_id, account, self.catalog.commodity[row.commodity_id].code)
        if key not in self.items:
            self.keys[row.external_id] = row.entry_id
            party = None if row.counterparty_kind is None else Counterparty(
                CounterpartyKind(row.counterparty_kind), row.counterparty_id)
            # The basis is not needed to allocate; recognising lines recomputes it.
            self.items[key] = OpenItem(
                row.external_id, account, self.catalog.commodity[row.commodity_id],
                self.chart.get(account).normal,
                (from_micros(row.entry_at), from_micros(row.created_at), row.external_id),
                party, row.total, (), row.total - row.remaining)
            self.stored[key] = row.total - row.remaining
        return key

    def of_entries(self, entry_ids: Collection[str],
                   keys: Collection[ItemKey]) -> dict[ItemKey, OpenItem]:
        """The items of these entries and these items, open or not (a reversal's state)."""
        wanted = [self.keys[e] for e in entry_ids if e in self.keys]
        exact = [(self.keys[k[0]], self.catalog.account_key[k[1]],
                  self.catalog.commodity_key[k[2]]) for k in keys if k[0] in self.keys]
        for part in chunks(wanted):
            for row in self.connection.execute(select(*_COLUMNS).join_from(
                    cash_open_items, journal_entries, _je.id == _oi.entry_id)
                    .where(_oi.entry_id.in_(part))):
                self._remember(row)
        for part in chunks(exact):
            for row in self.connection.execute(select(*_COLUMNS).join_from(
                    cash_open_items, journal_entries, _je.id == _oi.entry_id)
                    .where(tuple_(_oi.entry_id, _oi.account_id, _oi.commodity_id).in_(part))):
                self._remember(row)
        return {key: item for key, item in self.items.items()
                if key[0] in entry_ids or key in keys}

    def settle(self, allocations: Iterable[Allocation]) -> None:
        """Record allocations (in the order made) and apply them to their items."""
        for allocation in allocations:
            item = self.items[allocation.item_key]
            self._track(replace(item, settled=item.settled + allocation.amount))
            self.made[allocation.settling_entry_id].append(allocation)
            self._order.append(allocation)

    def open(self, items: Iterable[OpenItem]) -> None:
        """New items (of an entry just posted), not stored yet."""
        for item in items:
            self._track(item)

    def _track(self, item: OpenItem) -> None:
        self.items[item.key] = item
        account, code = item.clearing_account_id, item.commodity.code
        for found in (self._open[(account, code)],
                      self._open_by_party[(account, code, item.counterparty)]):
            if item.remaining > 0:
                found.add(item.key)
            else:
                found.discard(item.key)

    def flush(self) -> None:
        """Write the changes: remaining amounts, new items, allocations."""
        catalog, keys = self.catalog, self.keys
        changes = [{"change": self.stored[k] - item.settled, "entry": keys[k[0]],
                    "account": catalog.account_key[k[1]],
                    "commodity": catalog.commodity_key[k[2]]}
                   for k, item in sorted(self.items.items())
                   if k in self.stored and item.settled != self.stored[k]]
        execute_many(self.connection, _SETTLE, changes)
        insert_items(self.connection, catalog, keys,
                     [i for k, i in sorted(self.items.items()) if k not in self.stored])
        insert_allocations(self.connection, catalog, keys, self._order)


_ITEM_COLUMNS = ("entry_id", "account_id", "commodity_id", "ledger_id", "entry_at",
                 "counterparty_kind", "counterparty_id", "total", "remaining")
_ALLOCATION_COLUMNS = ("settling_entry_id", "account_id", "commodity_id", "seq", "ledger_id",
                       "item_entry_id", "amount", "settled_before", "recognised_at")


def insert_items(connection: Connection, catalog: Catalog, keys: Mapping[str, int],
                 items: Sequence[OpenItem]) -> None:
    """Store open items as they stand (``remaining`` = total - settled)."""
    insert_tuples(connection, "cash_open_items", _ITEM_COLUMNS, [
        (keys[i.entry_id], catalog.account_key[i.clearing_account_id],
         catalog.commodity_key[i.commodity.code], catalog.ledger_id, to_micros(i.entry_at),
         None if i.counterparty is None else i.counterparty.kind.value,
         None if i.counterparty is None else i.counterparty.id, i.total, i.remaining)
        for i in items])


def insert_allocations(connection: Connection, catalog: Catalog, keys: Mapping[str, int],
                       allocations: Sequence[Allocation]) -> None:
    """Store allocations; `seq` numbers each settling entry's per account and commodity."""
    seq: dict[tuple[str, str, str], int] = defaultdict(int)
    rows = []
    for a in allocations:
        group = (a.settling_entry_id, a.clearing_account_id, a.commodity)
        rows.append((keys[a.settling_entry_id], catalog.account_key[a.clearing_account_id],
                     catalog.commodity_key[a.commodity], seq[group], catalog.ledger_id,
                     keys[a.open_item_id], a.amount, a.settled_before,
                     to_micros(a.recognised_at)))
        seq[group] += 1
    insert_tuples(connection, "cash_allocations", _ALLOCATION_COLUMNS, rows)
