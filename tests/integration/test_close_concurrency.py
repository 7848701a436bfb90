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
MOST = 5_000  # postings a worker tries at most: it stops after its third refusal
CHART = [Account("cash", "Cash", AccountType.ASSET),
         Account("sales", "Sales", AccountType.REVENUE),
         Account("fees", "Fees", AccountType.EXPENSE)]
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _entry(entry_id: str, number: int) -> JournalEntry:
    return JournalEntry(entry_id, T0 + timedelta(hours=number % 700), (
        LineItem("cash", USD, 100 + number, Direction.DEBIT),
        LineItem("fees", USD, 7, Direction.DEBIT),
        LineItem("sales", USD, 107 + number, Direction.CREDIT)))


def _worker(url: str, name: str, worker: int,
            outcomes: multiprocessing.Queue[tuple[str, bool]]) -> None:
    """Post until the close has refused three postings: the race always happens."""
    refusals = 0
    with Ledger.open(url, ledger=name) as book:
        for number in range(MOST):
            entry_id = f"w{worker}-{number}"
            try:
                book.post([_entry(entry_id, number)])
            except LedgerError as error:
                assert error.code == "period_closed", error
                outcomes.put((entry_id, False))
                refusals += 1
                if refusals == 3:
                    return
            else:
                outcomes.put((entry_id, True))


def _run(url: str) -> None:
    name = unique_name("race")
    with Ledger.open(url, ledger=name) as book:
        book.define_accounts(CHART)
    context = multiprocessing.get_context("fork")
    outcomes: multiprocessing.Queue[tuple[str, bool]] = context.Queue()
    workers = [context.Process(target=_worker, args=(url, name, w, outcomes))
               for w in range(WORKERS)]
    for process in workers:
        process.start()
    with Ledger.open(url, ledger=name) as book:
        while len(book.entries(limit=50).entries) < 50:
            time.sleep(0.01)
        close = book.close_period(date(2024, 1, 31))
    told: dict[str, bool] = {}
    while len([1 for ok in told.values() if not ok]) < 3 * WORKERS:
        entry_id, ok = outcomes.get(timeout=120)
        told[entry_id] = ok
    for process in workers:
        process.join(120)
    assert [p.exitcode for p in workers] == [0] * WORKERS
    with Ledger.open(url, ledger=name) as book:
        posted = {e.id for e in book.entries(limit=100_000).entries} - {close.closing_entry_id}
        # What each worker was told is what happened: posted, or refused and not written.
        assert posted == {entry_id for entry_id, ok in told.items() if ok}
        # The closing entry emptied every posting that landed: none slipped in after it.
        own = book.balances(Period(None, close.closed_until))
        assert own["sales"]["USD"].ending == 0 and own["fees"]["USD"].ending == 0


def test_a_close_racing_postings_on_sqlite(sqlite_url: str) -> None:
    _run(sqlite_url)


def test_a_close_racing_postings_on_postgresql(pg_url: str) -> None:
    _run(pg_url)
