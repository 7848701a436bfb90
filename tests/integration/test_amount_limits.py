"""Amounts at the limits: the store sums exactly or refuses, never overflows (both engines).

The review's case: 9223372036854775807 (2^63 - 1) per line, added to an existing balance,
overflowed the period-total upsert; SQLite kept the total as a float (balances then off by
hundreds of thousands of units), PostgreSQL failed with ``bigint out of range``. The
limits of domain/limits.py now refuse such a line (``invalid_amount``), and a write that
would carry a kept running total past `MAX_TOTAL` is refused (``total_limit``) with
nothing written. The property: amounts up to `MAX_AMOUNT` sum in the store exactly as
the domain sums them, and the store refuses exactly when a running total would pass.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings, target
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from ledgercore.domain import (
    MAX_AMOUNT,
    MAX_ENTRY_AMOUNT,
    MAX_TOTAL,
    USD,
    Account,
    AccountType,
    Direction,
    JournalEntry,
    LedgerError,
    LineItem,
    Period,
    balances,
)
from ledgercore.domain.entries import prechecked_entry, prechecked_line
from ledgercore.store import Ledger
from tests.integration.conftest import unique_name

CHART = (Account("cash", "Cash", AccountType.ASSET),
         Account("loan", "Loan", AccountType.LIABILITY),
         Account("equity", "Equity", AccountType.EQUITY))
AT = datetime(2024, 1, 31, 12, tzinfo=UTC)


def _entry(entry_id: str, amount: int, lines: int, at: datetime = AT,
           debit: str = "cash", credit: str = "equity") -> JournalEntry:
    """`lines` debit lines of `amount` to `debit`, balanced by credits to `credit`."""
    items = [LineItem(debit, USD, amount, Direction.DEBIT) for _ in range(lines)]
    items += [LineItem(credit, USD, amount, Direction.CREDIT) for _ in range(lines)]
    return JournalEntry(entry_id, at, tuple(items))


def _opened(url: str) -> Ledger:
    book = Ledger.open(url, ledger=unique_name("limits"))
    book.define_accounts(CHART)
    return book


def _stored_totals(url: str, book: Ledger) -> list[tuple[str, object]]:
    """Every kept total with its SQL type: all must be integers."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    kind = "typeof(total)" if url.startswith("sqlite") else "pg_typeof(total)::text"
    try:
        with engine.connect() as connection:
            return [(row[0], row[1]) for row in connection.execute(text(
                f"SELECT {kind}, total FROM period_totals WHERE ledger_id = :ledger"),
                {"ledger": book._catalog.ledger_id})]
    finally:
        engine.dispose()


def test_a_line_past_the_limit_is_refused_by_the_domain() -> None:
    for amount in (MAX_AMOUNT + 1, 2**63 - 1, 2**63, 10**30, 10**5000):
        with pytest.raises(LedgerError) as caught:
            LineItem("cash", USD, amount, Direction.DEBIT)
        assert caught.value.code == "invalid_amount"
    assert LineItem("cash", USD, MAX_AMOUNT, Direction.DEBIT).amount == MAX_AMOUNT


def test_an_entry_past_the_limit_is_refused_by_the_domain() -> None:
    lines = MAX_ENTRY_AMOUNT // MAX_AMOUNT
    assert _entry("fits", MAX_AMOUNT, lines).line_items
    with pytest.raises(LedgerError) as caught:
        _entry("too-big", MAX_AMOUNT, lines + 1)
    assert (caught.value.code, caught.value.path) == ("invalid_amount", "$.line_items")


def test_the_reported_case_is_refused_and_balances_stay_exact(database_url: str) -> None:
    """2^63 - 1 per line added to an existing balance: refused, nothing written."""
    with _opened(database_url) as book:
        book.post([_entry("rent", 360_000, 1)])
        before = book.balances(Period())
        with pytest.raises(LedgerError) as caught:
            book.post([_entry("huge", 2**63 - 1, 1)])
        assert caught.value.code == "invalid_amount"
        # A caller that skips the domain's checks meets the store's.
        huge = prechecked_entry(
            "huge", AT, AT, (prechecked_line("cash", USD, 2**63 - 1, Direction.DEBIT),
                             prechecked_line("equity", USD, 2**63 - 1, Direction.CREDIT)),
            "MANUAL", None, None, (), None, None)
        with pytest.raises(LedgerError) as caught:
            book.post([huge])
        assert caught.value.code == "total_limit"
        assert book.balances(Period()) == before
        assert book.get_entry("rent") is not None
        assert all(kind in ("integer", "bigint") for kind, _ in _stored_totals(database_url,
                                                                             book))


