"""The unit of work of a ledger handle: each call one transaction, a lost race retried.

A `Ledger` call hands its work, a function of a connection, to `UnitOfWork.write` or
`.read`, which owns the transaction: it commits when the work returns and rolls back when
it raises, so a failed call leaves the database as it was. A writer on SQLite begins
IMMEDIATE (`ledgercore.config`), so concurrent processes queue on the busy timeout
instead of failing; on PostgreSQL an import holds its ledger's import lock exclusively
and every other write holds it shared (`contention`). A write that loses a unique-key
race or a deadlock to a concurrent writer is run again from the start; a writer that
waited past the busy timeout is refused as `database_busy`. A reader on PostgreSQL sees
one snapshot (REPEATABLE READ), so a report's queries agree with one another.

The handle keeps one connection per role open (a pool checkout per call would cost more
than the statements of a one-entry post), and the ledger's `Catalog` current: it is
read again at the start of the next transaction after one failed, since it may hold the
keys of rows rolled back, and whenever another handle has changed the chart since
(`Catalog.ensure_chart`).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ledgercore.config import WRITE_OPTION
from ledgercore.store import contention
from ledgercore.store.catalog import Catalog

T = TypeVar("T")
# A unique-key race (two processes posting one id) or a deadlock is retried this often.
ATTEMPTS = 4


class UnitOfWork:
    """The transactions of one ledger handle (see the module docstring)."""

    def __init__(self, engine: Engine, catalog: Catalog) -> None:
        self._engine = engine
        self._catalog = catalog
        self._stale = True
        self._connections: dict[bool, Connection] = {}

    def write(self, work: Callable[[Connection], T], attempts: int = ATTEMPTS, *,
              load: bool = False) -> T:
        """Run `work` in a write transaction, again if it lost a race (up to `attempts`).

        Args:
            load: an import: on PostgreSQL it holds the ledger's import lock exclusively
                (every other write holds it shared, taken first), so an import and a post
                of one entry id follow one another, and the lock order cannot deadlock.

        Raises:
            DatabaseBusy: a SQLite writer waited past the busy timeout.
        """
        for attempt in range(attempts):
            asked = time.monotonic()
            try:
                with self.transaction(write=True) as connection:
                    if load:
                        contention.serialise_loads(connection, self._catalog.ledger_id)
                    else:
                        contention.share_with_loads(connection, self._catalog.ledger_id)
                    return work(connection)
            except DBAPIError as exc:
                refusal = contention.refusal(exc, time.monotonic() - asked)
                if refusal is not None:
                    raise refusal from None
                if not isinstance(exc, IntegrityError | OperationalError) or (
                        attempt + 1 == attempts or not _retryable(exc)):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def read(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in a read transaction (one snapshot on PostgreSQL)."""
        with self.transaction(write=False) as connection:
            return work(connection)

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Connection]:
        """A transaction on the role's connection, the catalog current inside it."""
        connection = self._connection(write)
        try:
            with connection.begin():
                if self._stale or not write:
                    # A report reads the chart again when another handle changed it
                    # (one small read of the ledger's row); a write does so under the
                    # row's lock where it posts (`periods.refuse_closed`).
                    self._catalog.ensure_chart(connection, reload=self._stale)
                    self._stale = False
                yield connection
        except BaseException as exc:
            self._stale = True  # the cache may hold keys of rolled-back rows
            if isinstance(exc, DBAPIError) and exc.connection_invalidated:
                self._connections.pop(write).close()
            raise

    def close(self) -> None:
        """Close the connections (the engine is its owner's to dispose of)."""
        for connection in self._connections.values():
            connection.close()
        self._connections.clear()

    def _connection(self, write: bool) -> Connection:
        connection = self._connections.get(write)
        if connection is None or connection.closed:
            options: dict[str, object] = {WRITE_OPTION: write}
            if not write and self._engine.dialect.name == "postgresql":
                options["isolation_level"] = "REPEATABLE READ"  # one snapshot per report
            connection = self._engine.connect().execution_options(**options)
            self._connections[write] = connection
        return connection


@contextmanager
def collector_paused(wanted: bool = True) -> Iterator[None]:
    """The cyclic garbage collector off for a long write (if `wanted`).

    A big write keeps many objects alive for its whole length (open items, caches, the
    batch at hand), and the collector would scan them again and again: a quarter of an
    import's time. Its rows and entries hold no reference cycles, so nothing waits for
    the collector meanwhile.
    """
    if not wanted or not gc.isenabled():  # not worth it, or a caller's own pause
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _retryable(exc: DBAPIError) -> bool:
    """A lost race: a concurrent writer took the same unique key, or a deadlock."""
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("23505", "40P01", "40001")
