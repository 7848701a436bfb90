"""Instants as integers: microseconds since the Unix epoch, UTC.

The store keeps every instant as a BIGINT of microseconds, the resolution of Python's
`datetime`: exact, the same on SQLite and PostgreSQL, and compared as integers. This
module converts both ways and cuts the time line into the UTC calendar buckets (year,
month, day) that period totals are kept in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ledgercore.domain.errors import InvalidDate

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
MICROS_PER_DAY = 86_400_000_000


def to_micros(instant: datetime) -> int:
    """An aware datetime as microseconds since the epoch (exact).

    Raises:
        InvalidDate: `instant` is naive.
    """
    if instant.utcoffset() is None:
        raise InvalidDate(f"{instant.isoformat()} has no timezone", value=instant.isoformat())
    return (instant - EPOCH) // _MICROSECOND


def from_micros(micros: int) -> datetime:
    """Microseconds since the epoch as an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=micros)


def day_start(micros: int) -> int:
    """Start of the UTC day holding `micros`."""
    return micros - micros % MICROS_PER_DAY


def month_start(micros: int) -> int:
    """Start of the UTC month holding `micros`."""
    day = from_micros(micros)
    return to_micros(datetime(day.year, day.month, 1, tzinfo=UTC))


def year_start(micros: int) -> int:
    """Start of the UTC year holding `micros`."""
    return to_micros(datetime(from_micros(micros).year, 1, 1, tzinfo=UTC))


def bucket_starts(micros: int) -> tuple[int, int, int]:
    """The (year, month, day) bucket starts holding `micros`."""
    day = from_micros(micros)
    return (to_micros(datetime(day.year, 1, 1, tzinfo=UTC)),
            to_micros(datetime(day.year, day.month, 1, tzinfo=UTC)),
            micros - micros % MICROS_PER_DAY)
