"""The store on calendar edges: balances equal the domain's when entries sit exactly on a
day, month or year start (in the ledger's timezone and in UTC, where the period totals
change bucket) and bounds sit on an entry, a microsecond either side of it or later the
same day; entries have 3-6 lines with unequal splits, amounts up to `MAX_LINE_AMOUNT`,
several commodities, ledgers in DST zones. On SQLite and PostgreSQL.

A balance taken during the day an entry opened reads that day's raw lines from the day's
start: an entry exactly at the start must count (`entry_at >= day start`), which the
random ledgers of test_differential.py almost never exercise.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from ledgercore.domain import (
    Account,
    AccountType,
    ChartOfAccounts,
    Commodity,
    Direction,
    EndSemantics,
    JournalEntry,
    LineItem,
    Period,
    balances,
    statement,
)
from ledgercore.store import Ledger
from tests.conftest import scaled
from tests.integration.conftest import unique_name
from tests.property.strategies import (
    MAX_LINE_AMOUNT,
    BoundaryLedger,
    boundary_ledgers,
    boundary_periods,
)

_CHART = ChartOfAccounts([Account("cash", "Cash", AccountType.ASSET),
                          Account("sales", "Sales", AccountType.REVENUE),
                          Account("fees", "Fees", AccountType.EXPENSE)])
_DAY_START = datetime(2024, 3, 1, tzinfo=UTC)
_USD = Commodity("USD", 2)
# An entry exactly at a UTC day (and month) start, three lines unequally split, at the
# amount bound; a balance taken a microsecond later that day: the simplest case the
# bucketed prefix sum must get right.
_ON_THE_DOT = BoundaryLedger("UTC", _CHART, (JournalEntry(
    "dot", _DAY_START, (LineItem("cash", _USD, MAX_LINE_AMOUNT, Direction.DEBIT),
                        LineItem("sales", _USD, MAX_LINE_AMOUNT - 7, Direction.CREDIT),
                        LineItem("fees", _USD, 7, Direction.CREDIT)),
    created_at=_DAY_START),))


def _open(url: str, ledger: BoundaryLedger) -> Ledger:
    book = Ledger.open(url, ledger=unique_name("edge"), timezone=ledger.zone)
    book.define_accounts(ledger.chart)
    half = len(ledger.entries) // 2
    book.post(ledger.entries[:half])  # a bulk batch
    for entry in ledger.entries[half:]:  # and the one-entry path
        book.post([entry])
    return book


def _later_the_same_day(ledger: BoundaryLedger) -> list[Period]:
    """Periods ending a microsecond after, and hours after, each entry (on its UTC day),
    and starting there: the reads that cut a day's raw lines right after an entry."""
    out = []
    for entry in ledger.entries[:4]:
        at = entry.entry_at.astimezone(UTC)
        for step in (timedelta(microseconds=1), timedelta(hours=1)):
            if (at + step).date() == at.date():
                out.append(Period(None, at + step))
                out.append(Period(at + step, None))
        out.append(Period.of(at, at, end_semantics=EndSemantics.INCLUSIVE))
    return out


@scaled(20)
@example(ledger=_ON_THE_DOT, data=None)
@given(ledger=boundary_ledgers(), data=st.data())
def test_balances_on_calendar_edges_equal_the_domain(
        database_url: str, ledger: BoundaryLedger, data: st.DataObject | None) -> None:
    chart, entries = ledger.chart, ledger.entries
    periods = _later_the_same_day(ledger)
    if data is not None:
        periods += [data.draw(boundary_periods(ledger)) for _ in range(4)]
    with _open(database_url, ledger) as book:
        for period in periods:
            assert book.balances(period) == balances(chart, entries, period), period
        account = sorted({line.account_id for e in entries for line in e.line_items})[0]
        for period in periods[:3]:
            assert book.statement(account, period) == statement(chart, entries, account,
                                                                period), period
        book.rebuild_period_totals()
        for period in periods[:3]:
            assert book.balances(period) == balances(chart, entries, period), period


def test_a_child_may_come_before_its_parent_in_one_call(database_url: str) -> None:
    # Found by the boundary ledgers (their charts come shuffled): the rows were written
    # in the order given, and a child's parent had no key yet (a bare KeyError).
    child = Account("child", "Child", AccountType.ASSET, parent_id="parent")
    grandchild = Account("grandchild", "Grandchild", AccountType.ASSET, parent_id="child")
    parent = Account("parent", "Parent", AccountType.ASSET)
    with Ledger.open(database_url, ledger=unique_name("order")) as book:
        assert book.define_accounts([grandchild, child, parent]) == 3
        chart = book.chart()
        assert chart.ancestors("grandchild") == ("child", "parent")
        assert book.define_accounts([child, parent, grandchild]) == 0
