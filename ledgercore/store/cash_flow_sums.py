"""The direct cash flow's sums over a range: kept buckets, or the lines themselves.

A report over ``[start, end)`` with no entry filter (`kept_sums`) reads the fewest whole
buckets of ``cash_flow_totals`` between the UTC days of its bounds (`bucket_runs`: a
year's report reads one bucket per account) and, as a balance does for a bound inside a
day, the raw lines of the edge days, with the ``GROUP BY`` a filtered report runs over the
whole period (`grouped_sums`). So its cost grows with the accounts and calendar units, not
with the period's lines. What the totals hold, and how they are kept:
`ledgercore.store.cash_flow_totals`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, select, union_all
from sqlalchemy.engine import Connection

from ledgercore.domain.balances import EntryFilter
from ledgercore.store.cash_flow_totals import CASH_FLOW_TOTALS, FlowSums, cash_keys
from ledgercore.store.catalog import Catalog
from ledgercore.store.driver import fetch_all
from ledgercore.store.filters import filter_conditions, needs_entry_columns
from ledgercore.store.instants import (
    MICROS_PER_DAY,
    bucket_starts,
    day_start,
    month_start,
    year_start,
)
from ledgercore.store.schema import DAY, MONTH, YEAR, cash_lines, journal_entries, line_items


def kept_sums(connection: Connection, catalog: Catalog, start: int | None,
              end: int | None) -> FlowSums:
    """The direct flows' sums over ``[start, end)`` (microseconds; None: open) from the
    kept totals and the raw lines of the edge days."""
    if start is not None and end is not None and start >= end:
        return {}
    cash = cash_keys(catalog)
    if not cash:
        return {}
    first = None if start is None else day_start(start)
    last = None if end is None else day_start(end)
    out = _bucket_sums(connection, catalog.ledger_id, first, last)
    # The edge days' lines: those before the end added, those before the start taken out.
    no_filter = EntryFilter()
    for bound, day, sign in ((end, last, 1), (start, first, -1)):
        if bound is None or day is None or bound == day:
            continue
        for key, total in grouped_sums(connection, catalog, cash, day, bound,
                                       no_filter).items():
            out[key] = out.get(key, 0) + sign * total
    return out


def _next_month(instant: int) -> int:
    return month_start(month_start(instant) + 32 * MICROS_PER_DAY)


def _next_year(instant: int) -> int:
    return year_start(year_start(instant) + 366 * MICROS_PER_DAY)


# A run of buckets of one granularity: (granularity, first start, end; None: open).
Run = tuple[str, int | None, int | None]


def bucket_runs(first: int | None, last: int | None) -> list[Run]:
    """The fewest whole buckets covering ``[first, last)`` (UTC day starts; None: open):
    days up to a month, months up to a year, whole years, then months and days again.

    Read as a range, not as the difference of two prefix sums: a year's report reads
    each account's one year bucket, not every year before both of its bounds.
    """
    if first is not None and last is not None and first >= last:
        return []
    if first is None:  # everything before `last`, as a prefix sum reads it
        if last is None:
            return [(YEAR, None, None)]
        year, month, _ = bucket_starts(last)
        return [(YEAR, None, year), *((MONTH, year, month),) * (year < month),
                *((DAY, month, last),) * (month < last)]
    runs: list[Run] = []
    at = first
    month = at if at == month_start(at) else _next_month(at)
    if last is not None and month >= last:
        return [(DAY, at, last)]
    if at < month:
        runs.append((DAY, at, month))
        at = month
    year = at if at == year_start(at) else _next_year(at)
    if last is None or year <= last:
        if at < year:
            runs.append((MONTH, at, year))
            at = year
        if last is None:
            return [*runs, (YEAR, at, None)]
        last_year = year_start(last)
        if at < last_year:
            runs.append((YEAR, at, last_year))
            at = last_year
    last_month = month_start(last)
    if at < last_month:
        runs.append((MONTH, at, last_month))
        at = last_month
    if at < last:
        runs.append((DAY, at, last))
    return runs


def _bucket_sums(connection: Connection, ledger_id: int, first: int | None,
                 last: int | None) -> FlowSums:
    """Each counter-account's kept sum over the whole buckets of ``[first, last)``."""
    parts: list[str] = []
    parameters: dict[str, Any] = {"ledger": ledger_id}
    for label, (granularity, low, high) in enumerate(bucket_runs(first, last)):
        where = [f"granularity = '{granularity}'"]
        if low is not None:
            where.append(f"bucket_start >= :low{label}")
            parameters[f"low{label}"] = low
        if high is not None:
            where.append(f"bucket_start < :high{label}")
            parameters[f"high{label}"] = high
        parts.append(f"SELECT account_id, commodity_id, total FROM {CASH_FLOW_TOTALS} "
                     f"WHERE ledger_id = :ledger AND {' AND '.join(where)}")
    if not parts:
        return {}
    # Summed in Python: several years of totals (each within MAX_TOTAL) may add up past
    # what SQLite's sum() accepts; the rows are one per account and run (a few hundred).
    out: FlowSums = {}
    for account, commodity, total in fetch_all(connection, " UNION ALL ".join(parts),
                                               parameters):
        key = (account, commodity)
        out[key] = out.get(key, 0) + int(total)
    return out


def grouped_sums(connection: Connection, catalog: Catalog, cash: Sequence[int],
                 start: int | None, end: int | None, entry_filter: EntryFilter) -> FlowSums:
    """The direct flows' sums over ``[start, end)`` by one ``GROUP BY`` over the lines of
    the range's entries that moved cash and `entry_filter` accepts (any filter)."""
    if not cash:
        return {}
    li, cl = line_items.c, cash_lines.c

    def in_range(column: Any) -> list[Any]:
        where = []
        if start is not None:
            where.append(column >= start)
        if end is not None:
            where.append(column < end)
        return where

    moved_where = [li.ledger_id == catalog.ledger_id, li.account_id.in_(cash),
                   *in_range(li.entry_at), *filter_conditions(entry_filter, li.entry_id,
                                                              li.entry_at)]
    moved: Any = select(li.entry_id).where(and_(*moved_where))
    if needs_entry_columns(entry_filter):
        moved = moved.join_from(line_items, journal_entries,
                                journal_entries.c.id == li.entry_id)
    moved = moved.distinct()
    parts = union_all(
        select(li.account_id.label("account"), li.commodity_id.label("commodity"),
               li.effect.label("effect")).where(and_(
            li.ledger_id == catalog.ledger_id, *in_range(li.entry_at),
            li.account_id.not_in(cash), li.entry_id.in_(moved))),
        select(cl.account_id, cl.commodity_id, cl.effect).where(and_(
            cl.ledger_id == catalog.ledger_id, *in_range(cl.entry_at),
            cl.account_id.not_in(cash), cl.entry_id.in_(moved)))).subquery()
    rows = connection.execute(select(parts.c.account, parts.c.commodity,
                                     func.sum(parts.c.effect))
                              .group_by(parts.c.account, parts.c.commodity)).all()
    return {(account, commodity): int(total) for account, commodity, total in rows}
