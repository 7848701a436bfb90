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

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from itertools import pairwise
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from ledgercore.domain.limits import MAX_TOTAL
from ledgercore.store.driver import (
    driver_cursor,
    fetch_all,
    insert_tuples,
    list_value,
    members,
)
from ledgercore.store.errors import TotalLimit
from ledgercore.store.instants import MICROS_PER_DAY, bucket_starts
from ledgercore.store.schema import DAY, MONTH, YEAR, line_items, period_totals

PERIOD_TOTALS = period_totals.name

# (account key, commodity key) -> (sum of effects, number of lines)
Sums = dict[tuple[int, int], tuple[int, int]]
# A period-total increment: (granularity, bucket start, account key, commodity key,
# sum of effects, number of lines).
Delta = tuple[str, int, int, int, int, int]
# New lines summed by UTC day: (day start, account key, commodity key) -> [sum, lines].
DaySums = dict[tuple[int, int, int], list[int]]


def add_line(days: DaySums, day: int, account: int, commodity: int, effect: int,
             lines: int = 1) -> None:
    """Count `lines` lines (one; -1 takes one back) of total effect `effect` on `day` (a
    UTC day start) into `days`."""
    key = (day, account, commodity)
    slot = days.get(key)
    if slot is None:
        days[key] = [effect, lines]
    else:
        slot[0] += effect
        slot[1] += lines


def bucket_deltas(lines: Iterable[tuple[int, int, int, int]]) -> list[Delta]:
    """The period-total increments for new lines, in a stable (lock) order.

    Args:
        lines: ``(account key, commodity key, entry_at micros, effect)`` per line.

    Returns:
        One increment per touched (granularity, bucket, account, commodity).
    """
    days: DaySums = {}
    day_length = MICROS_PER_DAY
    for account, commodity, at, effect in lines:
        add_line(days, at - at % day_length, account, commodity, effect)
    return day_deltas(days)


def day_deltas(days: DaySums) -> list[Delta]:
    """The increments of lines summed by day: the days, and their months and years."""
    # Months are sums of days, years of months (fewer keys than days).
    months = _coarser(days, _month_of)
    years = _coarser(months, _year_of)
    # Increments that add nothing (cash lines withdrawn and added back) are left out.
    out: list[Delta] = [(granularity, *key, total, count)
                        for granularity, sums in ((DAY, days), (MONTH, months), (YEAR, years))
                        for key, (total, count) in sums.items() if total or count]
    # Sorted so concurrent writers take row locks in the same order (no deadlocks).
    out.sort()
    return out


# Calendar arithmetic on datetimes costs more than the rest of a one-entry post's
# totals; the days and months a process sees are few, so their starts are remembered.
@lru_cache(maxsize=8192)
def _month_of(day: int) -> int:
    return bucket_starts(day)[1]


@lru_cache(maxsize=1024)
def _year_of(month: int) -> int:
    return bucket_starts(month)[0]


def _coarser(sums: DaySums, start_of: Callable[[int], int]) -> DaySums:
    """`sums` by (bucket start, account, commodity) added up into coarser buckets."""
    out: DaySums = {}
    for (start, account, commodity), (total, count) in sums.items():
        key = (start_of(start), account, commodity)
        slot = out.get(key)
        if slot is None:
            out[key] = [total, count]
        else:
            slot[0] += total
            slot[1] += count
    return out


def add_deltas(connection: Connection, ledger_id: int, deltas: Sequence[Delta],
               table: str = PERIOD_TOTALS) -> None:
    """Add increments to a bucket table (insert, or add to an existing bucket).

    Args:
        connection: the write's connection.
        ledger_id: the ledger.
        deltas: the increments.
        table: ``period_totals`` (accrual), ``cash_period_totals`` (the cash lines') or
            ``cash_flow_totals`` (the direct cash flow's).
    """
    if not deltas:
        return
    check_deltas(deltas, table)
    with _within_limit(table):
        if connection.dialect.name == "postgresql":
            # One statement for the batch: the rows arrive as arrays and are unnested.
            columns = list(zip(*deltas, strict=True))
            sql = _sql(table, _UPSERT_ARRAYS)
            with driver_cursor(connection, sql) as cursor:
                cursor.execute(sql, (
                    [ledger_id] * len(deltas), list(columns[0]), list(columns[1]),
                    list(columns[2]), list(columns[3]), list(columns[4]), list(columns[5])))
            return
        insert_tuples(connection, table, _COLUMNS, [(ledger_id, *delta) for delta in deltas],
                      on_conflict=_sql(table, _ON_CONFLICT))


