"""Whether a database already holds ledgercore's books, found out without creating any.

`Ledger.open(..., create=False)` and the command line's read commands must not leave a
trace when they refuse: no SQLite file, no schema, no ledger row. SQLite creates a file
on connecting, and ledgercore's connections switch it to WAL mode (a write), so a SQLite
file is first inspected read-only with the `sqlite3` module before any engine touches it;
a server database is inspected through the connection, which creates nothing.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote, unquote

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from ledgercore.config import normalize_url
from ledgercore.store.errors import DatabaseNotFound, NotALedgerDatabase, SchemaOutOfDate

UPGRADE_HINT = "run `ledgercore db upgrade` (or open it with Ledger.open(..., create=True))"
# Tables every ledgercore schema has had since its first revision.
_OWN_TABLES = frozenset({"alembic_version", "ledgers", "journal_entries"})


def require_sqlite_file(url: str) -> None:
    """Refuse a SQLite URL whose file is missing, not SQLite, or not ledgercore's.

    Other URLs (a server, an in-memory SQLite database) pass: see `require_schema`.

    Raises:
        DatabaseNotFound: the file does not exist.
        NotALedgerDatabase: the file is not a SQLite database, or holds other tables.
        SchemaOutOfDate: the file is an empty SQLite database (never migrated).
    """
    path = sqlite_file(url)
    if path is None:
        return
    if not path.is_file():
        raise DatabaseNotFound(f"there is no database file at {path}; a command that reads "
                               f"creates none: check --db (or $LEDGERCORE_DATABASE_URL), or "
                               f"create the books with `ledgercore db upgrade` or an import",
                               database=str(path))
    try:
        with closing(sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro",
                                     uri=True)) as connection:
            tables = {name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise NotALedgerDatabase(f"{path} is not a ledgercore database: it is not a SQLite "
                                 f"database ({exc})", database=str(path)) from None
    _judge(tables, str(path))


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, or None (a server, an in-memory database)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    database = parsed.database
    if parsed.query.get("uri") == "true":
        # A SQLite URI (`sqlite:///file:books.db?mode=ro&uri=true`): the path is its body.
        if not database.startswith("file:") or "mode=memory" in str(parsed):
            return None
        database = unquote(database.removeprefix("file:").split("?", 1)[0])
        if database in ("", ":memory:"):
            return None
    return Path(database)


def require_schema(connection: Connection, revision: str | None, where: str) -> None:
    """Refuse a database without ledgercore's schema (`revision` None: never migrated).

    Raises:
        NotALedgerDatabase: it holds tables that are not ledgercore's.
        SchemaOutOfDate: it holds no tables at all.
    """
    if revision is None:
        _judge(set(inspect(connection).get_table_names()), where)


def _judge(tables: set[str], where: str) -> None:
    if not tables - {"alembic_version"}:  # new, or downgraded to base
        raise SchemaOutOfDate(f"the database at {where} holds no ledgercore schema yet (it was "
                              f"never migrated): {UPGRADE_HINT}", revision=None)
    if not tables >= _OWN_TABLES:
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise NotALedgerDatabase(f"the database at {where} is not a ledgercore database: it "
                                 f"holds other tables ({shown}) and no ledgercore schema; "
                                 f"check --db (or $LEDGERCORE_DATABASE_URL), or, to keep "
                                 f"the books beside those tables, run `ledgercore db "
                                 f"upgrade`", database=where)
