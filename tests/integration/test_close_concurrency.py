"""A close of the books racing real processes that post into the period being closed, on
SQLite and PostgreSQL: every posting either lands before the close (and its closing entry
counts it) or is refused with `period_closed`; none slips in between."""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, date, datetime, timedelta

from ledgercore.domain import (
    USD,
    Account,
    AccountType,
    Direction,
    JournalEntry,
    LedgerError,
    LineItem,
    Period,
)
from ledgercore.store import Ledger
from tests.integration.conftest import unique_name

WORKERS = 3
POSTS = 60
CHART = [Account("cash", "Cash", AccountType.ASSET),
         Account("sales", "Sales", AccountType.REVENUE),
         Account("fees", "Fees", AccountType.EXPENSE)]
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _entry(entry_id: str, number: int) -> JournalEntry:
    return JournalEntry(entry_id, T0 + timedelta(hours=number % 700), (
        LineItem("cash", USD, 100 + number, Direction.DEBIT),
        LineItem("fees", USD, 7, Direction.DEBIT),
        LineItem("sales", USD, 107 + number, Direction.CREDIT)))


def _worker(url: str, name: str, worker: int, refused: multiprocessing.Queue[str]) -> None:
    with Ledger.open(url, ledger=name) as book:
        for number in range(POSTS):
            try:
                book.post([_entry(f"w{worker}-{number}", number)])
            except LedgerError as error:
                assert error.code == "period_closed", error
                refused.put(f"w{worker}-{number}")


def _run(url: str) -> None:
    name = unique_name("race")
    with Ledger.open(url, ledger=name) as book:
        book.define_accounts(CHART)
    context = multiprocessing.get_context("fork")
    refused: multiprocessing.Queue[str] = context.Queue()
    workers = [context.Process(target=_worker, args=(url, name, w, refused))
               for w in range(WORKERS)]
    for process in workers:
        process.start()
    with Ledger.open(url, ledger=name) as book:
        while len(book.entries(limit=WORKERS * POSTS).entries) < WORKERS * POSTS // 4:
            time.sleep(0.01)
        close = book.close_period(date(2024, 1, 31))
    for process in workers:
        process.join(120)
    assert [p.exitcode for p in workers] == [0] * WORKERS
    gone = set()
    while not refused.empty():
        gone.add(refused.get())
    with Ledger.open(url, ledger=name) as book:
        posted = {e.id for e in book.entries(limit=10_000).entries} - {close.closing_entry_id}
        assert posted | gone == {f"w{w}-{n}" for w in range(WORKERS) for n in range(POSTS)}
        assert not posted & gone
        assert gone, "the close came after every posting: the race was not run"
        # The closing entry emptied every posting that landed: none slipped in after it.
        own = book.balances(Period(None, close.closed_until))
        assert own["sales"]["USD"].ending == 0 and own["fees"]["USD"].ending == 0


def test_a_close_racing_postings_on_sqlite(sqlite_url: str) -> None:
    _run(sqlite_url)


def test_a_close_racing_postings_on_postgresql(pg_url: str) -> None:
    _run(pg_url)