def check_deltas(deltas: Sequence[Delta], table: str = PERIOD_TOTALS) -> None:
    """Refuse increments past `MAX_TOTAL` before the database sees them.

    With every stored total and every increment within `MAX_TOTAL`, the sum the database
    computes (``total + increment``) stays within 2 x `MAX_TOTAL` < 2^63 - 1: it never
    overflows, and the statement's own guard (`_GUARDED`) refuses a result past the limit.
    """
    for delta in deltas:
        if not -MAX_TOTAL <= delta[4] <= MAX_TOTAL:
            raise _limit_error(table)


# What each kept total sums, for a refusal a person can act on.
_SUMMED = {PERIOD_TOTALS: "an account's balance",
           "cash_period_totals": "an account's cash-basis adjustment",
           "cash_flow_totals": "the cash an account brought in or took out (the direct "
                               "cash flow's totals)"}


def _limit_error(table: str) -> TotalLimit:
    return TotalLimit(
        f"this write would carry a running total of {_SUMMED.get(table, table)} past "
        f"{MAX_TOTAL} minor units, the most a ledger keeps in one UTC year, month or day "
        f"(so that no stored sum can overflow a 64-bit integer); nothing was written",
        limit=MAX_TOTAL, table=table)


@contextmanager
def _within_limit(table: str) -> Iterator[None]:
    """A bucket update the guard refused (a NULL total) as `TotalLimit`.

    The upserts add only to existing rows, on unique keys they name, so the only
    constraint they can break is the guard's NOT NULL (and, where the schema has it, the
    check that a total is an integer).
    """
    try:
        yield
    except (IntegrityError, DataError) as exc:
        if "total" not in str(exc.orig) and "out of range" not in str(exc.orig):
            raise
        raise _limit_error(table) from exc


# How many day buckets a load holds per bucket table before writing (tens of MB at most).
PENDING_DAYS = 100_000


class PendingTotals:
    """Bucket increments of a long write (`Ledger.load`), added up before writing.

    A load's batches touch the same months and years again and again; summed here they
    are written once per bucket of each table when the load ends (or when this many day
    buckets are held, so memory stays bounded whatever the file size). Nothing reads
    the bucket tables inside the load's transaction before then.
    """

    def __init__(self, ledger_id: int, limit: int | None = None) -> None:
        self.ledger_id = ledger_id
        self.days: dict[str, DaySums] = {}  # by table
        self._limit = PENDING_DAYS if limit is None else limit

    def days_for(self, table: str = PERIOD_TOTALS) -> DaySums:
        """The day sums held for `table`: a write adds its lines here directly."""
        held = self.days.get(table)
        if held is None:
            held = self.days[table] = {}
        return held

    def written_if_full(self, connection: Connection) -> None:
        """Write everything held once a table holds the limit's day buckets."""
        if any(len(held) >= self._limit for held in self.days.values()):
            self.flush(connection)

    def forget(self, tables: Iterable[str]) -> None:
        """Drop what is held for `tables`: they were just rebuilt from every stored line,
        the lines these increments count included."""
        for table in tables:
            self.days.pop(table, None)

    def flush(self, connection: Connection) -> None:
        """Write the held increments (see `write_deltas`) and forget them."""
        held, self.days = self.days, {}
        # In the order `post` writes them (row locks taken in one order by every writer).
        for table in sorted(held, key=_write_order):
            write_deltas(connection, self.ledger_id, day_deltas(held[table]), table)


# Accrual, then the cash lines', then the cash flow's (`cash_flow_totals`): the order of
# a post (its lines, its cash projection, then what both add to the cash flow).
_WRITE_ORDER = (PERIOD_TOTALS, "cash_period_totals", "cash_flow_totals")


def _write_order(table: str) -> tuple[int, str]:
    return (_WRITE_ORDER.index(table) if table in _WRITE_ORDER else len(_WRITE_ORDER), table)


