"""A running total past 2^63 - 1 is a clean refusal on both engines (issue 14, item 2's
database part): PostgreSQL's BIGINT refuses it, SQLite's integer-total check does (it
would otherwise keep an inexact REAL), and the store says `total_limit`, nothing
written; the totals stay integers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from ledgercore.config import create_engine
from ledgercore.domain import USD, Account, AccountType, Direction, JournalEntry, LineItem
from ledgercore.store import Ledger
from ledgercore.store.contention import LARGEST_TOTAL
from ledgercore.store.errors import TotalLimit
from tests.integration.conftest import unique_name

AT = datetime(2024, 1, 2, tzinfo=UTC)


def _entry(entry_id: str, amount: int) -> JournalEntry:
    return JournalEntry(entry_id, AT, (LineItem("cash", USD, amount, Direction.DEBIT),
                                       LineItem("sales", USD, amount, Direction.CREDIT)))


def test_a_total_past_the_largest_is_refused(database_url: str) -> None:
    name = unique_name()
    with Ledger.open(database_url, ledger=name) as book:
        book.define_accounts([Account("cash", "Cash", AccountType.ASSET),
                              Account("sales", "Sales", AccountType.REVENUE)])
        book.post([_entry("e0", 100)])
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:  # totals are derived: bring one to the edge
            connection.execute(text(
                "UPDATE period_totals SET total = :edge WHERE total = 100 AND ledger_id = "
                "(SELECT id FROM ledgers WHERE name = :n)"), {"edge": LARGEST_TOTAL - 50,
                                                              "n": name})
        with Ledger.open(database_url, ledger=name) as book:
            with pytest.raises(TotalLimit) as caught:
                book.post([_entry("e1", 100)])
            assert caught.value.code == "total_limit"
            with pytest.raises(TotalLimit):
                book.load([([], [_entry("e2", 100)])])
            assert [e.id for e in book.entries().entries] == ["e0"]
        with engine.connect() as connection:
            kinds = connection.execute(text(
                "SELECT DISTINCT typeof(total) FROM period_totals" if engine.dialect.name ==
                "sqlite" else "SELECT DISTINCT pg_typeof(total)::text FROM period_totals"
            )).scalars().all()
            assert kinds in (["integer"], ["bigint"])
    finally:
        engine.dispose()
