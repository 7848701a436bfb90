"""Real processes posting to one SQLite file or one PostgreSQL database at once: nothing
is lost, nothing is half written, and idempotent re-posts race safely."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

from ledgercore.domain import USD, Account, AccountType, Direction, JournalEntry, LineItem
from ledgercore.store import Ledger
from tests.integration.conftest import unique_name

WORKERS = 4
POSTS = 50
SHARED = 10  # ids every worker posts with the same content: exactly one write wins
CHART = [Account("cash", "Cash", AccountType.ASSET),
         Account("sales", "Sales", AccountType.REVENUE),
         Account("fees", "Fees", AccountType.EXPENSE)]
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _entry(entry_id: str, number: int) -> JournalEntry:
    return JournalEntry(entry_id, T0 + timedelta(hours=number), (
        LineItem("cash", USD, 100 + number, Direction.DEBIT),
        LineItem("fees", USD, 7, Direction.DEBIT),
        LineItem("sales", USD, 107 + number, Direction.CREDIT)))


def _worker(url: str, name: str, worker: int) -> None:
    with Ledger.open(url, ledger=name) as book:
        book.define_accounts(CHART)
        for number in range(POSTS):
            book.post([_entry(f"w{worker}-{number}", number)])
            if number < SHARED:
                book.post([_entry(f"shared-{number}", number)])


def _run(url: str) -> None:
    name = unique_name()
    with Ledger.open(url, ledger=name) as book:
        book.define_accounts(CHART)
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_worker, args=(url, name, w)) for w in range(WORKERS)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(120)
    assert [p.exitcode for p in workers] == [0] * WORKERS
    with Ledger.open(url, ledger=name) as book:
        entries = list(book.entries(limit=10_000).entries)
        assert len(entries) == WORKERS * POSTS + SHARED
        assert all(len(entry.line_items) == 3 for entry in entries)
        expected = {e.id: e for e in entries}
        for number in range(SHARED):
            assert expected[f"shared-{number}"] == _entry(f"shared-{number}", number)
        cash = sum(100 + n for n in range(POSTS)) * WORKERS + sum(100 + n for n in range(SHARED))
        assert book.balances()["cash"]["USD"].ending == cash
        assert book.trial_balance().is_balanced()
        before = book.balances()
        book.rebuild_period_totals()  # the totals written concurrently equal a fresh sum
        assert book.balances() == before


def test_processes_posting_to_one_sqlite_file(sqlite_url: str) -> None:
    _run(sqlite_url)


def test_processes_posting_to_one_postgresql_database(pg_url: str) -> None:
    _run(pg_url)
