"""The bucket runs a direct cash flow reads cover its range of days exactly once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ledgercore.store.cash_flow_sums import bucket_runs
from ledgercore.store.instants import MICROS_PER_DAY, bucket_starts, to_micros
from ledgercore.store.schema import DAY, MONTH, YEAR

# Days far enough apart to cross months and years, near enough to list them all.
EARLIEST, LATEST = date(2018, 11, 1), date(2022, 3, 1)
days = st.integers(0, (LATEST - EARLIEST).days).map(
    lambda n: to_micros(datetime.combine(EARLIEST + timedelta(days=n), datetime.min.time(),
                                         tzinfo=UTC)))
LOW, HIGH = (to_micros(datetime.combine(d, datetime.min.time(), tzinfo=UTC))
             for d in (EARLIEST, LATEST))


@given(first=st.one_of(st.none(), days), last=st.one_of(st.none(), days))
def test_runs_cover_each_day_of_the_range_once(first: int | None, last: int | None) -> None:
    runs = bucket_runs(first, last)
    low = LOW if first is None else first
    high = HIGH if last is None else last
    wanted = set(range(low, high, MICROS_PER_DAY))
    covered: list[int] = []
    for day in range(LOW, HIGH, MICROS_PER_DAY):
        year, month, _ = bucket_starts(day)
        for granularity, start, end in runs:
            bucket = {YEAR: year, MONTH: month, DAY: day}[granularity]
            if (start is None or bucket >= start) and (end is None or bucket < end):
                covered.append(day)
    assert sorted(covered) == sorted(wanted)
    # Days, months, years, months, days: never more than five runs.
    assert len(runs) <= 5