def write_deltas(connection: Connection, ledger_id: int, deltas: Sequence[Delta],
                 table: str = PERIOD_TOTALS) -> None:
    """Add many increments to `table` at once: on PostgreSQL, new buckets by COPY.

    An upsert row costs PostgreSQL several times a COPY row, and most buckets of an
    import are new. So the ledger's existing buckets in the increments' time range are
    read first; those are updated, the others copied in. The COPY runs under a
    savepoint: if a concurrent writer created one of the buckets since the read (a
    unique-key violation), it is undone and those increments go through the upsert.
    SQLite (one writer at a time, and an upsert costs it no more than an insert) takes
    the upsert.
    """
    if not deltas:
        return
    if connection.dialect.name != "postgresql":
        add_deltas(connection, ledger_id, deltas, table)
        return
    check_deltas(deltas, table)
    existing: set[tuple[str, int, int, int]] = set()
    for granularity in (YEAR, MONTH, DAY):
        starts = [d[1] for d in deltas if d[0] == granularity]
        if starts:
            existing.update(fetch_all(connection, _sql(table, _EXISTING), {
                "ledger": ledger_id, "granularity": granularity,
                "low": min(starts), "high": max(starts)}))
    old = [d for d in deltas if d[:4] in existing]
    new = [(ledger_id, *d) for d in deltas if d[:4] not in existing]
    if old:
        columns = list(zip(*old, strict=True))
        sql = _sql(table, _ADD_ARRAYS)
        with _within_limit(table), driver_cursor(connection, sql) as cursor:
            cursor.execute(sql, (*(list(column) for column in columns), ledger_id))
    if new:
        try:
            with connection.begin_nested():
                insert_tuples(connection, table, _COLUMNS, new)
        except IntegrityError:
            add_deltas(connection, ledger_id, [row[1:] for row in new], table)


_COLUMNS = ("ledger_id", "granularity", "bucket_start", "account_id", "commodity_id",
            "total", "lines")
# Statements on either bucket table: `{table}` is filled in by `_sql`.
_EXISTING = ("SELECT granularity, bucket_start, account_id, commodity_id FROM {table} "
             "WHERE ledger_id = :ledger AND granularity = :granularity "
             "AND bucket_start >= :low AND bucket_start <= :high")
# A sum past MAX_TOTAL becomes NULL, which the NOT NULL column refuses: the database
# never keeps it (SQLite would otherwise keep an overflowing sum as a float).
_GUARDED = (f"CASE WHEN abs({{old}} + {{new}}) <= {MAX_TOTAL} THEN {{old}} + {{new}} END")
_ADD_ARRAYS = (
    "UPDATE {table} AS p SET total = "
    + _GUARDED.format(old="p.total", new="d.total") + ", lines = p.lines + d.lines "
    "FROM unnest(%s::varchar[], %s::bigint[], %s::integer[], %s::integer[], %s::bigint[], "
    "%s::bigint[]) AS d(granularity, bucket_start, account_id, commodity_id, total, lines) "
    "WHERE p.ledger_id = %s AND p.granularity = d.granularity "
    "AND p.bucket_start = d.bucket_start AND p.account_id = d.account_id "
    "AND p.commodity_id = d.commodity_id")
_ON_CONFLICT = (
    "ON CONFLICT (ledger_id, granularity, bucket_start, account_id, commodity_id) "
    "DO UPDATE SET total = " + _GUARDED.format(old="{table}.total", new="excluded.total")
    + ", "
    "lines = {table}.lines + excluded.lines")
_UPSERT_ARRAYS = (
    "INSERT INTO {table} (ledger_id, granularity, bucket_start, account_id, "
    "commodity_id, total, lines) SELECT * FROM unnest(%s::integer[], %s::varchar[], "
    "%s::bigint[], %s::integer[], %s::integer[], %s::bigint[], %s::bigint[]) " + _ON_CONFLICT)


@lru_cache(maxsize=16)
def _sql(table: str, template: str) -> str:
    return template.format(table=table)


def rebuild(connection: Connection, ledger_id: int) -> None:
    """Recompute a ledger's period totals from its line items."""
    connection.execute(delete(period_totals).where(period_totals.c.ledger_id == ledger_id))
    per_line = connection.execute(
        select(line_items.c.account_id, line_items.c.commodity_id, line_items.c.entry_at,
               line_items.c.effect).where(line_items.c.ledger_id == ledger_id))
    write_deltas(connection, ledger_id, bucket_deltas(
        (a, c, at, e) for a, c, at, e in per_line))


# Where prefix sums are read: a bucket table, its line table, and what one line counts
# (SQL). Accrual reads the line items; cash basis adds its cash lines, counted by their
# sign (a withdrawn accrual line cancels the line it withdraws).
Source = tuple[str, str, str]
ACCRUAL: tuple[Source, ...] = ((PERIOD_TOTALS, line_items.name, "1"),)


