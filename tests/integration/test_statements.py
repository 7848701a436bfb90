"""Statements and period close in the SQL store, on SQLite and PostgreSQL: the same
statements as the pure domain's (`tests.property.statement_oracle`) on random business
journals with closes, on both bases; a closed period refuses every write path (post, load,
reversal) with nothing written, and its figures never change; reopening is recorded."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgercore.domain import (
    USD,
    Direction,
    EntryFilter,
    JournalEntry,
    LedgerError,
    LineItem,
    Period,
    ReportingBasis,
    balances,
    roll_up,
)
from ledgercore.domain.register import register
from ledgercore.domain.statements import add
from ledgercore.store import Ledger
from tests.integration.conftest import unique_name
from tests.integration.ledgers import GeneratedLedger, entry_filters, ledgers, periods
from tests.property import statement_oracle as oracle
from tests.property.cash_strategies import START, CashLedger, cash_ledgers
from tests.property.test_statements import BOOKS

FIRST = START.date()
DR, CR = Direction.DEBIT, Direction.CREDIT


def _post_all(book: Ledger, entries: tuple[JournalEntry, ...], closes: dict[int, date],
              ) -> list[str]:
    """Post in arrival order, closing the books before the entries `closes` names; the
    ids refused as inside a closed period (a reversal of a refused entry is not tried)."""
    refused: list[str] = []
    for index, entry in enumerate(entries):
        if index in closes:
            locked = [c.closed_until for c in book.period_closes() if not c.is_open]
            if not locked or oracle.midnight_after(closes[index]) > max(locked):
                book.close_period(closes[index])
        if entry.reversal_of_id in refused:
            refused.append(entry.id)
            continue
        # The original learns of its reversal when the reversal is posted.
        entry = dataclasses.replace(entry, reversal_id=None)
        until = max((c.closed_until for c in book.period_closes() if not c.is_open),
                    default=None)
        try:
            book.post([entry])
        except LedgerError as error:
            assert error.code == "period_closed"
            assert until is not None and entry.entry_at < until
            refused.append(entry.id)
        else:
            assert until is None or entry.entry_at >= until
    return refused


def _journal(book: Ledger) -> list[JournalEntry]:
    page = book.entries(limit=100_000)
    assert page.next_cursor is None
    return list(page.entries)


@settings(max_examples=max(10, settings.default.max_examples // 5))
@given(ledger=cash_ledgers(max_entries=18), data=st.data())
def test_statements_equal_the_pure_domain(database_url: str, ledger: CashLedger,
                                          data: st.DataObject) -> None:
    closes = data.draw(st.dictionaries(st.integers(0, 17), st.integers(0, 90).map(
        lambda n: FIRST + timedelta(days=n)), max_size=2))
    with Ledger.open(database_url, ledger=unique_name("statements")) as book:
        book.define_accounts(BOOKS)
        # The store lists a chart parents first: the oracle lays lines out in its order.
        chart = book.chart()
        _post_all(book, ledger.entries, closes)
        journal = _journal(book)
        recorded = book.period_closes()
        closing = {i for c in recorded for i in (c.closing_entry_id, c.reopening_entry_id)
                   if i is not None}
        ends = [c.closed_until for c in recorded if not c.is_open]
        for basis in ReportingBasis:
            first = data.draw(st.integers(-1, 2))
            edges = [oracle.midnight_after(FIRST + timedelta(days=30 * i + first) -
                                           timedelta(days=1)) for i in range(4)]
            columns = [Period(a, b) for a, b in itertools.pairwise(edges)]
            assert book.income_statement(columns, basis=basis) == oracle.income(
                chart, journal, basis, columns, closing)
            since = EntryFilter(not_before=oracle.midnight_after(
                FIRST + timedelta(days=data.draw(st.integers(-3, 60)))))
            assert book.income_statement(columns, since, basis=basis) == oracle.income(
                chart, journal, basis, columns, closing, since)
            day = data.draw(st.one_of(st.none(), st.integers(-2, 95)))
            at = None if day is None else oracle.midnight_after(FIRST + timedelta(days=day))
            sheet = book.balance_sheet(at, basis=basis)
            assert sheet == oracle.sheet(chart, journal, basis, at, closing, ends)
            assert sheet.is_balanced()
            period = Period(edges[0], at if at is not None and at > edges[0] else None)
            flow = book.cash_flow(period, basis=basis)
            assert flow == oracle.flows(chart, journal, basis, period, closing)
            assert flow.indirect_total() == flow.totals["direct_total"] == \
                flow.totals["net_change_in_cash"]
            account = data.draw(st.sampled_from(("revenue", "ar", "bank", "re", "rent")))
            assert book.register(account, period, basis=basis) == register(
                chart, oracle.view(chart, journal, basis), account, period)


def _figures(book: Ledger, until: Period) -> list[object]:
    out: list[object] = []
    for basis in ReportingBasis:
        out.append(book.balances(until, basis=basis))
        out.append(book.income_statement([until], basis=basis))
        out.append(book.balance_sheet(until.end, basis=basis))
        out.append(book.cash_flow(until, basis=basis))
    return out


@settings(max_examples=max(8, settings.default.max_examples // 6))
@given(ledger=cash_ledgers(max_entries=20), through=st.integers(10, 80),
       cut=st.integers(0, 20))
def test_a_closed_period_refuses_every_write_and_its_figures_never_change(
        database_url: str, ledger: CashLedger, through: int, cut: int) -> None:
    day = FIRST + timedelta(days=through)
    entries = [dataclasses.replace(e, reversal_id=None) for e in ledger.entries]
    with Ledger.open(database_url, ledger=unique_name("closed")) as book:
        book.define_accounts(BOOKS)
        posted = [e for e in entries[:cut]
                  if e.reversal_of_id is None or e.reversal_of_id in {p.id for p in entries[:cut]}]
        book.post(posted)
        close = book.close_period(day)
        until = Period(None, close.closed_until)
        before = _figures(book, until)
        count = len(_journal(book))
        inside = [e for e in entries[cut:] if e.entry_at < close.closed_until
                  and e.reversal_of_id is None]
        for entry in inside:
            with pytest.raises(LedgerError) as refused:
                book.post([entry])
            assert refused.value.code == "period_closed"
            with pytest.raises(LedgerError) as refused:
                book.load([((), [entry])])
            assert refused.value.code == "period_closed"
        for entry in posted:
            if entry.entry_at < close.closed_until and entry.reversal_of_id is None \
                    and book.get_entry(entry.id).reversal_id is None:
                with pytest.raises(LedgerError) as refused:
                    book.reverse(entry.id, f"undo-{entry.id}")
                assert refused.value.code == "period_closed"
        assert len(_journal(book)) == count
        # Writes after the close are welcome, including payments of closed invoices and
        # reversals, dated in the open period, of entries inside the closed one.
        for entry in entries[cut:]:
            if entry.entry_at >= close.closed_until and (
                    entry.reversal_of_id is None or entry.reversal_of_id in
                    {e.id for e in _journal(book)}):
                book.post([entry])
        for entry in posted[:2]:
            if entry.reversal_of_id is None and entry.id in {e.id for e in _journal(book)} \
                    and book.get_entry(entry.id).reversal_id is None:
                book.reverse(entry.id, f"late-{entry.id}",
                             entry_at=close.closed_until + timedelta(hours=1))
        assert _figures(book, until) == before
        # Reopening lifts the lock, and is recorded beside the close.
        reopened = book.reopen_period(day)
        assert [c.through for c in reopened] == [day]
        assert reopened[0].reopening_entry_id is not None or close.closing_entry_id is None
        if inside:
            book.post([inside[0]])


def test_cash_basis_across_a_close(database_url: str) -> None:
    """An invoice of a closed year paid in the open one: revenue on the cash basis in the
    year it was paid, on accrual in the year invoiced; both balance sheets balance."""
    jan = START
    with Ledger.open(database_url, ledger=unique_name("across")) as book:
        book.define_accounts(BOOKS)
        book.post([JournalEntry("inv", jan, (LineItem("ar", USD, 700, DR),
                                             LineItem("product", USD, 700, CR)))])
        book.close_period(date(2024, 1, 31))
        with pytest.raises(LedgerError) as refused:
            book.post([JournalEntry("pay", jan + timedelta(days=3), (
                LineItem("bank", USD, 700, DR), LineItem("ar", USD, 700, CR)))])
        assert refused.value.code == "period_closed"
        book.post([JournalEntry("pay", jan + timedelta(days=40), (
            LineItem("bank", USD, 700, DR), LineItem("ar", USD, 700, CR)))])
        january = book.period(date(2024, 1, 1), date(2024, 2, 1))
        february = book.period(date(2024, 2, 1), date(2024, 3, 1))
        accrual, cash = ReportingBasis.ACCRUAL, ReportingBasis.CASH
        assert book.income_statement([january, february], basis=accrual).totals[
            "net_income"] == ({"USD": 700}, {})
        assert book.income_statement([january, february], basis=cash).totals[
            "net_income"] == ({}, {"USD": 700})
        for basis in ReportingBasis:
            end_jan = book.balance_sheet(january.end, basis=basis)
            assert end_jan.is_balanced() and end_jan.current_earnings == {}
            assert end_jan.retained_earnings == ({"USD": 700} if basis is accrual else {})
            end_feb = book.balance_sheet(february.end, basis=basis)
            assert end_feb.totals["equity"] == {"USD": 700}
            assert add(end_feb.retained_earnings, end_feb.current_earnings) == {"USD": 700}
        assert balances(BOOKS, _journal(book), Period(None, january.end))["re"]["USD"].ending \
            == 700


@settings(max_examples=max(10, settings.default.max_examples // 4))
@given(generated=ledgers(), data=st.data())
def test_the_register_equals_the_pure_domain(database_url: str, generated: GeneratedLedger,
                                             data: st.DataObject) -> None:
    with Ledger.open(database_url, ledger=unique_name("register")) as book:
        book.define_accounts(generated.accounts)
        book.post(generated.entries)
        chart = book.chart()
        for _ in range(3):
            account = data.draw(st.sampled_from([a.id for a in generated.accounts]))
            period, entry_filter = data.draw(periods()), data.draw(entry_filters())
            below = data.draw(st.booleans())
            found = book.register(account, period, entry_filter, descendants=below)
            assert found == register(chart, generated.entries, account, period, entry_filter,
                                     descendants=below)
            rolled = roll_up(chart, balances(chart, generated.entries, period,
                                             entry_filter))[account].total
            if below:
                assert {c: b.ending for c, b in rolled.items()} == dict(found.ending)
