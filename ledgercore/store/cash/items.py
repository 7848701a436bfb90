"""The open items a write settles: read lazily in FIFO order, changed in memory, flushed once.

A payment settles the first open items of its clearing account and commodity, of its
counterparty or of none (docs/cash-basis.md, the incremental contract). `OpenItems` reads
just that prefix from the partial indexes of ``cash_open_items`` (only items still open are
in them), a few rows at a time (its counterparty's and those of none in one statement)
and more only when the rows read do not cover the payment, and keeps what it read per
(account, commodity, counterparty) group for the rest of the write: the stored rows do
not change until `flush`, so a prefix read for one payment of a batch serves the next one.
A write settling many entries on one account (an import) reads all its open items at
once instead (`read_open`). Settling and opening happen in memory, on top of the stored
state; `flush` writes the new remaining amounts, the new items and the allocations with
one driver call each (`ledgercore.store.cash.sql`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ledgercore.domain.accounts import ChartOfAccounts
from ledgercore.domain.balances import statement_order
from ledgercore.domain.cash import Allocation, ItemKey, OpenItem
from ledgercore.domain.entries import Counterparty, CounterpartyKind, JournalEntry
from ledgercore.store.cash.sql import Db
from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import from_micros, to_micros

# Rows read at first per group; a group is read again with WINDOW_GROWTH times as many
# when what it holds before its last row does not cover the payment.
WINDOW = 32
WINDOW_GROWTH = 8

# The columns of an item read: entry key, account key, commodity key, total, remaining,
# counterparty kind and id, and its entry's id, entry_at and created_at.
_COLUMNS = ("SELECT oi.entry_id, oi.account_id, oi.commodity_id, oi.total, oi.remaining, "
            "oi.counterparty_kind, oi.counterparty_id, je.external_id, je.entry_at, "
            "je.created_at FROM cash_open_items oi JOIN journal_entries je "
            "ON je.id = oi.entry_id ")
# A group's FIFO prefix. The partial indexes' predicate (`schema.OPEN_ITEM`) is spelled
# with a literal 0: SQLite uses a partial index only for a query that spells it.
_OPEN = ("WHERE oi.account_id = :account AND oi.commodity_id = :commodity "
         "AND oi.remaining > 0 ")
_PARTY = "AND oi.counterparty_kind = :kind AND oi.counterparty_id = :party "
_NO_PARTY = "AND oi.counterparty_kind IS NULL AND oi.counterparty_id IS NULL "


def _limited(where: str, limit: str) -> str:
    return f"SELECT * FROM ({_COLUMNS}{_OPEN}{where}ORDER BY oi.entry_at LIMIT :{limit}) AS p"


# The FIFO prefix of a group, of one counterparty and of none in one statement, or of
# the whole (account, commodity).
_ANY, _NONE = "any", "none"
_PREFIXES = {
    (_ANY,): _limited("", "limit"),
    (_NONE,): _limited(_NO_PARTY, "none_limit"),
    ("party",): _limited(_PARTY, "limit"),
    ("party", _NONE): _limited(_PARTY, "limit") + " UNION ALL " + _limited(_NO_PARTY,
                                                                           "none_limit"),
}
# Every open item with a counterparty (the groups a counterparty's payments read).
_ALL_OPEN = _COLUMNS + _OPEN + "AND oi.counterparty_kind IS NOT NULL"
_SETTLE = ("UPDATE cash_open_items SET remaining = remaining + ? "
           "WHERE entry_id = ? AND account_id = ? AND commodity_id = ?")

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
        db: the write's driver connection.
        catalog: the ledger's catalog.
        keys: entry id -> row key, shared with the caller (filled with the keys read).
    """

    def __init__(self, db: Db, catalog: Catalog, keys: dict[str, int]) -> None:
        self.db = db
        self.catalog = catalog
        self.chart: ChartOfAccounts = catalog.chart
        self.keys = keys
        self.items: dict[ItemKey, OpenItem] = {}   # every item read or made, as it stands
        self.stored: dict[ItemKey, int] = {}       # settled as stored, for items read
        self._changed: set[ItemKey] = set()        # settled or made since the last flush
        self._entry_keys: dict[str, int] = {}      # of the entries of the items carried over
        # Items made or changed here that are open, by (account, commodity, counterparty)
        # and by (account, commodity): stored rows may not show them as they stand.
        self._open_by_party: dict[tuple[str, str, Counterparty | None], set[ItemKey]] = (
            defaultdict(set))
        self._open: dict[tuple[str, str], set[ItemKey]] = defaultdict(set)
        self.made: dict[str, list[Allocation]] = defaultdict(list)  # by settling entry id
        self._order: list[Allocation] = []
        self._prefixes: dict[Group, _Prefix] = defaultdict(_Prefix)
        # (account, commodity) whose counterparties' open items are all read
        self._whole: set[tuple[str, str]] = set()

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
                bounds = self._read(groups, limit)
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
                if cutoff is None or need <= sum(
                        i.remaining for i in pool.values() if to_micros(i.entry_at) < cutoff):
                    break
                limit *= WINDOW_GROWTH
            out.update(pool)
        return out

    def read_open(self, account: str, code: str) -> None:
        """Read every stored open item of (account, commodity) that has a counterparty.

        For a write settling many entries of counterparties on it: one read instead of
        one per payment. The items of no counterparty, which every payment may settle,
        are still read a prefix at a time (there may be many). Call it before the first
        `candidates`. Once per (account, commodity) and write.
        """
        if (account, code) in self._whole:
            return
        self._whole.add((account, code))
        for row in self.db.rows(_ALL_OPEN, {"account": self.catalog.account_key[account],
                                            "commodity": self.catalog.commodity_key[code]}):
            self._prefixes[(account, code, row[5], row[6])].keys.append(self._remember(row))

    def _read(self, groups: list[Group], limit: int) -> list[int | None]:
        """Make sure each group's first `limit` stored open items are read; their bounds."""
        wanted = []
        for group in groups:
            prefix = self._prefixes[group]
            if not prefix.complete and group[2] not in (_ANY, _NONE) and (
                    group[:2] in self._whole):
                prefix.complete = True
            if not prefix.complete and prefix.limit < limit:
                wanted.append(group)
        if wanted:
            self._fetch(wanted, limit)
        return [self._prefixes[group].bound for group in groups]

    def _fetch(self, groups: list[Group], limit: int) -> None:
        """Read the first `limit` stored open items of these groups (one statement)."""
        account, code = groups[0][:2]
        params: dict[str, Any] = {"account": self.catalog.account_key[account],
                                  "commodity": self.catalog.commodity_key[code],
                                  "limit": limit, "none_limit": limit}
        shape = tuple(g[2] if g[2] in (_ANY, _NONE) else "party" for g in groups)
        for group in groups:
            if group[2] not in (_ANY, _NONE):
                params.update(kind=group[2], party=group[3])
        found: dict[Group, list[Any]] = {group: [] for group in groups}
        for row in self.db.rows(_PREFIXES[shape], params):
            # A row of the party's prefix has a counterparty; one of no party's has none.
            group = groups[1] if len(groups) == 2 and row[5] is None else groups[0]
            found[group].append(row)
        for group, read in found.items():
            prefix = self._prefixes[group]
            prefix.keys = [self._remember(row) for row in read]
            prefix.limit, prefix.complete = limit, len(read) < limit
            prefix.last_at = read[-1][8] if read else 0

    def _remember(self, row: Any) -> ItemKey:
        """An item read from the store; the version in memory wins if there is one.

        `row` holds the `_COLUMNS`: entry key, account key, commodity key, total,
        remaining, counterparty kind and id, entry id, entry_at, created_at.
        """
        entry_key, account_key, commodity_key, total, remaining, kind, party, entry_id = (
            row[:8])
        account = self.catalog.account_id[account_key]
        commodity = self.catalog.commodity[commodity_key]
        key = (entry_id, account, commodity.code)
        if key not in self.items:
            self.keys[entry_id] = entry_key
            self._entry_keys[entry_id] = entry_key
            # The basis is not needed to allocate; recognising lines recomputes it.
            self.items[key] = OpenItem(
                entry_id, account, commodity, self.chart.get(account).normal,
                (from_micros(row[8]), from_micros(row[9]), entry_id),
                None if kind is None else Counterparty(CounterpartyKind(kind), party),
                total, (), total - remaining)
            self.stored[key] = total - remaining
        return key

    def of_entries(self, entry_ids: Collection[str],
                   keys: Collection[ItemKey]) -> dict[ItemKey, OpenItem]:
        """The items of these entries and these items, open or not (a reversal's state)."""
        wanted = {self.keys[e] for e in entry_ids if e in self.keys} | {
            self.keys[k[0]] for k in keys if k[0] in self.keys}
        if wanted:
            for row in self.db.rows(_COLUMNS + "WHERE " + self.db.members("keys",
                                                          "oi.entry_id"),
                                    {"keys": self.db.keys(sorted(wanted))}):
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
        self._changed.add(item.key)
        account, code = item.clearing_account_id, item.commodity.code
        for found in (self._open[(account, code)],
                      self._open_by_party[(account, code, item.counterparty)]):
            if item.remaining > 0:
                found.add(item.key)
            else:
                found.discard(item.key)

    def flush(self) -> None:
        """Write the changes: remaining amounts, new items, allocations."""
        catalog, keys, items, stored = self.catalog, self.keys, self.items, self.stored
        changed = sorted(self._changed)
        self.db.many(_SETTLE, [
            (stored[k] - items[k].settled, keys[k[0]], catalog.account_key[k[1]],
             catalog.commodity_key[k[2]]) for k in changed
            if k in stored and items[k].settled != stored[k]])
        insert_items(self.db, catalog, keys, [items[k] for k in changed if k not in stored])
        insert_allocations(self.db, catalog, keys, self._order)

    def carry_over(self, keys: dict[str, int]) -> None:
        """Start another step of the same write (a load's next batch) from this state.

        After `flush` the stored rows are what this book holds, so the open items it read
        or made serve the next step instead of being read again; settled ones are let
        go, so memory stays bounded by the open items and a step costs what it changes.
        `keys` is the next step's entry id -> row key map; it is given the keys of the
        entries of the items kept.
        """
        settled: set[Group] = set()
        for key in self._changed:
            item = self.items[key]
            if item.remaining > 0:
                self.stored[key] = item.settled
                self._entry_keys[key[0]] = self.keys[key[0]]
            else:
                del self.items[key]
                self.stored.pop(key, None)
                party = item.counterparty
                settled.update(((key[1], key[2], _ANY, None), (key[1], key[2], _NONE, None)
                                if party is None else (key[1], key[2], party.kind.value,
                                                       party.id)))
        for group in settled:
            if group in self._prefixes:
                prefix = self._prefixes[group]
                prefix.keys = [key for key in prefix.keys if key in self.items]
        if len(self._entry_keys) > 2 * len(self.items) + 1024:  # of settled items, mostly
            self._entry_keys = {key[0]: self._entry_keys[key[0]] for key in self.items
                                if key[0] in self._entry_keys}
        keys.update(self._entry_keys)
        self.keys = keys
        self.chart = self.catalog.chart
        self._changed.clear()
        self.made.clear()
        self._order.clear()

    def forget(self, accounts: Collection[str]) -> None:
        """Drop what is held of these clearing accounts (rewound: their rows changed).

        Call it before the step changes anything (after `carry_over`).
        """
        self.items = {k: i for k, i in self.items.items() if k[1] not in accounts}
        self.stored = {k: s for k, s in self.stored.items() if k[1] not in accounts}
        self._prefixes = defaultdict(_Prefix, {
            g: p for g, p in self._prefixes.items() if g[0] not in accounts})
        self._whole = {w for w in self._whole if w[0] not in accounts}
        self._open = defaultdict(set, {
            g: keys for g, keys in self._open.items() if g[0] not in accounts})
        self._open_by_party = defaultdict(set, {
            g: keys for g, keys in self._open_by_party.items() if g[0] not in accounts})


_ITEM_COLUMNS = ("entry_id", "account_id", "commodity_id", "ledger_id", "entry_at",
                 "counterparty_kind", "counterparty_id", "total", "remaining")
_ALLOCATION_COLUMNS = ("settling_entry_id", "account_id", "commodity_id", "seq", "ledger_id",
                       "item_entry_id", "amount", "settled_before", "recognised_at")


def insert_items(db: Db, catalog: Catalog, keys: Mapping[str, int],
                 items: Sequence[OpenItem]) -> None:
    """Store open items as they stand (``remaining`` = total - settled)."""
    db.insert("cash_open_items", _ITEM_COLUMNS, [
        (keys[i.entry_id], catalog.account_key[i.clearing_account_id],
         catalog.commodity_key[i.commodity.code], catalog.ledger_id, to_micros(i.entry_at),
         None if i.counterparty is None else i.counterparty.kind.value,
         None if i.counterparty is None else i.counterparty.id, i.total, i.remaining)
        for i in items])


def insert_allocations(db: Db, catalog: Catalog, keys: Mapping[str, int],
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
    db.insert("cash_allocations", _ALLOCATION_COLUMNS, rows)
