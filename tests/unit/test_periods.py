"""Parsing bounds and building periods: the edge cases, spelled out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ledgercore.domain import EndSemantics, LedgerError, Period, parse_bound, parse_instant

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-06-30", date(2024, 6, 30)),
    ("2024-02-29", date(2024, 2, 29)),
    (" 2024-06-30 ", date(2024, 6, 30)),
    ("2024-06-30T12:00:00Z", datetime(2024, 6, 30, 12, tzinfo=UTC)),
    ("2024-06-30T12:00:00.250+05:45",
     datetime(2024, 6, 30, 12, 0, 0, 250000, tzinfo=timezone(timedelta(hours=5, minutes=45)))),
])
def test_parse_bound_reads_dates_and_offset_datetimes(text: str, expected: date) -> None:
    value = parse_bound(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize("text", [
    "2024-02-30",           # impossible day
    "2023-02-29",           # not a leap year
    "2024-13-01",
    "2024-06-31T00:00:00Z",
    "30/06/2024",
    "yesterday",
    "",
])
def test_impossible_or_malformed_dates_are_invalid_date(text: str) -> None:
    with pytest.raises(LedgerError) as caught:
        parse_bound(text, path="$.query.start_date")
    assert caught.value.code == "invalid_date"
    assert caught.value.path == "$.query.start_date"
    assert caught.value.value == text


@pytest.mark.parametrize("text", ["2024-06-30T12:00:00", "2024-06-30T00:00", "20240630"])
def test_a_datetime_without_offset_is_invalid_date(text: str) -> None:
    with pytest.raises(LedgerError) as caught:
        parse_bound(text)
    assert (caught.value.code, caught.value.path) == ("invalid_date", "$")


def test_parse_instant_wants_a_datetime() -> None:
    assert parse_instant("2024-01-01T00:00:00Z") == datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(LedgerError) as caught:
        parse_instant("2024-01-01", path="$.entry_at")
    assert (caught.value.code, caught.value.path) == ("invalid_date", "$.entry_at")


def test_layer_and_alpaca_end_semantics() -> None:
    # Alpaca JIT balances: dates, both inclusive. Layer balances: exclusive date-time end.
    alpaca = Period.of(date(2024, 1, 1), date(2024, 1, 31), end_semantics=EndSemantics.INCLUSIVE)
    layer = Period.of(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC))
    assert alpaca == layer == Period(datetime(2024, 1, 1, tzinfo=UTC),
                                     datetime(2024, 2, 1, tzinfo=UTC))
    assert alpaca.contains(datetime(2024, 1, 31, 23, 59, 59, 999999, tzinfo=UTC))
    assert not alpaca.contains(datetime(2024, 2, 1, tzinfo=UTC))


def test_date_bounds_are_days_in_the_ledger_timezone() -> None:
    period = Period.of(date(2024, 3, 10), date(2024, 3, 10),
                       end_semantics=EndSemantics.INCLUSIVE, tz=NEW_YORK)
    assert period.start == datetime(2024, 3, 10, 5, tzinfo=UTC)
    # The spring-forward day is 23 hours long.
    assert period.end == datetime(2024, 3, 11, 4, tzinfo=UTC)


def test_dst_fold_is_respected_when_everything_shares_one_zone() -> None:
    # 01:30 EST (fold=1) is an hour after 01:30 EDT (fold=0), and 01:40 EDT is before both
    # of the second pass. Same-zone comparisons in Python ignore fold; Period must not.
    edt = datetime(2024, 11, 3, 1, 40, tzinfo=NEW_YORK, fold=0)
    est = datetime(2024, 11, 3, 1, 30, tzinfo=NEW_YORK, fold=1)
    assert Period(start=est).contains(edt) is False
    assert Period(edt, est).contains(edt)
    with pytest.raises(LedgerError):
        Period(est, edt)
    inclusive = Period.of(end=est, end_semantics=EndSemantics.INCLUSIVE)
    assert inclusive.end == datetime(2024, 11, 3, 6, 30, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize("bound", ["2024-01-01", 20240101, datetime(2024, 1, 1)])
def test_bounds_must_be_dates_or_aware_datetimes(bound: object) -> None:
    with pytest.raises(LedgerError) as caught:
        Period.of(start=bound)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == ("invalid_period", "$.start")


def test_open_and_empty_periods() -> None:
    everything = Period()
    assert everything.contains(datetime(1900, 1, 1, tzinfo=UTC))
    assert not everything.before_start(datetime(1900, 1, 1, tzinfo=UTC))
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    empty = Period(moment, moment)
    assert not empty.contains(moment)
    assert empty.before_start(moment - timedelta(microseconds=1))


def test_a_date_whose_midnight_does_not_exist_starts_when_the_day_does() -> None:
    # Santiago springs forward at midnight: 2024-09-08 00:00 never happens locally, the
    # day starts at 01:00 -03:00 (04:00 UTC) and is 23 hours long.
    santiago = ZoneInfo("America/Santiago")
    period = Period.of(date(2024, 9, 8), date(2024, 9, 8),
                       end_semantics=EndSemantics.INCLUSIVE, tz=santiago)
    assert period.start == datetime(2024, 9, 8, 4, tzinfo=UTC)
    assert period.end == datetime(2024, 9, 9, 3, tzinfo=UTC)
    assert not period.contains(datetime(2024, 9, 7, 23, 59, 59, tzinfo=santiago))
