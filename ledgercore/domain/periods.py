"""Periods: date ranges with explicit end semantics, normalised to half-open instants.

Providers disagree on what an end date means (Layer balances: exclusive date-time;
Layer entries and Alpaca JIT balances: inclusive). A `Period` is built from what the
caller states — date or datetime bounds, inclusive or exclusive end, the ledger's
timezone for dates, open bounds — and holds one normal form: ``[start, end)`` in
timezone-aware instants. An inclusive date end ``d`` becomes midnight of ``d + 1 day``;
an inclusive datetime end ``t`` becomes ``t + 1 microsecond``, the resolution of
instants, so an entry exactly at ``t`` is inside. Bounds are held in UTC. Nothing
downstream branches on semantics again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from ledgercore.domain.errors import InvalidDate, InvalidPeriod
from ledgercore.domain.limits import check_instant, shift

RESOLUTION = timedelta(microseconds=1)
Bound = date | datetime | None


class EndSemantics(StrEnum):
    INCLUSIVE = "INCLUSIVE"
    EXCLUSIVE = "EXCLUSIVE"


@dataclass(frozen=True, slots=True)
class Period:
    """The half-open interval ``[start, end)`` of instants; None is an open bound."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, datetime)
                                      or value.utcoffset() is None):
                raise InvalidPeriod(f"period {name} must be a timezone-aware datetime",
                                    path=f"$.{name}")
            # Two datetimes sharing one zoneinfo tz compare by wall clock, ignoring `fold`,
            # so inside a DST fall-back hour 01:40 EDT would sort after 01:30 EST. Holding
            # the bounds in UTC makes every comparison below one between real instants.
            if value is not None:
                object.__setattr__(self, name, check_instant(value, f"period {name}",
                                                             path=f"$.{name}"))
        if self.start is not None and self.end is not None and self.start > self.end:
            raise InvalidPeriod(f"period starts at {self.start.isoformat()} after it ends "
                                f"at {self.end.isoformat()}")

    @classmethod
    def of(cls, start: Bound = None, end: Bound = None, *,
           end_semantics: EndSemantics = EndSemantics.EXCLUSIVE,
           tz: tzinfo = UTC) -> Period:
        """Build a period from stated bounds.

        Args:
            start: inclusive start, a date (midnight in `tz`) or an aware datetime.
            end: end bound, read with `end_semantics`.
            end_semantics: whether `end` itself belongs to the period.
            tz: the ledger's timezone, used for date bounds only.

        Raises:
            InvalidPeriod: naive datetime, or start after end.
            InvalidDate: a bound outside the instants a ledger can hold (an inclusive end
                of 9999-12-31 would end in the year 10000).
        """
        inclusive = end_semantics is EndSemantics.INCLUSIVE
        return cls(_instant(start, tz, after=False, name="start"),
                   _instant(end, tz, after=inclusive, name="end"))

    def contains(self, instant: datetime) -> bool:
        return ((self.start is None or instant >= self.start)
                and (self.end is None or instant < self.end))

    def before_start(self, instant: datetime) -> bool:
        """Whether `instant` counts toward the starting balance."""
        return self.start is not None and instant < self.start

    def by_end(self, instant: datetime) -> bool:
        """Whether `instant` counts toward the ending balance."""
        return self.end is None or instant < self.end


def _instant(bound: Bound, tz: tzinfo, *, after: bool, name: str) -> datetime | None:
    if bound is None:
        return None
    if isinstance(bound, datetime):
        if bound.utcoffset() is None:
            raise InvalidPeriod(f"{name} {bound.isoformat()} has no timezone; give an offset "
                                f"such as Z or +00:00", path=f"$.{name}")
        # Add in UTC: wall-clock arithmetic in a zoneinfo tz is not instant arithmetic.
        instant = check_instant(bound, name, path=f"$.{name}")
        return shift(instant, RESOLUTION, f"inclusive {name}", path=f"$.{name}") if after \
            else instant
    if isinstance(bound, date):
        day = shift(bound, timedelta(days=1), f"inclusive {name}",
                    path=f"$.{name}") if after else bound
        return check_instant(datetime.combine(day, time(), tzinfo=tz), name,
                             path=f"$.{name}")
    raise InvalidPeriod(f"{name} must be a date or datetime, got {type(bound).__name__}",
                        path=f"$.{name}")


def parse_bound(text: str, *, path: str = "$") -> date | datetime:
    """Parse a date (``2024-06-30``) or an RFC 3339 date-time with an offset.

    Raises:
        InvalidDate: neither form, an impossible date, or a date-time without offset.
    """
    value = text.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidDate(f"{text!r} is not a date (YYYY-MM-DD) or an RFC 3339 date-time "
                          f"(YYYY-MM-DDTHH:MM:SSZ)", path=path, value=text) from None
    if parsed.utcoffset() is None:
        raise InvalidDate(f"date-time {text!r} has no timezone offset; add Z or +HH:MM",
                          path=path, value=text)
    return parsed


def parse_instant(text: str, *, path: str = "$") -> datetime:
    """Parse an RFC 3339 date-time with an offset (a provider's timestamp)."""
    value = parse_bound(text, path=path)
    if not isinstance(value, datetime):
        raise InvalidDate(f"{text!r} is a date; a date-time with offset is required",
                          path=path, value=text)
    return value
