"""The direct cash flow read from kept totals equals the ``GROUP BY`` over the lines and
the pure domain, on SQLite and PostgreSQL, on random business journals: invoices paid
later (re-settlement rewrites the cash lines of entries posted earlier), back-dated
entries, reversals, posted one by one or loaded in batches; periods whose bounds cut
days; chart changes that make an account cash (by subtype or by parent) or not, or that
move a clearing account, after entries were posted; and `db rebuild` of tampered totals.
"""

from __future__ import annotations

import dataclasses
import itertools
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from ledgercore.domain import (
    USD,
    Account,
    AccountSubtype,
    AccountType,
    ChartOfAccounts,
    Direction,
    EntryFilter,
    JournalEntry,
    LedgerError,
    LineItem,
    Period,
    ReportingBasis,
)
from ledgercore.domain.balances import ALL_ENTRIES
from ledgercore.domain.cash import cash_view
from ledgercore.domain.statements import Figures, cash_accounts, direct_flows
from ledgercore.store import Ledger, cash_flow_totals, statements
from tests.integration.conftest import unique_name
from tests.property.cash_strategies import START, CashLedger, cash_ledgers
from tests.property.test_statements import BOOKS

# Accepts every entry, but is a filter: the report sums the lines (`grouped_sums`).
EVERY_ENTRY = EntryFilter(without_tags={"never": frozenset({"carried"})})

# Chart changes after posting: (account, new subtype or None, new parent or None).
CHANGES: tuple[tuple[str, AccountSubtype | None, str | None], ...] = (
    ("vat_in", AccountSubtype.CASH, None),            # an asset with lines becomes cash
    ("cash", AccountSubtype.CURRENT_ASSET, None),     # cash with lines stops being cash
    ("vat_in", None, "bank"),                         # cash by its new parent
    ("bank", AccountSubtype.CURRENT_ASSET, None),     # the busiest cash account leaves
    ("ar", AccountSubtype.BANK_ACCOUNTS, None),       # a clearing account becomes cash
    ("ar", AccountSubtype.CURRENT_ASSET, None),       # no longer clearing: cash lines change
    ("equity", None, None),                           # a relabel that changes nothing
)

instants = st.builds(lambda d, h, m: START + timedelta(days=d, hours=h, minutes=m),
                     st.integers(-2, 95), st.sampled_from((0, 6, 12, 23)),
                     st.sampled_from((0, 0, 30)))
bounds = st.one_of(st.none(), instants)


def _post(book: Ledger, entries: tuple[JournalEntry, ...], load: bool,
          cuts: list[int]) -> None:
    # The original learns of its reversal when the reversal is posted.
    plain = [dataclasses.replace(e, reversal_id=None) for e in entries]
    if not load:
        for entry in plain:
            book.post([entry])
        return
    edges = [0, *sorted({c % (len(plain) + 1) for c in cuts}), len(plain)]
    book.load([((), plain[a:b]) for a, b in itertools.pairwise(edges) if b > a])


def _journal(book: Ledger) -> list[JournalEntry]:
    page = book.entries(limit=100_000)
    assert page.next_cursor is None
    return list(page.entries)


def _store(book: Ledger, period: Period, entry_filter: EntryFilter) -> dict[str, Figures]:
    return book._read(lambda c: statements.direct_flows(c, book._catalog, period,
                                                        entry_filter))


def _domain(chart: ChartOfAccounts, journal: list[JournalEntry], period: Period,
            entry_filter: EntryFilter = ALL_ENTRIES) -> dict[str, Figures]:
    seen = [e for e in cash_view(chart, journal)
            if period.contains(e.entry_at) and entry_filter.accepts(e)]
    return direct_flows(chart, seen, cash_accounts(chart))


def _stale(book: Ledger) -> list[object]:
    return list(book._read(lambda c: cash_flow_totals.stale_buckets(c, book._catalog)))