def prefix_sums(connection: Connection, ledger_id: int, instants: Sequence[int | None],
                account_keys: Sequence[int] | None = None,
                sources: tuple[Source, ...] = ACCRUAL) -> list[Sums]:
    """For each instant, every account's sum and line count strictly before it.

    One query, written as SQL text once per shape (which calendar units each instant
    cuts) and handed to the driver: built through SQLAlchemy's expression language, the
    statement of a year report cost several times what the database spends answering it.

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
    parameters: dict[str, Any] = {"ledger": ledger_id}
    cuts: list[tuple[bool, ...]] = []
    for label, instant in enumerate(distinct):
        if instant is None:
            cuts.append(())
            continue
        bounds = (*bucket_starts(instant), instant)  # year, month, day starts; instant
        for name, bound in zip(("y", "m", "d", "t"), bounds, strict=True):
            parameters[f"{name}{label}"] = bound
        # Which of the year's months, the month's days and the day's lines lie before it.
        cuts.append(tuple(low < high for low, high in pairwise(bounds)))
    dialect = connection.dialect.name
    if account_keys is not None:
        parameters["keys"] = list_value(dialect, account_keys)
    sql = _prefix_sql(dialect, sources, tuple(cuts), account_keys is not None)
    found: list[Sums] = [{} for _ in distinct]
    try:
        rows = fetch_all(connection, sql, parameters)
    except OperationalError as exc:
        # SQLite's sum() refuses a sum past 2^63 - 1 (kept totals are within MAX_TOTAL,
        # but several years of them may add up past it): add the parts in Python instead,
        # exactly, as PostgreSQL's NUMERIC sum does.
        if "integer overflow" not in str(exc.orig):
            raise
        rows = _added(fetch_all(connection, _prefix_sql(
            dialect, sources, tuple(cuts), account_keys is not None, summed=False),
            parameters))
    for label, account, commodity, total, count in rows:
        found[label][(account, commodity)] = (int(total), int(count))
    return [found[distinct.index(instant)] for instant in instants]


def _added(parts: Iterable[tuple[Any, ...]]) -> list[tuple[int, int, int, int, int]]:
    """The rows of `_prefix_sql` added up by (label, account, commodity) in Python."""
    sums: dict[tuple[int, int, int], list[int]] = {}
    for label, account, commodity, total, count in parts:
        slot = sums.setdefault((label, account, commodity), [0, 0])
        slot[0] += int(total)
        slot[1] += int(count)
    return [(*key, total, count) for key, (total, count) in sums.items()]


@lru_cache(maxsize=256)
def _prefix_sql(dialect: str, sources: tuple[Source, ...], cuts: tuple[tuple[bool, ...], ...],
                by_account: bool, *, summed: bool = True) -> str:
    """The SQL of `prefix_sums` for one shape: per instant, () when it is "after
    everything", else whether its year has whole months before it, its month whole days
    and its day lines (a part that would read an empty range is left out)."""
    accounts = f" AND {members(dialect, 'keys', 'account_id')}" if by_account else ""
    parts: list[str] = []
    for label, cut in enumerate(cuts):
        for bucket_table, line_table, count in sources:
            head = (f"SELECT {label} AS label, account_id, commodity_id, total, lines "
                    f"FROM {bucket_table} WHERE ledger_id = :ledger AND granularity = ")
            if not cut:
                parts.append(f"{head}'{YEAR}'{accounts}")
                continue
            parts.append(f"{head}'{YEAR}' AND bucket_start < :y{label}{accounts}")
            months, days, lines = cut
            if months:
                parts.append(f"{head}'{MONTH}' AND bucket_start >= :y{label} "
                             f"AND bucket_start < :m{label}{accounts}")
            if days:
                parts.append(f"{head}'{DAY}' AND bucket_start >= :m{label} "
                             f"AND bucket_start < :d{label}{accounts}")
            if lines:
                parts.append(f"SELECT {label}, account_id, commodity_id, effect, {count} "
                             f"FROM {line_table} WHERE ledger_id = :ledger AND entry_at >= "
                             f":d{label} AND entry_at < :t{label}{accounts}")
    if not summed:  # the parts themselves, for `_added`
        return " UNION ALL ".join(parts)
    return ("SELECT label, account_id, commodity_id, sum(total), sum(lines) FROM ("
            + " UNION ALL ".join(parts) + ") AS parts GROUP BY label, account_id, commodity_id")
