"""Balance guards in the store: the check and the write as one serialised step.

A guarded account (a row of ``account_guards`` with a floor) may not have its available
balance (posted less pending holds, `ledgercore.domain.transfers`) lowered below its
floor by any write: `post` (and so `load`, every import, and a transfer's execution)
calls `enforce` with the entries it is about to write, and a new pending transfer calls
`check` with its hold. Both run inside the writer's transaction, before it writes:

1. **Lock.** The guard rows of the accounts the write touches are read and locked in
   one statement, in key order (so two writers never wait on each other in a cycle).
   On PostgreSQL that is ``SELECT ... FOR UPDATE``: a second writer of the same account
   blocks there until the first commits or rolls back, and then (READ COMMITTED: each
   statement sees what was committed before it began) reads the first one's balance.
   On SQLite every write transaction begins IMMEDIATE (`ledgercore.config`), which takes
   the database's write lock before its first statement: writers run one at a time and
   each sees its predecessors' commits. `check` refuses to run in a SQLite transaction
   that is not such a writer, so the serialisation is required, not assumed.
2. **Read.** The guarded accounts' posted balances (``guarded_balances``, kept per
   commodity by every write under this lock) and their holds (the pending transfers'
   amounts) are read.
3. **Decide.** `ledgercore.domain.transfers.shortfall` per account and commodity; any
   shortfall refuses the whole write (every problem listed), before anything is written.
4. **Write.** The new posted balances are added to ``guarded_balances``; the caller
   writes its rows; the commit releases the lock.

An account's guard is set with `set_floor`. Guarding an account that was not guarded
counts its balances from its line items. On PostgreSQL it first takes
``LOCK TABLE account_guards IN EXCLUSIVE MODE``, which waits for every writer that has
already read the guards (their ``FOR UPDATE`` holds the table's ROW SHARE lock until they
commit, so their lines are in the count) and holds back every writer that has not (its
guard statement waits, then sees the new guard and keeps its balance). Locking
``line_items`` instead would not do: a posting that read the guards before the new one
was committed would wait only for its line insert, then add lines the count missed.
That lock is taken only when a guard is first set, never by an ordinary write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Connection

from ledgercore.config import WRITE_OPTION
from ledgercore.domain.entries import JournalEntry
from ledgercore.domain.errors import LedgerError, UnknownAccount
from ledgercore.domain.money import Commodity
from ledgercore.domain.transfers import floor_units, guard_refusal, parse_floor, shortfall
from ledgercore.store.catalog import Catalog
from ledgercore.store.driver import driver_cursor, fetch_all, in_driver_style, list_value, members

# (account id, commodity) -> change in minor units, normal sign.
Changes = Mapping[tuple[str, Commodity], int]
# (account key, commodity key) -> minor units, normal sign.
Sums = dict[tuple[int, int], int]

_LOCK = ("SELECT account_id, floor FROM account_guards WHERE {keys} AND floor IS NOT NULL "
         "ORDER BY account_id")
# Read in a statement of its own, after the lock is held: on PostgreSQL a statement sees
# what was committed before it began, so this one sees the previous holder's balance. (A
# join that locks the guards and reads the balances in one statement would re-check only
# the locked rows once it got the lock, and read the balances of its older snapshot: the
# race test overdrew the account that way, 19 transfers of 700 out of 10,000.)
# One statement reads both what the accounts hold (kind 0) and what their pending
# transfers would take out of them (kind 1): a transfer lowers its source's balance in
# the source's normal sign, whatever that normality (`ledgercore.store.transfers`).
_STANDING = ("SELECT 0, account_id, commodity_id, balance FROM guarded_balances "
             "WHERE {balances} "
             "UNION ALL SELECT 1, from_account_id, commodity_id, SUM(amount) FROM transfers "
             "WHERE {outgoing} AND status = 'pending' GROUP BY from_account_id, commodity_id")
_ADD = ("INSERT INTO guarded_balances (account_id, commodity_id, ledger_id, balance) "
        "VALUES (:account, :commodity, :ledger, :change) "
        "ON CONFLICT (account_id, commodity_id) "
        "DO UPDATE SET balance = guarded_balances.balance + excluded.balance")
_COUNT = ("INSERT INTO guarded_balances (account_id, commodity_id, ledger_id, balance) "
          "SELECT account_id, commodity_id, ledger_id, SUM(effect) FROM line_items "
          "WHERE account_id = :account GROUP BY account_id, commodity_id, ledger_id")


def enforce(connection: Connection, catalog: Catalog, entries: Sequence[JournalEntry]) -> None:
    """Posting's guard: refuse `entries` if they lower a guarded account below its floor.

    Called by `ledgercore.store.posting.post` with the entries it is about to write,
    inside its transaction; on success the guarded accounts' balances include them.

    Raises:
        InsufficientBalance / InsufficientAssets: the first shortfall; every one is in
            the error's `problems` detail. Nothing is written.
    """
    if not entries:
        return
    _require_writer(connection)
    keys = catalog.posting_key
    # The guards first (a ledger without any answers here), the sums of the guarded only.
    floors = _lock(connection, sorted({keys[item.account_id][0] for entry in entries
                                       for item in entry.line_items}))
    if not floors:
        return
    guarded = {catalog.account_id[key] for key in floors}
    changes: dict[tuple[str, Commodity], int] = {}
    for entry in entries:
        for item in entry.line_items:
            if item.account_id in guarded:
                normal = keys[item.account_id][1]
                effect = item.amount if item.direction is normal else -item.amount
                slot = (item.account_id, item.commodity)
                changes[slot] = changes.get(slot, 0) + effect
    _decide(connection, catalog, floors, changes, {},
            entry_id=entries[0].id if len(entries) == 1 else None)


def check(connection: Connection, catalog: Catalog, posted: Changes,
          held: Changes | None = None, *, entry_id: str | None = None) -> None:
    """Lock the guards of the accounts in `posted` and `held`, check, and count `posted`.

    Args:
        connection: the caller's write transaction.
        catalog: the ledger's catalog (the accounts and commodities must be known).
        posted: changes to posted balances the caller is about to write.
        held: changes to holds (a new pending transfer's amount on its source: > 0).
        entry_id: the entry being posted, named in a refusal.

    Raises:
        InsufficientBalance / InsufficientAssets: as `enforce`.
    """
    held = held or {}
    _require_writer(connection)
    wanted = sorted({catalog.account_key[a] for a, _ in posted}
                    | {catalog.account_key[a] for a, _ in held})
    floors = _lock(connection, wanted)
    if floors:
        _decide(connection, catalog, floors, posted, held, entry_id=entry_id)


def _decide(connection: Connection, catalog: Catalog, floors: dict[int, str], posted: Changes,
            held: Changes, *, entry_id: str | None) -> None:
    """Steps 2 to 4 of the module docstring, the guards of `floors` locked."""
    balances, holds = _standing(connection, sorted(floors))
    problems: list[LedgerError] = []
    writes: list[dict[str, int]] = []
    for slot in {**posted, **held}:
        account_id, commodity = slot
        account = catalog.account_key[account_id]
        floor = floors.get(account)
        if floor is None:
            continue
        commodity_key = catalog.commodity_key[commodity.code]
        before = balances.get((account, commodity_key), 0)
        on_hold = holds.get((account, commodity_key), 0)
        change, hold = posted.get(slot, 0), held.get(slot, 0)
        missing = shortfall(before, on_hold, change - hold, floor_units(floor, commodity.scale))
        if missing:
            problems.append(guard_refusal(account_id, commodity, missing,
                                          before - on_hold, change - hold, entry_id=entry_id))
        elif change:
            writes.append({"account": account, "commodity": commodity_key,
                           "ledger": catalog.ledger_id, "change": change})
    if problems:
        first = problems[0]
        first.details = {**first.details, "problems": [p.to_dict() for p in problems]}
        raise first
    for write in sorted(writes, key=lambda w: (w["account"], w["commodity"])):
        run(connection, _ADD, write)


def shortfall_now(connection: Connection, catalog: Catalog, account_id: str,
                  commodity: Commodity) -> int:
    """How far `account_id`'s available balance in `commodity` is below its floor now
    (0: not below, or unguarded), its guard locked for the rest of the transaction."""
    _require_writer(connection)
    key = catalog.account_key[account_id]
    floors = _lock(connection, [key])
    if key not in floors:
        return 0
    commodity_key = catalog.commodity_key[commodity.code]
    balances, holds = _standing(connection, [key])
    posted = balances.get((key, commodity_key), 0)
    held = holds.get((key, commodity_key), 0)
    return max(0, floor_units(floors[key], commodity.scale) - (posted - held))


def set_floor(connection: Connection, catalog: Catalog, account_id: str, floor: str | None,
              *, keep_existing: bool = False) -> bool:
    """Guard `account_id` at `floor` (a decimal; None: no guard), inside a write.

    Args:
        keep_existing: leave an account that already has a guard row (with a floor or
            explicitly none) as it is.

    Returns:
        Whether the account's guard row was written.

    Raises:
        UnknownAccount: no such account. InvalidRequest: not a decimal floor.
    """
    _require_writer(connection)
    floor = parse_floor(floor)
    key = _account_key(connection, catalog, account_id)
    if keep_existing and key in catalog.guard_rows:
        return False
    found = _guard_row(connection, key)
    if found is not None and keep_existing:
        catalog.guard_rows.add(key)
        return False
    newly_guarded = floor is not None and (found is None or found[0] is None)
    if newly_guarded:
        if connection.dialect.name == "postgresql":
            run(connection, "LOCK TABLE account_guards IN EXCLUSIVE MODE", {})
            found = _guard_row(connection, key)  # a racing writer may have set it first
            if found is not None and keep_existing:
                return False
        run(connection, "DELETE FROM guarded_balances WHERE account_id = :account",
            {"account": key})
        run(connection, _COUNT, {"account": key})
    run(connection, "INSERT INTO account_guards (account_id, ledger_id, floor) VALUES "
                    "(:account, :ledger, :floor) ON CONFLICT (account_id) DO UPDATE SET "
                    "floor = excluded.floor",
        {"account": key, "ledger": catalog.ledger_id, "floor": floor})
    catalog.guard_rows.add(key)
    return True


def floors(connection: Connection, catalog: Catalog) -> dict[str, str | None]:
    """Every guard row of the ledger: account id -> floor (None: explicitly unguarded)."""
    rows = fetch_all(connection, "SELECT account_id, floor FROM account_guards "
                                 "WHERE ledger_id = :ledger", {"ledger": catalog.ledger_id})
    if any(key not in catalog.account_id for key, _ in rows):
        catalog.load(connection)
    return {catalog.account_id[key]: floor for key, floor in rows}


def guarded_balances(connection: Connection, catalog: Catalog) -> dict[tuple[str, str], int]:
    """The kept posted balances of guarded accounts: (account id, code) -> balance."""
    rows = fetch_all(connection, "SELECT account_id, commodity_id, balance FROM "
                                 "guarded_balances WHERE ledger_id = :ledger",
                     {"ledger": catalog.ledger_id})
    return {(catalog.account_id[a], catalog.commodity[c].code): b for a, c, b in rows}


def _require_writer(connection: Connection) -> None:
    if connection.dialect.name == "sqlite" and not connection.get_execution_options().get(
            WRITE_OPTION, False):
        # Outside an IMMEDIATE transaction the check and the write would not be one step.
        raise RuntimeError("a balance guard runs only in a write transaction")


def _lock(connection: Connection, keys: Iterable[int]) -> dict[int, str]:
    wanted = list(keys)
    if not wanted:
        return {}
    dialect = connection.dialect.name
    sql = _sql(dialect, _LOCK, "account_id")
    if dialect == "postgresql":
        sql += " FOR UPDATE"
    return {key: floor for key, floor in fetch_all(connection, sql, {
        "keys": list_value(dialect, wanted)})}


def _standing(connection: Connection, guarded: list[int]) -> tuple[Sums, Sums]:
    """The posted balances and the holds of the `guarded` accounts (locked), per
    (account key, commodity key), in one statement."""
    dialect = connection.dialect.name
    keys = list_value(dialect, guarded)
    found: tuple[Sums, Sums] = ({}, {})
    for kind, account, commodity, amount in fetch_all(connection, _standing_sql(dialect), {
            "balances": keys, "outgoing": keys}):
        found[kind][(account, commodity)] = int(amount)
    return found


@lru_cache(maxsize=4)
def _standing_sql(dialect: str) -> str:
    return _STANDING.format(balances=members(dialect, "balances", "account_id"),
                            outgoing=members(dialect, "outgoing", "from_account_id"))


def _account_key(connection: Connection, catalog: Catalog, account_id: str) -> int:
    key = catalog.account_key.get(account_id)
    if key is None:
        catalog.load(connection)
        key = catalog.account_key.get(account_id)
    if key is None:
        raise UnknownAccount(f"no account {account_id} in this ledger", account_id=account_id)
    return key


def _guard_row(connection: Connection, key: int) -> tuple[str | None] | None:
    rows = fetch_all(connection, "SELECT floor FROM account_guards WHERE account_id = :account",
                     {"account": key})
    return None if not rows else (rows[0][0],)


@lru_cache(maxsize=32)
def _sql(dialect: str, template: str, column: str) -> str:
    return template.format(keys=members(dialect, "keys", column))


def run(connection: Connection, sql: str, values: Mapping[str, Any]) -> None:
    """Run one statement with ``:name`` parameters on the driver, in the caller's
    transaction (as `driver.fetch_all` reads)."""
    text = in_driver_style(connection, sql)
    with driver_cursor(connection, text) as cursor:
        cursor.execute(text, values)
