"""Concurrent writers to one ledger: who waits for whom, and what a writer that waited says.

SQLite has one writer at a time: a write transaction begins IMMEDIATE, taking the
database's write lock first and waiting up to the busy timeout for it, while readers run
beside it in WAL mode on their own snapshot (they never take the lock). PostgreSQL lets
writers run together, so two imports of overlapping files would insert the same entry or
account at the same moment and the second would fail on the unique key. An import (a
`Ledger.load`) therefore first takes a transaction-scoped advisory lock on its ledger:
imports into one ledger follow one another, and each sees everything the one before it
committed, as on SQLite, so the overlap is found "already present". Every other write
takes the same lock shared: posts run beside each other (they race optimistically and
retry a lost unique-key race, `unit_of_work`) but not beside an import, so a post and an
import of one entry id follow one another too. Imports into other ledgers, and readers, do
not wait.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from ledgercore.domain.errors import LedgerError
from ledgercore.store.errors import DatabaseBusy, TotalLimit

# The first key of ledgercore's advisory locks ("LC" and a number): the second is the
# ledger's key. The two-key form keeps them apart from single-key locks of other code.
_IMPORT_LOCK = 0x4C43_0001
_LOCK_SQL = text("SELECT pg_advisory_xact_lock(:space, :ledger)")
_SHARED_LOCK_SQL = text("SELECT pg_advisory_xact_lock_shared(:space, :ledger)")


def serialise_loads(connection: Connection, ledger_id: int) -> None:
    """Wait until no other import writes to this ledger (PostgreSQL), until commit.

    On SQLite the write transaction already holds the database's only write lock.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK_SQL, {"space": _IMPORT_LOCK, "ledger": ledger_id})


def share_with_loads(connection: Connection, ledger_id: int) -> None:
    """Let no import into this ledger run beside this write (PostgreSQL), until commit.

    Every write but an import takes the import lock in shared mode, first: posts still
    run beside each other, but an import and a post of the same entry id follow one
    another, so whichever comes second finds the entry "already present" instead of
    failing on the unique key.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(_SHARED_LOCK_SQL, {"space": _IMPORT_LOCK, "ledger": ledger_id})


def busy(error: OperationalError, waited: float) -> DatabaseBusy | None:
    """The refusal for a SQLite writer that gave up waiting for the write lock, or None.

    Args:
        error: what the driver raised.
        waited: seconds since the writer asked for the lock.
    """
    orig = error.orig
    name = getattr(orig, "sqlite_errorname", None)
    if name not in ("SQLITE_BUSY", "SQLITE_BUSY_SNAPSHOT", "SQLITE_LOCKED") and not (
            name is None and "database is locked" in str(orig)):
        return None
    return DatabaseBusy(f"another process is writing to this database; waited {waited:.1f} s "
                        f"for it to finish. Run the command again once it is done",
                        waited_seconds=round(waited, 1))


# The largest total a period-total row (BIGINT) holds, in minor units.
LARGEST_TOTAL = 2**63 - 1


def refusal(error: DBAPIError, waited: float) -> LedgerError | None:
    """The refusal a failed write means, or None for an error to retry or raise as is.

    A SQLite writer that gave up waiting (`busy`), or a running total past the largest
    the store keeps (PostgreSQL: BIGINT out of range; SQLite: the integer-total check of
    migration 0005, or SQLite's own integer overflow).
    """
    if isinstance(error, OperationalError):
        found = busy(error, waited)
        if found is not None:
            return found
    orig = error.orig
    text = str(orig)
    if getattr(orig, "sqlstate", None) == "22003" or "integer_total" in text or (
            "integer overflow" in text):
        return TotalLimit(f"a running total would pass {LARGEST_TOTAL} minor units, the "
                          f"largest the store keeps; nothing was written",
                          limit=LARGEST_TOTAL)
    return None
