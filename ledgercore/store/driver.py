"""Statements handed straight to the database driver, for the posting paths and reports.

Posting one entry is a handful of small statements, and an import writes hundreds of
thousands of rows; through SQLAlchemy's compiled-statement machinery each costs more in
Python than the database spends executing it. Here plain SQL strings go to the driver
with positional tuples: on SQLite to the raw `sqlite3` cursor of the transaction's
connection (hundreds of rows per ``INSERT ... VALUES`` statement), on PostgreSQL to the
psycopg 3 cursor, where a large batch of rows is streamed with ``COPY ... FROM STDIN``
and a small one is pipelined by ``executemany``. The transaction is still the caller's
SQLAlchemy transaction: same connection, same BEGIN, same rollback. Row keys of new
entries are reserved up front (the SQLite writer holds the write lock; PostgreSQL draws
them from the sequence), so every table is written in bulk without reading keys back
row by row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

_NAMED = re.compile(r":(\w+)")
# sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, without importing sqlite3 into PostgreSQL processes.
_SQLITE_LIMIT_VARIABLE_NUMBER = 9
# Below this many rows a pipelined executemany beats setting up a COPY.
COPY_MIN_ROWS = 64
# Rows per SQLite INSERT statement: one statement of many rows keeps its table and index
# cursors open from row to row, where executemany runs the statement afresh per row (an
# import's rows in a fifth to a quarter less time, its period totals in a third of it).
ROWS_PER_INSERT = 500


def in_driver_style(connection: Connection, sql: str) -> str:
    """`sql` written with ``:name`` parameters, in the driver's own style."""
    return _in_style(connection.dialect.name, sql)


@lru_cache(maxsize=256)
def _in_style(dialect: str, sql: str) -> str:
    # sqlite3 takes :name with mapping parameters; psycopg wants %(name)s.
    return sql if dialect == "sqlite" else _NAMED.sub(r"%(\1)s", sql)


def members(dialect: str, name: str, column: str) -> str:
    """SQL testing `column` against the list bound as `name` (see `list_value`).

    A list is one bound value whatever its length, so a statement's text (and the
    driver's prepared-statement cache) does not change with it: a PostgreSQL array, or
    on SQLite a JSON array read by ``json_each``.
    """
    if dialect == "postgresql":
        return f"{column} = ANY(:{name})"
    return f"{column} IN (SELECT value FROM json_each(:{name}))"


def list_value(dialect: str, values: Iterable[Any]) -> Any:
    """A list of keys or ids as the one bound value `members` tests against."""
    values = list(values)
    if dialect == "postgresql":
        return values
    if all(type(value) is int for value in values):  # row keys: no escaping to do
        return f"[{','.join(map(str, values))}]"
    return json.dumps(values)


def dbapi_cursor(connection: Connection) -> Any:
    """A cursor of the driver connection under the caller's transaction."""
    return connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]


@contextmanager
def driver_cursor(connection: Connection, sql: str) -> Iterator[Any]:
    """A driver cursor whose errors surface as SQLAlchemy's (`IntegrityError`, ...).

    The unit of work retries a lost unique-key race by catching SQLAlchemy's exception
    classes, so a driver error must be translated as SQLAlchemy itself would.
    """
    dbapi_error = connection.dialect.loaded_dbapi.Error
    cursor = dbapi_cursor(connection)
    try:
        yield cursor
    except dbapi_error as exc:
        raise DBAPIError.instance(sql, None, exc, dbapi_error,
                                  dialect=connection.dialect) from exc
    finally:
        cursor.close()


def execute_many(connection: Connection, sql: str, rows: Sequence[Any]) -> None:
    """Run `sql` once per row, in one driver call.

    Args:
        connection: the caller's connection, inside its transaction.
        sql: with ``:name`` parameters when rows are mappings, ``?`` when they are tuples.
        rows: mappings or tuples, all alike.
    """
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        sql = _NAMED.sub(r"%(\1)s", sql) if isinstance(rows[0], Mapping) else (
            sql.replace("?", "%s"))
    with driver_cursor(connection, sql) as cursor:
        cursor.executemany(sql, rows)


