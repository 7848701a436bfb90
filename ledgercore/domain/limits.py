"""The limits of what a ledger can hold: amounts, running totals, text and instants.

The store keeps every amount and every running total (a period total, the sum of an
account's lines in a UTC year, month or day) in a signed 64-bit integer, BIGINT, whose
largest value is 2^63 - 1 (about 9.22 x 10^18). A sum that passes it is not an error a
database reports the same way twice: SQLite silently turns the total into a float (and
every later figure is wrong), PostgreSQL fails the write. So the domain bounds what it
accepts, and the store bounds what it keeps:

- a line item's amount is at most `MAX_AMOUNT` (10^17 minor units: a quadrillion US
  dollars, or a hundred million shares at 9 decimals);
- an entry's debits (and so its credits) in one commodity add up to at most
  `MAX_ENTRY_AMOUNT` (10^18);
- a running total the store keeps is at most `MAX_TOTAL` (4 x 10^18) either way: the
  store refuses a write that would carry one past it (``total_limit``). As each write's
  increment to a total is at most `MAX_TOTAL` too, ``old + increment`` is at most
  8 x 10^18 and never overflows while the database computes it.

Text the store keeps has a column of a fixed length and must be text every engine
stores: no NUL character (PostgreSQL refuses it) and no lone surrogate (it has no UTF-8
form). Instants must lie between the first and the last microsecond a `datetime` can
express in UTC. Every check here refuses with a `LedgerError`, never a crash.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from ledgercore.domain.errors import InvalidDate, LedgerError

BIGINT_MAX = 2**63 - 1
MAX_AMOUNT = 10**17
MAX_ENTRY_AMOUNT = 10**18
MAX_TOTAL = 4 * 10**18
# Decimal text longer than this is refused before it is converted: no amount within the
# limits needs more characters, and converting a 50 MB digit run would take minutes.
MAX_AMOUNT_TEXT = 64

# The widths of the store's text columns (ids, names of kinds, codes).
MAX_ID_LENGTH = 200
MAX_ENTRY_TYPE_LENGTH = 64
MAX_ACCOUNT_NUMBER_LENGTH = 64
MAX_LINES_PER_ENTRY = 32_767  # a line's position is a SMALLINT

FIRST_INSTANT = datetime.min.replace(tzinfo=UTC)
LAST_INSTANT = datetime.max.replace(tzinfo=UTC)
# A provider's calendar date becomes instants in the ledger's timezone (up to 14 hours
# either side of UTC), the day after it (an inclusive end) and the day before it (a JIT
# ledger's opening balance): two days' margin keeps all of them within the instants.
FIRST_DATE = date(1, 1, 3)
LAST_DATE = date(9999, 12, 29)

Day = TypeVar("Day", bound=date)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str, limit: int | None = None) -> str | None:
    """Why `value` cannot be stored as text (None when it can).

    Args:
        value: the text.
        limit: the most characters its column holds (None: unbounded text).
    """
    if limit is not None and len(value) > limit:
        return f"is {len(value)} characters long; at most {limit} are kept"
    if value.isascii():
        return None if "\x00" not in value else "contains a NUL character"
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character"
    return (f"contains a lone surrogate (U+{ord(found.group()):04X}), which is not a "
            f"character and has no UTF-8 form")


def storable(value: str, limit: int | None) -> bool:
    """Whether `value` can be stored as text in a column of `limit` characters (fast)."""
    if limit is not None and len(value) > limit:
        return False
    if value.isascii():
        return "\x00" not in value
    return _UNSTORABLE.search(value) is None


def check_text(value: Any, what: str, error: type[LedgerError], *, limit: int | None,
               path: str | None = None, **details: Any) -> None:
    """Refuse `value` with `error` if it is a string that cannot be stored.

    Args:
        value: the field's value (non-strings are left to the caller's own checks).
        what: the field, for the message (``"entry e1: memo"``).
        error: the `LedgerError` class to raise.
        limit: the most characters the field's column holds (None: unbounded).
        path: the JSON path of the field.
        details: structured context for the error.
    """
    if not isinstance(value, str) or storable(value, limit):
        return
    problem = text_problem(value, limit)
    raise error(f"{what} {problem}", path=path, **details)


def check_instant(value: datetime, what: str, *, path: str | None = None,
                  **details: Any) -> datetime:
    """`value` in UTC, or `InvalidDate` if UTC cannot express it (year 0 or 10000).

    ``9999-12-31T23:59:59-14:00`` is a valid RFC 3339 time whose UTC instant lies in the
    year 10000: no `datetime`, and no ledger, can hold it.
    """
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise InvalidDate(
            f"{what} {value.isoformat()} lies outside the instants a ledger can hold "
            f"({FIRST_INSTANT.isoformat()} to {LAST_INSTANT.isoformat()} in UTC)",
            path=path, value=value.isoformat(), **details) from None


def shift(value: Day, by: timedelta, what: str, *, path: str | None = None) -> Day:
    """`value + by`, or `InvalidDate` when that passes the last (or first) instant."""
    try:
        return value + by
    except OverflowError:
        raise InvalidDate(
            f"{what} {value.isoformat()} is at the edge of the instants a ledger can hold "
            f"({FIRST_INSTANT.isoformat()} to {LAST_INSTANT.isoformat()} in UTC); leave the "
            f"bound out for an open range", path=path, value=value.isoformat()) from None