@pytest.mark.parametrize("batch", [False, True])
def test_a_running_total_past_the_limit_is_refused(database_url: str, batch: bool) -> None:
    lines = MAX_ENTRY_AMOUNT // MAX_AMOUNT
    fits = MAX_TOTAL // MAX_ENTRY_AMOUNT  # entries of MAX_ENTRY_AMOUNT one bucket holds
    entries = [_entry(f"big-{n}", MAX_AMOUNT, lines, AT + timedelta(minutes=n))
               for n in range(fits + 1)]
    with _opened(database_url) as book:
        if batch:
            book.post(entries[:fits])
        else:
            for entry in entries[:fits]:
                book.post([entry])
        expected = balances(book.chart(), entries[:fits], Period())
        assert book.balances(Period()) == expected
        assert expected["cash"]["USD"].ending == MAX_TOTAL
        with pytest.raises(LedgerError) as caught:
            book.post(entries[fits:] if not batch else entries)  # the batch re-posts all
        assert caught.value.code == "total_limit"
        assert book.balances(Period()) == expected
        assert len(book.entries(limit=100).entries) == fits
        # Money flowing back out is still accepted: the limit is on the total, not a line.
        book.post([_entry("back", MAX_AMOUNT, lines, AT, debit="equity", credit="cash")])
        assert book.balances(Period())["cash"]["USD"].ending == MAX_TOTAL - MAX_ENTRY_AMOUNT


def test_a_rebuild_keeps_the_totals_exact(database_url: str) -> None:
    lines = MAX_ENTRY_AMOUNT // MAX_AMOUNT
    with _opened(database_url) as book:
        for n in range(3):
            book.post([_entry(f"e{n}", MAX_AMOUNT, lines, AT + timedelta(days=n))])
        before = book.balances(Period())
        book.rebuild_period_totals()
        assert book.balances(Period()) == before
        assert before["cash"]["USD"].ending == 3 * MAX_ENTRY_AMOUNT


# -- the property -----------------------------------------------------------------------

large = st.integers(MAX_AMOUNT - 10**6, MAX_AMOUNT) | st.integers(1, MAX_AMOUNT)
# Weighted toward one account per side, so running totals reach the limit.
DEBITED = ["cash", "cash", "cash", "loan", "equity"]
CREDITED = ["equity", "equity", "equity", "loan", "cash"]


@st.composite
def large_entries(draw: st.DrawFn, number: int) -> JournalEntry:
    """A balanced entry of large amounts near a month edge (buckets collide)."""
    lines = MAX_ENTRY_AMOUNT // MAX_AMOUNT
    debits = draw(st.lists(large, min_size=lines // 2, max_size=lines))
    total = sum(debits)
    credits = [MAX_AMOUNT] * (total // MAX_AMOUNT) + ([total % MAX_AMOUNT]
                                                      if total % MAX_AMOUNT else [])
    items = [LineItem(draw(st.sampled_from(DEBITED)), USD, amount, Direction.DEBIT)
             for amount in debits]
    items += [LineItem(draw(st.sampled_from(CREDITED)), USD, amount, Direction.CREDIT)
              for amount in credits]
    at = AT + timedelta(hours=draw(st.integers(-36, 36)))
    return JournalEntry(f"p{number}", at, tuple(items))


def _running_totals_fit(entries: list[JournalEntry]) -> bool:
    """Whether every UTC year, month and day sum of every account stays in the limit."""
    chart = {account.id: account for account in CHART}
    sums: dict[tuple[str, object], int] = defaultdict(int)
    for entry in entries:
        at = entry.entry_at.astimezone(UTC)
        for item in entry.line_items:
            effect = chart[item.account_id].effect(item.direction, item.amount)
            for bucket in (at.year, (at.year, at.month), at.date()):
                sums[(item.account_id, bucket)] += effect
    return all(abs(total) <= MAX_TOTAL for total in sums.values())


@settings(max_examples=max(10, settings.default.max_examples // 4))
@given(data=st.data())
def test_large_amounts_sum_exactly_or_are_refused(database_url: str,
                                                  data: st.DataObject) -> None:
    count = data.draw(st.integers(3, 12))
    entries = [data.draw(large_entries(n)) for n in range(count)]
    posted: list[JournalEntry] = []
    refused = 0
    with _opened(database_url) as book:
        for entry in entries:
            if _running_totals_fit([*posted, entry]):
                book.post([entry])
                posted.append(entry)
            else:
                with pytest.raises(LedgerError) as caught:
                    book.post([entry])
                assert caught.value.code == "total_limit"
                refused += 1
            middle = Period(start=AT - timedelta(hours=5), end=AT + timedelta(hours=20))
            for period in (Period(), middle, Period(end=AT)):
                assert book.balances(period) == balances(book.chart(), posted, period)
    target(float(refused))  # steer toward runs the store must refuse