def _check(book: Ledger, periods: list[tuple[datetime | None, datetime | None]],
           since: datetime) -> None:
    """Kept == GROUP BY == domain for each period, and the kept totals are whole."""
    assert _stale(book) == []
    chart, journal = book.chart(), _journal(book)
    for start, end in periods:
        if start is not None and end is not None and end < start:
            start, end = end, start
        period = Period(start, end)
        kept = _store(book, period, ALL_ENTRIES)
        assert kept == _store(book, period, EVERY_ENTRY)
        assert kept == _domain(chart, journal, period)
        narrowed = EntryFilter(not_before=since)  # unfiltered: read from the kept totals
        assert _store(book, period, narrowed) == _domain(chart, journal, period, narrowed)


def _changed(chart: ChartOfAccounts, account_id: str, subtype: AccountSubtype | None,
             parent: str | None) -> Account:
    account = chart.get(account_id)
    return dataclasses.replace(
        account, name=f"{account.name} (changed)",
        subtype=account.subtype if subtype is None else subtype,
        parent_id=account.parent_id if parent is None else parent)


@settings(max_examples=max(10, settings.default.max_examples // 5))
@given(ledger=cash_ledgers(max_entries=18), load=st.booleans(),
       cuts=st.lists(st.integers(0, 20), max_size=3), split=st.integers(0, 18),
       change=st.sampled_from(CHANGES),
       periods=st.lists(st.tuples(bounds, bounds), min_size=1, max_size=3),
       since=instants)
def test_kept_direct_flows_equal_the_lines_and_the_domain(
        database_url: str, ledger: CashLedger, load: bool, cuts: list[int], split: int,
        change: tuple[str, AccountSubtype | None, str | None],
        periods: list[tuple[datetime | None, datetime | None]], since: datetime) -> None:
    before, after = ledger.entries[:split], ledger.entries[split:]
    with Ledger.open(database_url, ledger=unique_name("flows")) as book:
        book.define_accounts(BOOKS)
        _post(book, before, load, cuts)
        _check(book, periods, since)
        # A later chart snapshot moves an account in or out of cash (or the clearing
        # accounts) after entries were posted on it; then the rest arrives.
        book.define_accounts([_changed(book.chart(), *change)])
        _check(book, periods, since)
        _post(book, after, load, cuts)
        _check(book, periods, since)


@settings(max_examples=max(5, settings.default.max_examples // 10))
@given(ledger=cash_ledgers(max_entries=12), periods=st.lists(
    st.tuples(bounds, bounds), min_size=1, max_size=2))
def test_db_rebuild_restores_tampered_cash_flow_totals(
        database_url: str, ledger: CashLedger,
        periods: list[tuple[datetime | None, datetime | None]]) -> None:
    with Ledger.open(database_url, ledger=unique_name("flows-rebuild")) as book:
        book.define_accounts(BOOKS)
        _post(book, ledger.entries, False, [])
        ledger_id = book._catalog.ledger_id
        book._write(lambda c: c.execute(text(
            "UPDATE cash_flow_totals SET total = total + 1 WHERE ledger_id = :ledger"),
            {"ledger": ledger_id}))
        tampered = book._read(lambda c: c.execute(text(
            "SELECT count(*) FROM cash_flow_totals WHERE ledger_id = :ledger"),
            {"ledger": ledger_id}).scalar_one())
        assert (_stale(book) != []) == (tampered > 0)
        # What `ledgercore db rebuild` runs.
        book.rebuild_period_totals()
        book.rebuild_cash_projection()
        _check(book, periods, START)


@settings(max_examples=max(10, settings.default.max_examples // 5))
@given(ledger=cash_ledgers(max_entries=18), split=st.integers(0, 18),
       change=st.sampled_from(CHANGES),
       periods=st.lists(st.tuples(bounds, bounds), min_size=1, max_size=3),
       since=instants)
def test_a_chart_change_inside_a_load_counts_each_line_once(
        database_url: str, ledger: CashLedger, split: int,
        change: tuple[str, AccountSubtype | None, str | None],
        periods: list[tuple[datetime | None, datetime | None]], since: datetime) -> None:
    """A later batch of one load carries a chart that moves an account in or out of the
    cash (or clearing) accounts: the rebuild it causes sums the batches already written,
    so what the load held back for them is not added again at its end, on either basis."""
    plain = [dataclasses.replace(e, reversal_id=None) for e in ledger.entries]
    with Ledger.open(database_url, ledger=unique_name("flows-load")) as book:
        book.define_accounts(BOOKS)
        changed = _changed(book.chart(), *change)
        book.load([((), plain[:split]), ([changed], plain[split:])],
                  seen_at=datetime.now(START.tzinfo))
        assert book.chart().get(changed.id) == changed
        cash_basis = book.balances(basis=ReportingBasis.CASH)
        _check(book, periods, since)
        # What `ledgercore db rebuild` runs recomputes everything from the lines.
        book.rebuild_period_totals()
        book.rebuild_cash_projection()
        assert book.balances(basis=ReportingBasis.CASH) == cash_basis
        _check(book, periods, since)


def test_a_cash_flow_total_past_the_limit_says_which_total(database_url: str) -> None:
    """The direct cash flow's totals sum only some of an account's lines, so they can
    reach the limit while every balance is small: the refusal names that total."""
    big = 10**17
    with Ledger.open(database_url, ledger=unique_name("flows-limit")) as book:
        book.define_accounts([
            Account("cash", "Cash", AccountType.ASSET, subtype=AccountSubtype.CASH),
            Account("loan", "Loan", AccountType.LIABILITY),
            Account("prepaid", "Prepaid", AccountType.ASSET)])

        def move(entry_id: str, at: datetime, debit: str, credit: str) -> None:
            book.post([JournalEntry(entry_id, at, (
                LineItem(debit, USD, big, Direction.DEBIT),
                LineItem(credit, USD, big, Direction.CREDIT)))])

        refused = None
        for cycle in range(45):  # each cycle: the loan brings cash in, prepaid takes it
            at = START + timedelta(minutes=cycle)
            try:
                move(f"b{cycle}", at, "cash", "loan")
                move(f"p{cycle}", at, "prepaid", "cash")
                move(f"o{cycle}", at, "loan", "prepaid")
            except LedgerError as error:
                refused = error
                break
        assert refused is not None and refused.code == "total_limit"
        assert refused.details["table"] == "cash_flow_totals"
        assert "cash flow" in refused.message
        assert all(b["USD"].ending <= big for b in book.balances().values())


def test_a_handle_whose_chart_is_behind_reads_the_change_first(database_url: str) -> None:
    """Two handles on one ledger (two processes, as on a server): one makes `checking` a
    bank account; the other, whose cached chart says it is not, then posts on it and
    reports. It reads the change before it writes or reports, so the kept cash-flow and
    cash-basis totals stay whole and both handles report the same figures."""
    name = unique_name("flows-two")
    chart = [Account("cash", "Cash", AccountType.ASSET, subtype=AccountSubtype.CASH),
             Account("checking", "Checking", AccountType.ASSET,
                     subtype=AccountSubtype.CURRENT_ASSET),
             Account("sales", "Sales", AccountType.REVENUE)]

    def sale(entry_id: str, account: str, amount: int) -> list[JournalEntry]:
        return [JournalEntry(entry_id, START, (
            LineItem(account, USD, amount, Direction.DEBIT),
            LineItem("sales", USD, amount, Direction.CREDIT)))]

    with Ledger.open(database_url, ledger=name) as first, \
            Ledger.open(database_url, ledger=name) as second:
        first.define_accounts(chart)
        first.post(sale("e1", "cash", 10_000))
        second.post(sale("e0", "cash", 1))  # its chart: checking is not cash
        first.define_accounts([dataclasses.replace(
            chart[1], name="Checking (bank)", subtype=AccountSubtype.BANK_ACCOUNTS)])
        # Its report sees checking as cash too (the figures the first handle reports).
        assert second.cash_flow(Period(None, None)) == first.cash_flow(Period(None, None))
        second.post(sale("e2", "checking", 5_000))
        assert _stale(first) == [] and _stale(second) == []
        expected = {"sales": {"USD": 15_001}}
        assert _store(first, Period(None, None), ALL_ENTRIES) == expected
        assert _store(second, Period(None, None), ALL_ENTRIES) == expected
