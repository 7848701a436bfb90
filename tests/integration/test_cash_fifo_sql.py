"""The SQL cash-basis projection against the naive FIFO model, not against the domain
functions it calls: random invoices, bills, receipts, payments, credit notes, reversals
and counterparties posted in arrival order (back-dated often) to a ledger in a DST
timezone, on SQLite and PostgreSQL. Cash-basis balances before every entry instant and
over date ranges of the ledger's days must equal the model's (tests/property/fifo_model.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ledgercore.domain import Period, ReportingBasis
from ledgercore.store import Ledger
from tests.conftest import scaled
from tests.integration.conftest import unique_name
from tests.property.cash_strategies import CHART
from tests.property.fifo_model import Effect, FifoJournal, endings, fifo_journals

ZONES = ("America/New_York", "America/Santiago", "Australia/Lord_Howe", "UTC")
CASH = ReportingBasis.CASH


def _figures(book: Ledger, period: Period) -> dict[tuple[str, str], tuple[int, int]]:
    return {(account, code): (b.starting, b.ending)
            for account, by in book.balances(period, basis=CASH).items()
            for code, b in by.items() if b.starting or b.ending}


def _expected(effects: list[Effect], period: Period) -> dict[tuple[str, str], tuple[int, int]]:
    before = endings(effects, period.start) if period.start is not None else {}
    upto = endings(effects, period.end)
    return {key: (before.get(key, 0), upto.get(key, 0))
            for key in before.keys() | upto.keys()}


@scaled(12)
@given(zone=st.sampled_from(ZONES), data=st.data())
def test_the_sql_cash_projection_equals_the_fifo_model(database_url: str, zone: str,
                                                       data: st.DataObject) -> None:
    journal: FifoJournal = data.draw(fifo_journals(st.just(zone), max_entries=12))
    effects = journal.effects()
    with Ledger.open(database_url, ledger=unique_name("fifo"), timezone=zone) as book:
        book.define_accounts(CHART)
        entries = list(journal.entries)
        cut = data.draw(st.integers(0, len(entries)))
        if cut:
            book.post(entries[:cut])  # a batch, then one at a time (back-dated often)
        for entry in entries[cut:]:
            book.post([entry])
        for instant in [*journal.instants(), None]:
            period = Period(None, instant)
            assert _figures(book, period) == _expected(effects, period), instant
        days = sorted({e.entry_at.astimezone(book.settings.tzinfo).date()
                       for e in journal.entries})
        for first, last in [(days[0], days[-1]), (days[-1], days[-1]),
                            (days[0] + timedelta(days=1), None), (date(2024, 3, 10), None)]:
            period = book.period(first, last)
            assert _figures(book, period) == _expected(effects, period), (first, last)
