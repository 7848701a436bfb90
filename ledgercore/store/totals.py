"""Period totals: per-account sums kept by UTC year, month and day, for fast balances.

A balance is a prefix sum: everything an account saw before an instant ``t``. Summing
raw line items costs time proportional to the lines; here the time line before ``t`` is
cut into whole UTC years, then whole months of ``t``'s year, then whole days of ``t``'s
month, then the raw lines of ``t``'s own day, so the cost grows with the number of
accounts and calendar units, not with the number of lines. The totals are written in the
same transaction as the lines they sum (an upsert that adds), so they are never stale;
`rebuild` recomputes them from the lines, and the differential tests prove
``bucketed == raw``. Each bucket also counts its lines, so an account whose lines net to
zero still appears in a report, as it does in the domain's computation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, delete, func, literal, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select

from ledgercore.store.driver import driver_cursor, execute_many
from ledgercore.store.instants import MICROS_PER_DAY, bucket_starts
from ledgercore.store.schema import DAY, MONTH, YEAR, line_items, period_totals

# (account key, commodity key) -> (sum of effects, number of lines)
Sums = dict[tuple[int, int], tuple[int, int]]
# A period-total increment: (granularity, bucket start, account key, commodity key,
# sum of effects, number of lines).
Delta = tuple[str, int, int, int, int, int]


def bucket_deltas(lines: Iterable[tuple[int, int, int, int]]) -> list[Delta]:
    """The period-total increments for new lines, in a stable (lock) order.

    Args:
        lines: ``(account key, commodity key, entry_at micros, effect)`` per line.

    Returns:
        One increment per touched (granularity, bucket, account, commodity).
    """
    # One dict pass over the lines, by day; months and years are sums of their days.
    days: dict[tuple[int, int, int], list[int]] = {}
    day = MICROS_PER_DAY
    for account, commodity, at, effect in lines:
        key = (at - at % day, account, commodity)
        slot = days.get(key)
        if slot is None:
            days[key] = [effect, 1]
        else:
            slot[0] += effect
            slot[1] += 1
    coarser: dict[tuple[str, int, int, int], list[int]] = defaultdict(lambda: [0, 0])
    starts_of: dict[int, tuple[int, int, int]] = {}
    out: list[Delta] = []
    for (day, account, commodity), (total, count) in days.items():
        starts = starts_of.get(day)
        if starts is None:
            starts = starts_of[day] = bucket_starts(day)
        out.append((DAY, day, account, commodity, total, count))
        for granularity, start in ((YEAR, starts[0]), (MONTH, starts[1])):
            slot = coarser[(granularity, start, account, commodity)]
            slot[0] += total
            slot[1] += count
    out.extend((*key, total, count) for key, (total, count) in coarser.items())
    # Sorted so concurrent writers take row locks in the same order (no deadlocks).
    out.sort()
    return out


def add_deltas(connection: Connection, ledger_id: int, deltas: Sequence[Delta]) -> None:
    """Add increments to the period totals (insert, or add to an existing bucket)."""
    if not deltas:
        return
    if connection.dialect.name == "postgresql":
        # One statement for the batch: the rows arrive as arrays and are unnested.
        columns = list(zip(*deltas, strict=True))
        with driver_cursor(connection, _UPSERT_ARRAYS) as cursor:
            cursor.execute(_UPSERT_ARRAYS, (
                [ledger_id] * len(deltas), list(columns[0]), list(columns[1]),
                list(columns[2]), list(columns[3]), list(columns[4]), list(columns[5])))
        return
    execute_many(connection, _UPSERT, [(ledger_id, *delta) for delta in deltas])


_ON_CONFLICT = (
    "ON CONFLICT (ledger_id, granularity, bucket_start, account_id, commodity_id) "
    "DO UPDATE SET total = period_totals.total + excluded.total, "
    "lines = period_totals.lines + excluded.lines")
_UPSERT = (
    "INSERT INTO period_totals (ledger_id, granularity, bucket_start, account_id, "
    "commodity_id, total, lines) VALUES (?, ?, ?, ?, ?, ?, ?) " + _ON_CONFLICT)
_UPSERT_ARRAYS = (
    "INSERT INTO period_totals (ledger_id, granularity, bucket_start, account_id, "
    "commodity_id, total, lines) SELECT * FROM unnest(%s::integer[], %s::varchar[], "
    "%s::bigint[], %s::integer[], %s::integer[], %s::bigint[], %s::bigint[]) " + _ON_CONFLICT)


def rebuild(connection: Connection, ledger_id: int) -> None:
    """Recompute a ledger's period totals from its line items."""
    connection.execute(delete(period_totals).where(period_totals.c.ledger_id == ledger_id))
    per_line = connection.execute(
        select(line_items.c.account_id, line_items.c.commodity_id, line_items.c.entry_at,
               line_items.c.effect).where(line_items.c.ledger_id == ledger_id))
    add_deltas(connection, ledger_id, bucket_deltas(
        (a, c, at, e) for a, c, at, e in per_line))


