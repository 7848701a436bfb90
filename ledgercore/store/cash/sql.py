"""Plain SQL for the cash-basis projection: reads by key lists, cash lines and their totals.

The projection runs inside every posting transaction that touches a clearing account, so
its statements go straight to the driver (`ledgercore.store.driver`) instead of through
SQLAlchemy's compiled statements, whose Python cost is larger than the database's work
for the small reads a single posting makes. A list of keys is one bound value whatever
its length: a PostgreSQL array (``= ANY(...)``), or on SQLite a JSON array read by
``json_each``, so a statement's text (and the driver's prepared-statement cache) does
not change with the number of keys. The cash lines of the projected entries and the
period totals they add to are written here too: one insert and one upsert per write (a
load gathers its increments and writes each bucket once, at its end: `totals`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ledgercore.store import driver
from ledgercore.store.driver import insert_sql, insert_tuples
from ledgercore.store.instants import MICROS_PER_DAY
from ledgercore.store.schema import cash_period_totals
from ledgercore.store.totals import DaySums, PendingTotals, add_deltas, day_deltas

CASH_PERIOD_TOTALS = cash_period_totals.name

WITHDRAWN, VIEW = -1, 1
_NAMED = re.compile(r":(\w+)")

# A cash line as inserted: the columns of `LINE_COLUMNS`, in order.
LINE_COLUMNS = ("entry_id", "sign", "position", "ledger_id", "account_id", "commodity_id",
                "amount", "direction", "effect", "entry_at", "external_id")
# What a cash line adds to the period totals: (account key, commodity key, entry_at
# micros, effect, line count: +1 for a view line written, -1 for a withdrawn one or a
# view line deleted, with its effect negated).
Increment = tuple[int, int, int, int, int]


class Db:
    """The posting transaction's driver connection, as the projection's statements use it.

    Taken once per write: statements go to the driver connection directly (no cursor
    set-up per statement), with ``:name`` (mappings) or ``?`` (tuples) parameters in the
    text, translated for psycopg. Driver errors surface as SQLAlchemy's, as `driver` does.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.postgres = self.dialect == "postgresql"
        self.raw: Any = connection.connection.dbapi_connection
        self._error = connection.dialect.loaded_dbapi.Error

    def members(self, name: str, column: str) -> str:
        """SQL testing `column` against the key list bound as `name` (see `keys`)."""
        return driver.members(self.dialect, name, column)

    def keys(self, values: Iterable[Any]) -> Any:
        """A list of keys as one bound value for `members`."""
        return driver.list_value(self.dialect, values)

    def rows(self, sql: str, parameters: Mapping[str, Any]) -> list[Any]:
        """The rows of a ``:name``-style query, as driver tuples."""
        try:
            if self.postgres:
                with self.raw.cursor() as cursor:
                    cursor.execute(_named(sql), parameters)
                    return list(cursor.fetchall())
            return list(self.raw.execute(sql, parameters).fetchall())
        except self._error as exc:
            raise self._translated(sql, exc) from exc

    def execute(self, sql: str, parameters: Mapping[str, Any]) -> None:
        """Run one ``:name``-style statement."""
        try:
            if self.postgres:
                with self.raw.cursor() as cursor:
                    cursor.execute(_named(sql), parameters)
            else:
                self.raw.execute(sql, parameters)
        except self._error as exc:
            raise self._translated(sql, exc) from exc

    def many(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Run a ``?``-style statement once per row (nothing for no rows)."""
        if not rows:
            return
        try:
            if self.postgres:
                with self.raw.cursor() as cursor:
                    cursor.executemany(_positional(sql), rows)
            elif len(rows) == 1:
                self.raw.execute(sql, rows[0])
            else:
                self.raw.executemany(sql, rows)
        except self._error as exc:
            raise self._translated(sql, exc) from exc

    def insert(self, table: str, columns: tuple[str, ...],
               rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert positional rows (a large batch as `insert_tuples` writes it)."""
        if len(rows) >= (driver.COPY_MIN_ROWS if self.postgres else driver.ROWS_PER_INSERT):
            insert_tuples(self.connection, table, columns, rows)
        else:
            self.many(insert_sql(table, columns), rows)

    def _translated(self, sql: str, exc: Exception) -> Exception:
        return DBAPIError.instance(sql, None, exc, self._error,
                                   dialect=self.connection.dialect)


@lru_cache(maxsize=128)
def _named(sql: str) -> str:
    return _NAMED.sub(r"%(\1)s", sql)


@lru_cache(maxsize=128)
def _positional(sql: str) -> str:
    return sql.replace("?", "%s")


def insert_lines(db: Db, lines: Sequence[tuple[Any, ...]]) -> None:
    """Insert cash lines (tuples in `LINE_COLUMNS` order)."""
    db.insert("cash_lines", LINE_COLUMNS, lines)


def add_totals(db: Db, ledger_id: int, lines: Iterable[tuple[Any, ...]],
               removed: Iterable[Increment] = (), pending: PendingTotals | None = None,
               ) -> None:
    """Add cash lines to the cash period totals (see `ledgercore.store.totals`).

    Args:
        db: the write's connection.
        ledger_id: the ledger.
        lines: cash lines inserted (`LINE_COLUMNS` tuples; each counts as its sign).
        removed: what deleted lines take away (effects negated, count -1 each).
        pending: where a long write gathers its increments (None writes them now).
    """
    days: DaySums = {} if pending is None else pending.days_for(CASH_PERIOD_TOTALS)
    day_length = MICROS_PER_DAY
    for line in lines:  # the hot loop of a bulk write: columns by position
        at = line[9]
        key = (at - at % day_length, line[4], line[5])
        slot = days.get(key)
        if slot is None:
            days[key] = [line[8], line[1]]
        else:
            slot[0] += line[8]
            slot[1] += line[1]
    for account, commodity, at, effect, count in removed:
        key = (at - at % day_length, account, commodity)
        slot = days.setdefault(key, [0, 0])
        slot[0] += effect
        slot[1] += count
    if pending is not None:
        pending.written_if_full(db.connection)
    else:
        add_deltas(db.connection, ledger_id, day_deltas(days), CASH_PERIOD_TOTALS)
