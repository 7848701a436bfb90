"""Statements handed straight to the database driver, for the posting hot path.

Posting one entry is five small statements; through SQLAlchemy's compiled-statement
machinery each costs more in Python than SQLite spends executing it. Here plain SQL
strings (the same text on both engines, only the parameter style differs) go to the
driver: on SQLite to the raw `sqlite3` cursor of the transaction's connection, on
PostgreSQL through `exec_driver_sql`, where psycopg pipelines an executemany. The
transaction is still the caller's SQLAlchemy transaction: same connection, same BEGIN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

_NAMED = re.compile(r":(\w+)")


def in_driver_style(connection: Connection, sql: str) -> str:
    """`sql` written with ``:name`` parameters, in the driver's own style."""
    if connection.dialect.name == "sqlite":
        return sql  # sqlite3 takes :name with mapping parameters
    return _NAMED.sub(r"%(\1)s", sql)


def insert_sql(connection: Connection, table: str, columns: Sequence[str]) -> str:
    """A plain INSERT of `columns` into `table`, in the driver's parameter style."""
    names = ", ".join(columns)
    values = ", ".join(f":{name}" for name in columns)
    return in_driver_style(connection, f"INSERT INTO {table} ({names}) VALUES ({values})")


def execute_many(connection: Connection, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run `sql` (``:name`` style) once per row, in one driver call."""
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()
        return
    connection.exec_driver_sql(in_driver_style(connection, sql), list(rows))


def insert_rows(connection: Connection, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows (all with the same keys) into `table`."""
    if rows:
        names = list(rows[0])
        execute_many(connection, f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                                 f"({', '.join(':' + name for name in names)})", rows)


def insert_keyed(connection: Connection, table: str,
                 rows: Sequence[Mapping[str, Any]]) -> list[int] | None:
    """On SQLite, insert rows one statement each and return their new keys in order.

    Returns None on other engines (the caller uses a multi-row INSERT ... RETURNING).
    A statement per row is cheap in-process, and `lastrowid` costs nothing.
    """
    if connection.dialect.name != "sqlite" or not rows:
        return None
    sql = insert_sql(connection, table, list(rows[0]))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        keys = []
        for row in rows:
            cursor.execute(sql, row)
            keys.append(cursor.lastrowid)
        return keys
    finally:
        cursor.close()


def fetch_all(connection: Connection, sql: str,
              parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Rows of a query (``:name`` style) as plain tuples."""
    if connection.dialect.name == "sqlite":
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            return list(cursor.execute(sql, parameters).fetchall())
        finally:
            cursor.close()
    return [tuple(row) for row in connection.exec_driver_sql(
        in_driver_style(connection, sql), dict(parameters))]
