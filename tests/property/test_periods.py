"""Properties of periods: one half-open normal form that honours the stated semantics."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ledgercore.domain import EndSemantics, LedgerError, Period
from tests.property.strategies import PeriodSpec, days, instants, period_specs, timezones

MICROSECOND = timedelta(microseconds=1)


def utc(instant: datetime) -> datetime:
    """Arithmetic and comparisons in UTC: in one zoneinfo zone Python works by wall clock,
    drops `fold` on addition and ignores it when comparing."""
    return instant.astimezone(UTC)


def stated_contains(spec: PeriodSpec, instant: datetime) -> bool:
    """What the caller meant, read straight from the stated bounds (the oracle)."""
    local = spec.local_day(instant)
    inclusive = spec.end_semantics is EndSemantics.INCLUSIVE
    if isinstance(spec.start, datetime):
        after_start = utc(instant) >= utc(spec.start)
    elif isinstance(spec.start, date):
        after_start = local >= spec.start
    else:
        after_start = True
    if isinstance(spec.end, datetime):
        before_end = utc(instant) <= utc(spec.end) if inclusive else utc(instant) < utc(spec.end)
    elif isinstance(spec.end, date):
        before_end = local <= spec.end if inclusive else local < spec.end
    else:
        before_end = True
    return after_start and before_end


@given(spec=period_specs(), data=st.data())
def test_contains_agrees_with_the_stated_bounds_and_semantics(
        spec: PeriodSpec, data: st.DataObject) -> None:
    period = spec.build()
    edges = [b for b in (period.start, period.end) if b is not None]
    near = [e + k * MICROSECOND for e in edges for k in (-1, 0, 1)]
    instant = data.draw(st.one_of(instants(), st.sampled_from(near))) if near \
        else data.draw(instants())
    assert period.contains(instant) == stated_contains(spec, instant)
    assert period.contains(instant) == (not period.before_start(instant)
                                        and period.by_end(instant))


@given(spec=period_specs())
def test_the_normal_form_is_utc_half_open_and_idempotent(spec: PeriodSpec) -> None:
    period = spec.build()
    for bound in (period.start, period.end):
        assert bound is None or bound.utcoffset() == timedelta(0)
    assert Period(period.start, period.end) == period
    if period.start is not None:
        assert period.contains(period.start) == (period.end is None or period.end > period.start)
    if period.end is not None:
        assert not period.contains(period.end)


@given(first=instants(), second=instants())
def test_a_start_after_the_end_is_refused(first: datetime, second: datetime) -> None:
    assume(first != second)
    early, late = sorted((utc(first), utc(second)))
    assert Period(early, late).start == early
    with pytest.raises(LedgerError) as caught:
        Period(late, early)
    assert caught.value.code == "invalid_period"
    with pytest.raises(LedgerError) as caught:
        Period.of(late, early)
    assert caught.value.code == "invalid_period"


@given(start=st.one_of(st.none(), days(), instants()), end=days(), tz=timezones())
def test_inclusive_date_end_equals_exclusive_next_day(
        start: date | datetime | None, end: date, tz: tzinfo) -> None:
    try:
        inclusive = Period.of(start, end, end_semantics=EndSemantics.INCLUSIVE, tz=tz)
    except LedgerError as error:
        assert error.code == "invalid_period"
        return
    exclusive = Period.of(start, end + timedelta(days=1), tz=tz)
    assert inclusive == exclusive


@given(moment=instants(), start=st.one_of(st.none(), instants()))
def test_an_inclusive_datetime_end_holds_the_instant_and_an_exclusive_one_does_not(
        moment: datetime, start: datetime | None) -> None:
    assume(start is None or utc(start) < utc(moment))
    # Bounds go in as drawn (folds and all); the neighbours are computed in UTC.
    inclusive = Period.of(start, moment, end_semantics=EndSemantics.INCLUSIVE)
    exclusive = Period.of(start, moment, end_semantics=EndSemantics.EXCLUSIVE)
    assert inclusive.contains(moment) and not exclusive.contains(moment)
    just_before, just_after = utc(moment) - MICROSECOND, utc(moment) + MICROSECOND
    assert exclusive.contains(just_before) == (start is None or just_before >= utc(start))
    assert not inclusive.contains(just_after)


@given(day=days(), tz=timezones())
def test_a_date_bound_is_the_whole_local_day_in_the_ledger_timezone(
        day: date, tz: tzinfo) -> None:
    period = Period.of(day, day, end_semantics=EndSemantics.INCLUSIVE, tz=tz)
    assert period.start is not None and period.end is not None
    # Compared as UTC instants: a local midnight inside a DST gap (Santiago, 2022-09-11)
    # never equals a datetime of another zone (PEP 495), though it names the same instant.
    assert period.start == datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
    first, last = period.start, period.end - MICROSECOND
    assert first.astimezone(tz).date() == day == last.astimezone(tz).date()
    assert (first - MICROSECOND).astimezone(tz).date() < day < period.end.astimezone(tz).date()
    # A local day is 24 hours give or take a DST shift (Lord Howe shifts by 30 minutes).
    assert timedelta(hours=22) <= period.end - period.start <= timedelta(hours=26)


@given(moment=instants(), which=st.sampled_from(["start", "end"]))
def test_a_naive_datetime_bound_is_refused(moment: datetime, which: str) -> None:
    naive = moment.replace(tzinfo=None)
    with pytest.raises(LedgerError) as caught:
        Period.of(**{which: naive})  # type: ignore[arg-type]
    assert caught.value.code == "invalid_period"
    assert caught.value.path == f"$.{which}"
