"""Properties of the financial statements and of closing the books, on random business
journals (invoices, bills, payments, credit notes, reversals) on both bases, any period,
with and without closes; the pure domain alone (`statement_oracle`)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ledgercore.domain import (
    Account,
    AccountSubtype,
    AccountType,
    ChartOfAccounts,
    Direction,
    Period,
    ReportingBasis,
    balances,
)
from ledgercore.domain.statements import INCOME_TOTALS, add, negate
from tests.property import statement_oracle as oracle
from tests.property.cash_strategies import CHART, START, CashLedger, cash_ledgers

RETAINED = Account("re", "Retained Earnings", AccountType.EQUITY,
                   AccountSubtype.RETAINED_EARNINGS)
BOOKS = ChartOfAccounts((*CHART.accounts, RETAINED))
FIRST = START.date()
bases = st.sampled_from(list(ReportingBasis))
days = st.integers(-5, 100).map(lambda n: FIRST + timedelta(days=n))
close_days = st.lists(st.integers(0, 95).map(lambda n: FIRST + timedelta(days=n)), max_size=3)


# Each example computes the cash view of its journal several times: half the profile's.
half = settings(settings.default, max_examples=max(20, settings.default.max_examples // 2))


def _month(first: date, months: int) -> date:
    total = first.year * 12 + first.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


@half
@given(ledger=cash_ledgers(), closes=close_days, basis=bases,
       instants=st.lists(days, min_size=1, max_size=3))
def test_the_balance_sheet_balances(ledger: CashLedger, closes: list[date],
                                    basis: ReportingBasis, instants: list[date]) -> None:
    journal, closing, ends = oracle.close_books(BOOKS, ledger.entries, closes, "re")
    for day in [*instants, None]:
        at = None if day is None else oracle.midnight_after(day)
        sheet = oracle.sheet(BOOKS, journal, basis, at, closing, ends)
        assert sheet.is_balanced()
        assert sheet.totals["equity"] == add(sheet.equity.totals[0],
                                             sheet.retained_earnings, sheet.current_earnings)


@half
@given(ledger=cash_ledgers(), closes=close_days, basis=bases, bounds=st.tuples(days, days))
def test_net_income_is_the_change_in_retained_and_current_earnings(
        ledger: CashLedger, closes: list[date], basis: ReportingBasis,
        bounds: tuple[date, date]) -> None:
    first, last = sorted(bounds)
    journal, closing, ends = oracle.close_books(BOOKS, ledger.entries, closes, "re")
    start, end = oracle.midnight_after(first), oracle.midnight_after(last)
    income = oracle.income(BOOKS, journal, basis, [Period(start, end)], closing)
    before, after = (oracle.sheet(BOOKS, journal, basis, at, closing, ends)
                     for at in (start, end))

    def earnings(sheet: oracle.BalanceSheet) -> dict[str, int]:
        return add(sheet.retained_earnings, sheet.current_earnings)

    assert income.total("net_income") == add(earnings(after), negate(earnings(before)))


@half
@given(ledger=cash_ledgers(), closes=close_days)
def test_a_close_empties_profit_and_loss_into_retained_earnings(
        ledger: CashLedger, closes: list[date]) -> None:
    journal, closing, ends = oracle.close_books(BOOKS, ledger.entries, closes, "re")
    for until in ends:
        own = balances(BOOKS, journal, Period(None, until))
        assert all(b.ending == 0 for a, by in own.items() for b in by.values()
                   if BOOKS.get(a).type.is_profit_and_loss)
        sheet = oracle.sheet(BOOKS, journal, ReportingBasis.ACCRUAL, until, closing, ends)
        # The retained-earnings account holds exactly the closed periods' net income.
        assert {c: b.ending for c, b in own.get("re", {}).items() if b.ending} == \
            sheet.retained_earnings
        assert sheet.current_earnings == {}


@half
@given(ledger=cash_ledgers(), closes=close_days, basis=bases,
       shape=st.sampled_from(((1, 1), (1, 4), (3, 1), (3, 2))), start=st.integers(-1, 3))
def test_monthly_columns_add_up_to_the_whole_period(
        ledger: CashLedger, closes: list[date], basis: ReportingBasis,
        shape: tuple[int, int], start: int) -> None:
    months, count = shape
    journal, closing, _ = oracle.close_books(BOOKS, ledger.entries, closes, "re")
    first = _month(FIRST, start)
    edges = [oracle.midnight_after(_month(first, months * i) - timedelta(days=1))
             for i in range(count + 1)]
    columns = [Period(a, b) for a, b in itertools.pairwise(edges)]
    split = oracle.income(BOOKS, journal, basis, columns, closing)
    whole = oracle.income(BOOKS, journal, basis, [Period(edges[0], edges[-1])], closing)
    for name in INCOME_TOTALS:
        assert split.total(name) == whole.totals[name][0]
    for parts, total in zip(split.sections, whole.sections, strict=True):
        summed = {row.account_id: add(*row.columns) for row in parts.rows}
        assert {k: v for k, v in summed.items() if v} == {
            row.account_id: row.columns[0] for row in total.rows if row.columns[0]}
    assert whole.total("net_income") == add(
        whole.total("revenue"), negate(whole.total("cost_of_goods_sold")),
        negate(whole.total("expenses")), whole.total("other_income"),
        negate(whole.total("other_expenses")))


@half
@given(ledger=cash_ledgers(), closes=close_days, basis=bases, bounds=st.tuples(days, days),
       open_start=st.booleans())
def test_direct_and_indirect_cash_flow_equal_the_change_in_cash(
        ledger: CashLedger, closes: list[date], basis: ReportingBasis,
        bounds: tuple[date, date], open_start: bool) -> None:
    first, last = sorted(bounds)
    journal, closing, _ = oracle.close_books(BOOKS, ledger.entries, closes, "re")
    period = Period(None if open_start else oracle.midnight_after(first),
                    oracle.midnight_after(last))
    flow = oracle.flows(BOOKS, journal, basis, period, closing)
    change = flow.totals["net_change_in_cash"]
    cash = balances(BOOKS, journal, period, accounts=("bank", "cash"))
    assert change == add(*({c: b.activity for c, b in by.items()} for by in cash.values()))
    assert flow.indirect_total() == change
    assert flow.totals["direct_total"] == change
    assert add(*(flow.totals[f"direct_{kind}"] for kind in ("operating", "investing",
                                                             "financing"))) == change


def test_contra_accounts_net_inside_their_section() -> None:
    from ledgercore.domain import USD, JournalEntry, LineItem

    entries = [JournalEntry("sale", START, (LineItem("ar", USD, 1000, Direction.DEBIT),
                                            LineItem("product", USD, 1000, Direction.CREDIT))),
               JournalEntry("return", START + timedelta(days=1),
                            (LineItem("returns", USD, 150, Direction.DEBIT),
                             LineItem("ar", USD, 150, Direction.CREDIT)))]
    income = oracle.income(BOOKS, entries, ReportingBasis.ACCRUAL, [Period()], ())
    revenue = income.sections[0]
    assert [(r.account_id, r.depth, r.columns[0]) for r in revenue.rows] == [
        ("revenue", 0, {"USD": 850}), ("product", 1, {"USD": 1000}),
        ("returns", 1, {"USD": -150})]
    assert income.total("revenue") == {"USD": 850}
