"""A write that loses a race is retried, and the retry succeeds (PostgreSQL).

Real lock contention, no mocked database: this test's own transaction inserts the
commodity a posting process is about to record, and holds it uncommitted. The posting
process (a real one) blocks on that row's unique key; once the test commits, its insert
fails with a unique violation (SQLSTATE 23505), the unit of work asks `_retryable`,
rolls back, reloads the catalog and posts again, this time finding the commodity. The
only thing the child changes is a counter around `_retryable`, to prove the retry ran.
"""

from __future__ import annotations

import multiprocessing
import time
from datetime import UTC, datetime
from multiprocessing.queues import Queue
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from ledgercore.domain import Account, AccountType, Commodity, Direction, JournalEntry, LineItem
from ledgercore.store import Ledger, unit_of_work
from tests.integration.conftest import unique_name

XTS = Commodity("XTS", 2)  # the ISO code reserved for testing
CHART = [Account("cash", "Cash", AccountType.ASSET),
         Account("sales", "Sales", AccountType.REVENUE)]
ENTRY = JournalEntry("race-1", datetime(2024, 1, 1, tzinfo=UTC), (
    LineItem("cash", XTS, 1250, Direction.DEBIT),
    LineItem("sales", XTS, 1250, Direction.CREDIT)))


def _post(url: str, name: str, report: Queue[Any]) -> None:
    real = unit_of_work._retryable
    answers: list[bool] = []

    def counted(exc: Any) -> bool:
        answer = real(exc)
        answers.append(answer)
        return answer

    unit_of_work._retryable = counted  # the spy; the database is the real one
    with Ledger.open(url, ledger=name) as book:
        book.post([ENTRY])
    report.put(answers)


def _waiting_on_a_lock(engine: Any, database: str) -> bool:
    with engine.connect() as connection:
        return bool(connection.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = :db "
            "AND wait_event_type = 'Lock'"), {"db": database}).scalar_one())


@pytest.mark.postgres
def test_a_post_that_loses_a_unique_key_race_is_retried(pg_url: str) -> None:
    name = unique_name("race")
    with Ledger.open(pg_url, ledger=name) as book:
        book.define_accounts(CHART)
    engine = create_engine(pg_url)
    database = engine.url.database
    context = multiprocessing.get_context("fork")
    report: Queue[Any] = context.Queue()
    try:
        with engine.connect() as holder:
            holder.begin()
            ledger_id = holder.execute(text("SELECT id FROM ledgers WHERE name = :n"),
                                       {"n": name}).scalar_one()
            holder.execute(text("INSERT INTO commodities (ledger_id, code, scale) "
                                "VALUES (:l, 'XTS', 2)"), {"l": ledger_id})
            poster = context.Process(target=_post, args=(pg_url, name, report))
            poster.start()
            deadline = time.monotonic() + 60
            while not _waiting_on_a_lock(engine, str(database)):
                assert poster.is_alive(), "the poster finished without waiting"
                assert time.monotonic() < deadline, "the poster never blocked on the row"
                time.sleep(0.05)
            holder.commit()  # the poster's insert now fails: 23505
        poster.join(60)
        assert poster.exitcode == 0
        answers = report.get(timeout=5)
        assert answers == [True]  # one lost race, recognised as retryable, then success
        with Ledger.open(pg_url, ledger=name) as book:
            assert book.get_entry("race-1") == ENTRY
            assert book.balances()["cash"]["XTS"].ending == 1250
            assert book.commodities() == (XTS,)
    finally:
        engine.dispose()
