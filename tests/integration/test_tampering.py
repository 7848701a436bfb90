"""Posted history cannot be changed through SQL (issue 14, item 4): every statement below,
run by hand past the API, is refused by the database itself on SQLite and PostgreSQL, and
leaves the books as they were; the writes the store makes (an entry, its tags and its
lines in order, in one transaction) still go in."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from ledgercore.config import create_engine
from ledgercore.domain import USD, Account, AccountType, Direction, JournalEntry, LineItem
from ledgercore.store import Ledger
from tests.integration.conftest import unique_name

AT = datetime(2024, 1, 2, tzinfo=UTC)
NEW_KEY = 900_000_000  # a row key no posted entry has

# A new entry's row, with :key, :count lines stated; the ledger's keys come from `keys`.
_ENTRY = ("INSERT INTO journal_entries (id, ledger_id, external_id, entry_type, entry_at, "
          "created_at, digest, line_count) VALUES (:key, :ledger, :external, 'x', 0, 0, "
          "'d', :count)")
_LINE = ("INSERT INTO line_items (entry_id, position, ledger_id, account_id, commodity_id, "
         "amount, direction, effect, entry_at) VALUES (:entry, :position, :ledger, :account, "
         ":commodity, :amount, :direction, :effect, 0)")
_TAG = "INSERT INTO entry_tags (entry_id, key, value) VALUES (:entry, 'k', 'new')"


@pytest.fixture
def books(database_url: str) -> Iterator[tuple[Engine, dict[str, int]]]:
    """A ledger with one posted entry (tagged), and the row keys to tamper with."""
    name = unique_name()
    with Ledger.open(database_url, ledger=name) as book:
        book.define_accounts([Account("cash", "Cash", AccountType.ASSET),
                              Account("sales", "Sales", AccountType.REVENUE)])
        book.post([JournalEntry("s0", AT, (LineItem("cash", USD, 100, Direction.DEBIT),
                                           LineItem("sales", USD, 100, Direction.CREDIT)),
                                tags=(("k", "v"),))])
    engine = create_engine(database_url)
    with engine.connect() as connection:
        keys = dict(connection.execute(text(
            "SELECT 'ledger', l.id FROM ledgers l WHERE l.name = :n UNION ALL "
            "SELECT 'cash', a.id FROM accounts a JOIN ledgers l ON l.id = a.ledger_id "
            "WHERE l.name = :n AND a.external_id = 'cash' UNION ALL "
            "SELECT 'sales', a.id FROM accounts a JOIN ledgers l ON l.id = a.ledger_id "
            "WHERE l.name = :n AND a.external_id = 'sales' UNION ALL "
            "SELECT 'usd', c.id FROM commodities c JOIN ledgers l ON l.id = c.ledger_id "
            "WHERE l.name = :n UNION ALL "
            "SELECT 'entry', e.id FROM journal_entries e JOIN ledgers l ON l.id = e.ledger_id "
            "WHERE l.name = :n"), {"n": name}).tuples().all())
    keys["new"] = NEW_KEY + keys["ledger"]
    try:
        yield engine, keys
    finally:
        engine.dispose()


def _line(keys: dict[str, int], entry: str, position: int, account: str, amount: int,
          direction: str) -> tuple[str, dict[str, object]]:
    effect = amount if (direction == "DEBIT") == (account == "cash") else -amount
    return _LINE, {"entry": keys[entry], "position": position, "ledger": keys["ledger"],
                   "account": keys[account], "commodity": keys["usd"], "amount": amount,
                   "direction": direction, "effect": effect}


def _entry(keys: dict[str, int], count: int) -> tuple[str, dict[str, object]]:
    return _ENTRY, {"key": keys["new"], "ledger": keys["ledger"],
                    "external": f"hand-{keys['new']}", "count": count}


Statement = tuple[str, dict[str, object]]


def _tampering(keys: dict[str, int]) -> dict[str, Sequence[Statement]]:
    """Each attempt: statements run in one transaction, which must not commit."""
    ids = {"ledger": keys["ledger"], "cash": keys["cash"], "usd": keys["usd"]}
    return {
        "an extra line in a posted entry": [_line(keys, "entry", 2, "cash", 5, "DEBIT")],
        "an extra balanced pair in a posted entry": [
            _line(keys, "entry", 2, "cash", 5, "DEBIT"),
            _line(keys, "entry", 3, "sales", 5, "CREDIT")],
        "a line at a gap in a posted entry": [_line(keys, "entry", 5, "cash", 5, "DEBIT")],
        "an entry with no lines": [_entry(keys, 2)],
        "an entry stating no line count": [
            (_ENTRY.replace(", line_count", "").replace(", :count", ""), _entry(keys, 0)[1])],
        "an entry missing its last line": [
            _entry(keys, 3), _line(keys, "new", 0, "cash", 5, "DEBIT"),
            _line(keys, "new", 1, "sales", 5, "CREDIT")],
        "an unbalanced entry": [
            _entry(keys, 2), _line(keys, "new", 0, "cash", 5, "DEBIT"),
            _line(keys, "new", 1, "sales", 6, "CREDIT")],
        "lines out of order": [
            _entry(keys, 2), _line(keys, "new", 1, "sales", 5, "CREDIT"),
            _line(keys, "new", 0, "cash", 5, "DEBIT")],
        "a tag on a posted entry": [(_TAG, {"entry": keys["entry"]})],
        "a tag on an entry after its lines": [
            _entry(keys, 2), _line(keys, "new", 0, "cash", 5, "DEBIT"),
            _line(keys, "new", 1, "sales", 5, "CREDIT"), (_TAG, {"entry": keys["new"]})],
        "an account's normality": [
            ("UPDATE accounts SET normality = 'CREDIT' WHERE id = :cash", ids)],
        "an account's type": [("UPDATE accounts SET type = 'EXPENSE' WHERE id = :cash", ids)],
        "an account's id": [("UPDATE accounts SET external_id = 'till' WHERE id = :cash", ids)],
        "a commodity's scale": [("UPDATE commodities SET scale = 3 WHERE id = :usd", ids)],
        "a ledger's timezone": [
            ("UPDATE ledgers SET timezone = 'Europe/Paris' WHERE id = :ledger", ids)],
        "a seal's position": [("UPDATE entry_seals SET last_position = 5", {})],
        "a seal removed": [("DELETE FROM entry_seals", {})],
        "a period total past 2^63 - 1": [
            ("UPDATE period_totals SET total = total + 9223372036854775807 "
             "WHERE ledger_id = :ledger", ids)],
        "a line's amount": [("UPDATE line_items SET amount = 7", {})],
    }


def _snapshot(connection: Connection) -> list[object]:
    return [connection.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2")).all()
            for table in ("journal_entries", "line_items", "entry_tags", "entry_seals",
                          "accounts", "commodities", "ledgers", "period_totals")]


@pytest.mark.parametrize("attempt", sorted(_tampering({k: 0 for k in (
    "ledger", "cash", "sales", "usd", "entry", "new")})))
def test_the_database_refuses(books: tuple[Engine, dict[str, int]], attempt: str) -> None:
    engine, keys = books
    with engine.connect() as connection:
        before = _snapshot(connection)
    with pytest.raises(DBAPIError), engine.begin() as connection:
        for statement, parameters in _tampering(keys)[attempt]:
            connection.execute(text(statement), parameters)
    with engine.connect() as connection:
        assert _snapshot(connection) == before


def test_a_non_integer_period_total_is_refused_on_sqlite(
        books: tuple[Engine, dict[str, int]]) -> None:
    engine, _ = books
    if engine.dialect.name != "sqlite":
        pytest.skip("a PostgreSQL BIGINT holds integers only")
    with pytest.raises(DBAPIError), engine.begin() as connection:
        connection.execute(text("UPDATE period_totals SET total = 1.5"))


def test_labels_may_change_and_whole_entries_go_in(
        books: tuple[Engine, dict[str, int]]) -> None:
    """What the rules leave open: an account's name, and an entry written as the store
    writes it (entry, tags, lines in order) in one transaction."""
    engine, keys = books
    with engine.begin() as connection:
        connection.execute(text("UPDATE accounts SET name = 'Till' WHERE id = :cash"),
                           {"cash": keys["cash"]})
        for statement, parameters in [
                _entry(keys, 2), (_TAG, {"entry": keys["new"]}),
                _line(keys, "new", 0, "cash", 5, "DEBIT"),
                _line(keys, "new", 1, "sales", 5, "CREDIT")]:
            connection.execute(text(statement), parameters)
    with engine.connect() as connection:
        assert connection.execute(text(
            "SELECT last_position FROM entry_seals WHERE entry_id = :e"),
            {"e": keys["new"]}).scalar_one() == 1


def test_rebuild_refuses_to_launder_tampering(books: tuple[Engine, dict[str, int]]) -> None:
    """With the rules dropped by hand (or on a database tampered with before them), an
    extra line gets in; rebuilding the derived figures from it is then refused."""
    from ledgercore.store.errors import TamperedHistory

    engine, keys = books
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        rule = connection.execute(text(
            "SELECT sql FROM sqlite_master WHERE name = 'line_items_sealed'")).scalar_one(
            ) if sqlite else "ALTER TABLE line_items ENABLE TRIGGER line_items_sealed"
        connection.execute(text("DROP TRIGGER line_items_sealed" if sqlite else
                                "ALTER TABLE line_items DISABLE TRIGGER line_items_sealed"))
        statement, parameters = _line(keys, "entry", 2, "cash", 5, "DEBIT")
        connection.execute(text(statement), parameters)
        connection.execute(text(rule))  # the rule back, for the module's other tests
    with engine.connect() as connection:
        name = connection.execute(text("SELECT name FROM ledgers WHERE id = :l"),
                                  {"l": keys["ledger"]}).scalar_one()
    with Ledger.open(engine.url.render_as_string(hide_password=False), ledger=name) as book:
        before = book.balances()
        with pytest.raises(TamperedHistory) as caught:
            book.rebuild_period_totals()
        assert caught.value.details["entry_ids"] == ["s0"]
        with pytest.raises(TamperedHistory):
            book.rebuild_cash_projection()
        assert book.balances() == before
