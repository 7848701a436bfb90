"""Where the books live: the database URL and the engine that opens it.

A ledger is a database. Its URL comes from the caller (`--db URL`), else the
``LEDGERCORE_DATABASE_URL`` environment variable, else ``sqlite:///ledgercore.db`` in the
working directory, so an app gets durable books with no set-up. SQLite runs in WAL mode
with foreign keys on and a busy timeout, so several processes can share one file;
PostgreSQL is reached through psycopg 3, and a plain ``postgresql://`` URL is read as
``postgresql+psycopg://``. Write transactions on SQLite begin IMMEDIATE: a deferred
transaction that reads and then writes can fail at once with "database is locked" when
another process wrote in between, without waiting on the busy timeout.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import create_engine as _create_engine
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import StaticPool

DATABASE_URL_VARIABLE = "LEDGERCORE_DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///ledgercore.db"
# How long a SQLite writer waits for another process's write lock, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# WAL pages written between automatic checkpoints. Each checkpoint syncs the file to disk
# twice; at SQLite's default (1,000 pages) that was a quarter of the time of posting one
# entry per transaction. The price is a write-ahead log of up to ~40 MB between them.
SQLITE_CHECKPOINT_PAGES = 10_000
# The execution option that marks a connection's next transaction as a writer.
WRITE_OPTION = "ledgercore_write"


def resolve_database_url(explicit: str | None = None) -> str:
    """The database URL to use: explicit, else the environment, else the local default.

    Args:
        explicit: a URL given on the command line or by the caller (``--db URL``).

    Returns:
        A SQLAlchemy URL string.
    """
    if explicit:
        return explicit
    return os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL


def normalize_url(url: str | URL) -> URL:
    """Read ``postgresql://`` (and ``postgres://``) as psycopg 3; leave others as given."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine(url: str | URL | None = None, **options: Any) -> Engine:
    """An engine for the ledger database, configured for safe concurrent use.

    Args:
        url: the database URL; None resolves it with `resolve_database_url`.
        **options: passed to `sqlalchemy.create_engine`.

    Returns:
        A SQLAlchemy engine. SQLite connections run in WAL mode with foreign keys on,
        a busy timeout and ``synchronous=NORMAL`` (durable across process crashes; a
        power loss may drop the last commits, never corrupt the file), checkpointing
        every `SQLITE_CHECKPOINT_PAGES` pages.
    """
    parsed = normalize_url(url if url is not None else resolve_database_url(None))
    if parsed.get_backend_name() != "sqlite":
        return _create_engine(parsed, **options)
    memory = parsed.database in (None, "", ":memory:")
    if memory:
        # One shared connection, or every checkout would see a different empty database.
        options.setdefault("poolclass", StaticPool)
        options.setdefault("connect_args", {"check_same_thread": False})
    engine = _create_engine(parsed, **options)
    _configure_sqlite(engine, wal=not memory)
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level: we emit BEGIN ourselves (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if wal:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_CHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        writer = connection.get_execution_options().get(WRITE_OPTION, False)
        statement = "BEGIN IMMEDIATE" if writer else "BEGIN"
        # On the driver's connection: SQLAlchemy's statement machinery costs more than
        # the BEGIN itself, once per transaction (a tenth of a one-entry post). Its
        # errors (a writer that waited past the busy timeout) surface as SQLAlchemy's,
        # as they would have through it: the unit of work reads those.
        error = connection.dialect.loaded_dbapi.Error
        try:
            connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                statement)
        except error as exc:
            raise DBAPIError.instance(statement, None, exc, error,
                                      dialect=connection.dialect) from exc
