"""Back-dated postings: taking a clearing account back to just before an entry.

The projection settles entries in ledger order (`entry_at`, `created_at`, id). An entry
that sorts before entries already projected on one of its clearing accounts (back-dated,
or a batch arriving out of order) changes what those later entries settle. The state of a
clearing account at a point in ledger order depends only on the entries before it, and
clearing accounts are independent, so it is enough to *rewind* the account: undo the
allocations the later entries made on it (what they settled is open again), delete the
open items they made on it, and settle them again after the new entry
(`cash_projection`). The cost is that of the entries after the back-dated one, not of
the ledger's history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ledgercore.domain.entries import JournalEntry
from ledgercore.store.cash.sql import Db
from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import to_micros

# Entries already projected on a clearing account, effective at or after an instant.
_PROJECTED_SINCE = (
    "SELECT je.id, je.entry_at, je.created_at, je.external_id FROM cash_lines cl "
    "JOIN journal_entries je ON je.id = cl.entry_id "
    "WHERE cl.account_id = :account AND cl.sign = -1 AND cl.entry_at >= :at")


def later_entries(db: Db, catalog: Catalog, clearing: frozenset[str],
                  fresh: Iterable[JournalEntry]) -> dict[str, set[int]]:
    """Per clearing account, the projected entries after the first fresh entry on it.

    Args:
        db: the write's connection.
        catalog: the ledger's catalog.
        clearing: the clearing account ids.
        fresh: the entries being projected, in ledger order.

    Returns:
        Row keys of the later entries by clearing account (accounts with none left out).
    """
    first: dict[str, JournalEntry] = {}
    for entry in fresh:  # in ledger order: the first one per account is the earliest
        for account in entry.account_ids & clearing:
            first.setdefault(account, entry)
    out: dict[str, set[int]] = {}
    for account, entry in sorted(first.items()):
        assert entry.created_at is not None
        at = to_micros(entry.entry_at)
        mark = (at, to_micros(entry.created_at), entry.id)  # ledger order, in micros
        found = {key for key, *order in db.rows(_PROJECTED_SINCE, {
            "account": catalog.account_key[account], "at": at}) if tuple(order) > mark}
        if found:
            out[account] = found
    return out


_UNDONE = ("SELECT item_entry_id, commodity_id, sum(amount) FROM cash_allocations "
           "WHERE account_id = :account AND {keys} GROUP BY item_entry_id, commodity_id")
_REOPEN = ("UPDATE cash_open_items SET remaining = remaining + ? "
           "WHERE entry_id = ? AND account_id = ? AND commodity_id = ?")
_DROP_ALLOCATIONS = "DELETE FROM cash_allocations WHERE account_id = :account AND {keys}"
_DROP_ITEMS = "DELETE FROM cash_open_items WHERE account_id = :account AND {keys}"


def rewind(db: Db, catalog: Catalog, later: Mapping[str, set[int]]) -> None:
    """Take clearing accounts back to their state before the given entries.

    The allocations those entries made on the account are undone (what they settled is
    open again: one net change per item, so ``remaining`` stays within its range) and
    deleted, and the open items they made on it are deleted. Their cash lines are left
    for the caller, which projects them again.

    Args:
        db: the write's connection.
        catalog: the ledger's catalog.
        later: row keys of the entries to take back, by clearing account (`later_entries`).
    """
    settler, item_entry = db.members("keys", "settling_entry_id"), db.members("keys", "entry_id")
    for account, keys in sorted(later.items()):
        params = {"account": catalog.account_key[account], "keys": db.keys(sorted(keys))}
        undone = db.rows(_UNDONE.format(keys=settler), params)
        db.many(_REOPEN, [(int(amount), item, params["account"], commodity)
                          for item, commodity, amount in sorted(undone)
                          if item not in keys and amount])
        db.execute(_DROP_ALLOCATIONS.format(keys=settler), params)
        db.execute(_DROP_ITEMS.format(keys=item_entry), params)
