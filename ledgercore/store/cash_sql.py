"""Plain SQL for the cash-basis projection: reads by key lists, cash lines and their totals.

The projection runs inside every posting transaction that touches a clearing account, so
its statements go straight to the driver (`ledgercore.store.driver`) instead of through
SQLAlchemy's compiled statements, whose Python cost is larger than the database's work
for the small reads a single posting makes. A list of keys is one bound value whatever
its length: a PostgreSQL array (``= ANY(...)``), or on SQLite a JSON array read by
``json_each``, so a statement's text (and the driver's prepared-statement cache) does
not change with the number of keys. The cash lines of the projected entries and the
period totals they add to are written here too: one insert and one upsert per write.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Connection

from ledgercore.store.driver import driver_cursor, execute_many, insert_tuples
from ledgercore.store.instants import MICROS_PER_DAY, bucket_starts
from ledgercore.store.schema import DAY, MONTH, YEAR

WITHDRAWN, VIEW = -1, 1
_NAMED = re.compile(r":(\w+)")

# A cash line as inserted: the columns of `LINE_COLUMNS`, in order.
LINE_COLUMNS = ("entry_id", "sign", "position", "ledger_id", "account_id", "commodity_id",
                "amount", "direction", "effect", "entry_at", "external_id")
# What a cash line adds to the period totals: (account key, commodity key, entry_at
# micros, effect, line count: +1 for a view line written, -1 for a withdrawn one or a
# view line deleted, with its effect negated).
Increment = tuple[int, int, int, int, int]


def members(connection: Connection, name: str, column: str) -> str:
    """SQL testing `column` against the key list bound as `name` (see `keys_param`)."""
    if connection.dialect.name == "postgresql":
        return f"{column} = ANY(:{name})"
    return f"{column} IN (SELECT value FROM json_each(:{name}))"


def keys_param(connection: Connection, keys: Iterable[Any]) -> Any:
    """A list of keys as one bound value for `members`."""
    values = list(keys)
    return values if connection.dialect.name == "postgresql" else json.dumps(values)


@lru_cache(maxsize=128)
def _in_style(dialect: str, sql: str) -> str:
    return sql if dialect == "sqlite" else _NAMED.sub(r"%(\1)s", sql)


def rows(connection: Connection, sql: str, parameters: Mapping[str, Any]) -> list[Any]:
    """The rows of a ``:name``-style query, as driver tuples."""
    text = _in_style(connection.dialect.name, sql)
    with driver_cursor(connection, text) as cursor:
        cursor.execute(text, parameters)
        return list(cursor.fetchall())


def execute(connection: Connection, sql: str, parameters: Mapping[str, Any]) -> None:
    """Run one ``:name``-style statement."""
    text = _in_style(connection.dialect.name, sql)
    with driver_cursor(connection, text) as cursor:
        cursor.execute(text, parameters)


def insert_lines(connection: Connection, lines: Sequence[tuple[Any, ...]]) -> None:
    """Insert cash lines (tuples in `LINE_COLUMNS` order)."""
    insert_tuples(connection, "cash_lines", LINE_COLUMNS, lines)


def increments(lines: Iterable[tuple[Any, ...]]) -> Iterator[Increment]:
    """What inserted cash lines (`LINE_COLUMNS` tuples) add to the totals."""
    for line in lines:
        yield line[4], line[5], line[9], line[8], line[1]


# The bucket starts of a day: a pure function, kept for the days recently written.
_starts = lru_cache(maxsize=4096)(bucket_starts)


def add_totals(connection: Connection, ledger_id: int,
               changes: Iterable[Increment]) -> None:
    """Add increments to the cash period totals: by day first, then months and years."""
    days: dict[tuple[int, int, int], list[int]] = {}
    for account, commodity, at, effect, count in changes:
        key = (at - at % MICROS_PER_DAY, account, commodity)
        slot = days.get(key)
        if slot is None:
            days[key] = [effect, count]
        else:
            slot[0] += effect
            slot[1] += count
    buckets: dict[tuple[str, int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    for (day, account, commodity), (total, count) in days.items():
        starts = _starts(day)
        for granularity, start in ((YEAR, starts[0]), (MONTH, starts[1]), (DAY, day)):
            slot = buckets[(granularity, start, account, commodity)]
            slot[0] += total
            slot[1] += count
    # Sorted so concurrent writers take row locks in the same order (no deadlocks).
    deltas = sorted((*key, total, count) for key, (total, count) in buckets.items()
                    if total or count)
    if not deltas:
        return
    if connection.dialect.name == "postgresql" and len(deltas) > 1:
        columns = list(zip(*deltas, strict=True))
        with driver_cursor(connection, _UPSERT_ARRAYS) as cursor:
            cursor.execute(_UPSERT_ARRAYS, ([ledger_id] * len(deltas),
                                            *(list(column) for column in columns)))
        return
    execute_many(connection, _UPSERT, [(ledger_id, *delta) for delta in deltas])


_ON_CONFLICT = (
    "ON CONFLICT (ledger_id, granularity, bucket_start, account_id, commodity_id) "
    "DO UPDATE SET total = cash_period_totals.total + excluded.total, "
    "lines = cash_period_totals.lines + excluded.lines")
_UPSERT = (
    "INSERT INTO cash_period_totals (ledger_id, granularity, bucket_start, account_id, "
    "commodity_id, total, lines) VALUES (?, ?, ?, ?, ?, ?, ?) " + _ON_CONFLICT)
_UPSERT_ARRAYS = (
    "INSERT INTO cash_period_totals (ledger_id, granularity, bucket_start, account_id, "
    "commodity_id, total, lines) SELECT * FROM unnest(%s::integer[], %s::varchar[], "
    "%s::bigint[], %s::integer[], %s::integer[], %s::bigint[], %s::bigint[]) "
    + _ON_CONFLICT)