# Where prefix sums are read: a bucket table, its line table, and what one line counts.
# Accrual reads the line items; cash basis adds its cash lines, counted by their sign
# (a withdrawn accrual line cancels the line it withdraws).
Source = tuple[Any, Any, Any]
ACCRUAL: tuple[Source, ...] = ((period_totals, line_items, literal(1)),)


def prefix_sums(connection: Connection, ledger_id: int, instants: Sequence[int | None],
                account_keys: Sequence[int] | None = None,
                sources: tuple[Source, ...] = ACCRUAL) -> list[Sums]:
    """For each instant, every account's sum and line count strictly before it.

    Args:
        connection: an open connection.
        ledger_id: the ledger.
        instants: microsecond instants; None means after everything.
        account_keys: restrict to these accounts (default: all).
        sources: the bucket and line tables to add up (one query over all of them).

    Returns:
        One `Sums` per instant, in order; accounts without lines are absent.
    """
    distinct = sorted(set(instants), key=lambda t: (t is None, t or 0))
    parts: list[Select[Any]] = []
    for label, instant in enumerate(distinct):
        for totals, lines, count in sources:
            parts.extend(_prefix_parts(totals, lines, count, ledger_id, label, instant,
                                       account_keys))
    union = union_all(*parts).subquery()
    query = select(union.c.label, union.c.account_id, union.c.commodity_id,
                   func.sum(union.c.total), func.sum(union.c.lines)).group_by(
        union.c.label, union.c.account_id, union.c.commodity_id)
    found: list[Sums] = [{} for _ in distinct]
    for label, account, commodity, total, count in connection.execute(query):
        found[label][(account, commodity)] = (int(total), int(count))
    return [found[distinct.index(instant)] for instant in instants]


def _prefix_parts(totals: Any, lines: Any, count: Any, ledger_id: int, label: int,
                  instant: int | None, account_keys: Sequence[int] | None) -> list[Select[Any]]:
    t = totals.c

    def buckets(granularity: str, low: int | None, high: int | None) -> Select[Any]:
        where = [t.ledger_id == ledger_id, t.granularity == granularity]
        if low is not None:
            where.append(t.bucket_start >= low)
        if high is not None:
            where.append(t.bucket_start < high)
        if account_keys is not None:
            where.append(t.account_id.in_(account_keys))
        return select(literal(label).label("label"), t.account_id, t.commodity_id,
                      t.total.label("total"), t.lines.label("lines")).where(and_(*where))

    if instant is None:
        return [buckets(YEAR, None, None)]
    year, month, day = bucket_starts(instant)
    raw_where = [lines.c.ledger_id == ledger_id, lines.c.entry_at >= day,
                 lines.c.entry_at < instant]
    if account_keys is not None:
        raw_where.append(lines.c.account_id.in_(account_keys))
    raw = select(literal(label).label("label"), lines.c.account_id, lines.c.commodity_id,
                 lines.c.effect.label("total"), count.label("lines")).where(and_(*raw_where))
    return [buckets(YEAR, None, year), buckets(MONTH, year, month),
            buckets(DAY, month, day), raw]