def insert_rows(connection: Connection, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows (mappings, all with the same keys) into `table`."""
    if rows:
        names = list(rows[0])
        execute_many(connection, f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                                 f"({', '.join(':' + name for name in names)})", rows)


def insert_tuples(connection: Connection, table: str, columns: Sequence[str],
                  rows: Sequence[tuple[Any, ...]], *, on_conflict: str = "") -> None:
    """Insert positional rows into `table` (COPY for a large batch on PostgreSQL).

    Args:
        on_conflict: an ``ON CONFLICT ...`` clause for every row (then no COPY).
    """
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        if not on_conflict and len(rows) >= COPY_MIN_ROWS:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with driver_cursor(connection, sql) as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        execute_many(connection, insert_sql(table, tuple(columns), 1, on_conflict), rows)
        return
    one = insert_sql(table, tuple(columns), 1, on_conflict)
    with driver_cursor(connection, one) as cursor:
        limit = cursor.connection.getlimit(_SQLITE_LIMIT_VARIABLE_NUMBER)
        per = max(1, min(ROWS_PER_INSERT, limit // len(columns)))
        whole = len(rows) - len(rows) % per if per > 1 else 0
        if whole:
            many = insert_sql(table, tuple(columns), per, on_conflict)
            for start in range(0, whole, per):
                cursor.execute(many, tuple(chain.from_iterable(rows[start:start + per])))
        # The rest one statement per row: a statement text per remainder length would
        # crowd the driver's statement cache.
        if whole < len(rows):
            cursor.executemany(one, rows[whole:])


def insert_one(connection: Connection, table: str, columns: Sequence[str],
               row: tuple[Any, ...]) -> int:
    """Insert one row whose first column, the integer key ``id``, is None; its new key.

    One statement where reserving the key first (`reserve_keys`) would be two: on
    SQLite a NULL ``INTEGER PRIMARY KEY`` takes the next row number; on PostgreSQL the
    column's default takes its sequence's next value, returned.
    """
    if connection.dialect.name == "sqlite":
        sql = insert_sql(table, tuple(columns))
        with driver_cursor(connection, sql) as cursor:
            cursor.execute(sql, row)
            return int(cursor.lastrowid)
    sql = _insert_returning(table, tuple(columns[1:]))
    with driver_cursor(connection, sql) as cursor:
        cursor.execute(sql, row[1:])
        return int(cursor.fetchone()[0])


@lru_cache(maxsize=16)
def _insert_returning(table: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
            f"({', '.join('%s' for _ in columns)}) RETURNING id")


@lru_cache(maxsize=64)
def insert_sql(table: str, columns: tuple[str, ...], rows: int = 1,
               on_conflict: str = "") -> str:
    """``INSERT`` of `rows` rows of ``?`` parameters into `columns` of `table`."""
    values = f"({', '.join('?' for _ in columns)})"
    tail = f" {on_conflict}" if on_conflict else ""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([values] * rows)}{tail}"


def reserve_keys(connection: Connection, table: str, count: int) -> list[int]:
    """`count` unused primary keys of `table` (its integer ``id``), for rows about to go in.

    On SQLite the caller's write transaction holds the database's write lock (writers
    begin IMMEDIATE), so nobody else can take the keys after ``max(id)``. On PostgreSQL
    they come from the column's sequence, which never hands a value out twice.
    """
    if count <= 0:
        return []
    with driver_cursor(connection, f"reserve {table} keys") as cursor:
        if connection.dialect.name == "sqlite":
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            top = int(cursor.fetchone()[0])
            return list(range(top + 1, top + 1 + count))
        cursor.execute(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                       f"FROM generate_series(1, %s)", (count,))
        return [int(row[0]) for row in cursor.fetchall()]


def fetch_all(connection: Connection, sql: str,
              parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Rows of a query (``:name`` style) as plain tuples."""
    text = _in_style(connection.dialect.name, sql)
    with driver_cursor(connection, text) as cursor:
        cursor.execute(text, parameters)
        return list(cursor.fetchall())


def analyze(connection: Connection, tables: Sequence[str]) -> None:
    """Refresh PostgreSQL's planner statistics of `tables`, inside the caller's transaction.

    A ledger's rows written in one long transaction (a `load`) are unknown to the
    planner's statistics: it takes the ledger for empty and may answer a lookup by
    external id with a scan of all the ledger's entries instead of the unique index, so
    every batch would cost more than the one before. ANALYZE counts the transaction's own
    rows. ``SKIP_LOCKED``: when another transaction is analysing a table, it is skipped
    rather than waited for. Nothing is done on SQLite, whose planner needs no statistics
    to prefer a unique index.
    """
    if connection.dialect.name != "postgresql":
        return
    sql = f"ANALYZE (SKIP_LOCKED) {', '.join(tables)}"
    with driver_cursor(connection, sql) as cursor:
        cursor.execute(sql)
