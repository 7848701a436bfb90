"""The database's own refusal to change posted entries (the second line of defence):
triggers on SQLite and PostgreSQL, tried with raw SQL that bypasses the API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ledgercore.config import create_engine
from ledgercore.domain import USD, Account, AccountType, Direction, JournalEntry, LineItem
from ledgercore.store import Ledger
from tests.integration.conftest import unique_name

REFUSED = [
    "UPDATE line_items SET amount = amount + 1",
    "UPDATE line_items SET account_id = account_id",
    "DELETE FROM line_items",
    "UPDATE entry_tags SET value = 'z'",
    "DELETE FROM entry_tags",
    "UPDATE journal_entries SET description = 'edited'",
    "UPDATE journal_entries SET entry_at = entry_at + 1",
    "UPDATE journal_entries SET reversal_of_id = 'x'",
    "DELETE FROM journal_entries",
]


@pytest.fixture
def posted(database_url: str) -> str:
    with Ledger.open(database_url, ledger=unique_name()) as book:
        book.define_accounts([Account("cash", "Cash", AccountType.ASSET),
                              Account("sales", "Sales", AccountType.REVENUE)])
        book.post([JournalEntry("s0", datetime(2024, 1, 2, tzinfo=UTC), (
            LineItem("cash", USD, 100, Direction.DEBIT),
            LineItem("sales", USD, 100, Direction.CREDIT)), tags=(("k", "v"),))])
    return database_url


@pytest.mark.parametrize("statement", REFUSED)
def test_posted_content_cannot_change(posted: str, statement: str) -> None:
    engine = create_engine(posted)
    try:
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text(statement))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM line_items")).scalar_one() > 0
    finally:
        engine.dispose()


def test_the_reversal_link_is_set_once(posted: str) -> None:
    engine = create_engine(posted)
    try:
        with engine.begin() as connection:
            done = connection.execute(text(
                "UPDATE journal_entries SET reversal_id = 'r0' WHERE reversal_id IS NULL"))
            assert done.rowcount >= 1
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text("UPDATE journal_entries SET reversal_id = 'r1'"))
        with pytest.raises(DBAPIError), engine.begin() as connection:
            connection.execute(text("UPDATE journal_entries SET reversal_id = NULL"))
    finally:
        engine.dispose()


def test_truncate_is_refused_on_postgresql(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        for table in ("line_items", "journal_entries", "entry_tags"):
            with pytest.raises(DBAPIError), engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {table} CASCADE"))
    finally:
        engine.dispose()


def test_check_constraints_refuse_bad_lines(posted: str) -> None:
    engine = create_engine(posted)
    try:
        with engine.connect() as connection:
            row = connection.execute(text(
                "SELECT entry_id, ledger_id, account_id, commodity_id, entry_at "
                "FROM line_items")).first()
        assert row is not None
        for amount, direction, effect in ((0, "DEBIT", 0), (-5, "DEBIT", -5),
                                          (5, "SIDEWAYS", 5), (5, "DEBIT", 7)):
            with pytest.raises(DBAPIError), engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO line_items (entry_id, position, ledger_id, account_id, "
                    "commodity_id, amount, direction, effect, entry_at) VALUES "
                    "(:e, 9, :l, :a, :c, :amount, :direction, :effect, :at)"),
                    {"e": row.entry_id, "l": row.ledger_id, "a": row.account_id,
                     "c": row.commodity_id, "amount": amount, "direction": direction,
                     "effect": effect, "at": row.entry_at})
    finally:
        engine.dispose()
