"""The SQL store against the pure domain: same balances, statements, roll-ups, trial
balances and entry pages on random ledgers, on SQLite and PostgreSQL; and the period
totals against the raw sums of line items (the speed-up must never change a figure).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ledgercore.domain import (
    ALL_ENTRIES,
    Balances,
    EntryFilter,
    Period,
    balances,
    roll_up,
    statement,
    statement_order,
    trial_balance,
)
from ledgercore.store import Ledger, reports
from tests.integration.conftest import unique_name
from tests.integration.ledgers import GeneratedLedger, entry_filters, ledgers, periods

# Each example builds a ledger in a real database: fewer examples than the pure suites,
# scaled up with the profile (HYPOTHESIS_PROFILE=thorough).
modest = settings(settings.default, max_examples=max(15, settings.default.max_examples // 4))


def _open(url: str, generated: GeneratedLedger) -> Ledger:
    book = Ledger.open(url, ledger=unique_name())
    book.define_accounts(generated.accounts)
    entries = generated.entries
    half = len(entries) // 2
    book.post(entries[:half])  # a bulk batch
    for entry in entries[half:]:  # and the one-entry hot path
        book.post([entry])
    return book


@modest
@given(generated=ledgers(), data=st.data())
def test_balances_equal_domain(database_url: str, generated: GeneratedLedger,
                               data: st.DataObject) -> None:
    with _open(database_url, generated) as book:
        chart = book.chart()
        for _ in range(3):
            period, entry_filter = data.draw(periods()), data.draw(entry_filters())
            expected = balances(chart, generated.entries, period, entry_filter)
            assert book.balances(period, entry_filter) == expected
            assert book.rolled_balances(period, entry_filter) == roll_up(chart, expected)
            assert book.trial_balance(period, entry_filter) == trial_balance(
                chart, generated.entries, period, entry_filter)
            some = data.draw(st.lists(st.sampled_from([a.id for a in generated.accounts]
                                                      + ["missing"]), max_size=3))
            assert book.balances(period, entry_filter, accounts=some) == balances(
                chart, generated.entries, period, entry_filter, accounts=some)


def _own(book: Ledger, period: Period, entry_filter: EntryFilter, *,
         use_totals: bool) -> Balances:
    # The facade picks period totals whenever it can; force each path explicitly.
    return book._read(lambda c: reports.balances(c, book._catalog, period, entry_filter,
                                                 use_totals=use_totals))


@modest
@given(generated=ledgers(), data=st.data())
def test_period_totals_equal_raw_sums(database_url: str, generated: GeneratedLedger,
                                      data: st.DataObject) -> None:
    with _open(database_url, generated) as book:
        for _ in range(4):
            period = data.draw(periods())
            entry_filter = data.draw(entry_filters())
            assert _own(book, period, entry_filter, use_totals=True) == _own(
                book, period, entry_filter, use_totals=False)
        period = data.draw(periods())
        book.rebuild_period_totals()
        assert book.balances(period) == balances(book.chart(), generated.entries, period)


@modest
@given(generated=ledgers(max_entries=15), data=st.data())
def test_statements_equal_domain(database_url: str, generated: GeneratedLedger,
                                 data: st.DataObject) -> None:
    with _open(database_url, generated) as book:
        chart = book.chart()
        period, entry_filter = data.draw(periods()), data.draw(entry_filters())
        for account in generated.accounts:
            assert book.statement(account.id, period, entry_filter) == statement(
                chart, generated.entries, account.id, period, entry_filter)


@modest
@given(generated=ledgers(max_entries=15), data=st.data())
def test_entry_pages_equal_domain(database_url: str, generated: GeneratedLedger,
                                  data: st.DataObject) -> None:
    with _open(database_url, generated) as book:
        period, entry_filter = data.draw(periods()), data.draw(entry_filters())
        account = data.draw(st.one_of(st.none(),
                                      st.sampled_from([a.id for a in generated.accounts])))
        limit = data.draw(st.integers(1, 4))
        listed = []
        page = book.entries(period, entry_filter, account_id=account, limit=limit)
        listed.extend(page.entries)
        while page.next_cursor is not None:
            assert len(page.entries) == limit
            page = book.entries(period, entry_filter, account_id=account,
                                after=page.next_cursor, limit=limit)
            listed.extend(page.entries)
        expected = sorted((e for e in generated.entries
                           if entry_filter.accepts(e) and period.contains(e.entry_at)
                           and (account is None or account in e.account_ids)),
                          key=statement_order)
        assert listed == expected
        for entry in generated.entries[:3]:
            assert book.get_entry(entry.id) == entry
        assert book.balances(entry_filter=ALL_ENTRIES) == balances(book.chart(),
                                                                   generated.entries)
