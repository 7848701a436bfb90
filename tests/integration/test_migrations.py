"""The schema comes only from the migrations, which go up, down and up again, and match
the models exactly (an autogenerate comparison finds nothing), on both engines."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from ledgercore.config import create_engine
from ledgercore.domain import (
    USD,
    Account,
    AccountType,
    Direction,
    JournalEntry,
    LineItem,
    ReportingBasis,
)
from ledgercore.store import Ledger, SchemaOutOfDate, migrate
from ledgercore.store.schema import metadata
from tests.property.cash_strategies import CHART, START

TABLES = {"ledgers", "commodities", "accounts", "journal_entries", "line_items",
          "entry_tags", "entry_seals", "period_totals",
          "cash_open_items", "cash_allocations", "cash_lines", "cash_period_totals"}
TABLES |= {"account_guards", "guarded_balances", "transfer_policies", "transfers",
           "transfer_events"}  # migration 0007
TABLES |= {"account_history", "journal_statuses", "balance_windows"}  # migration 0006
TABLES |= {"period_closes"}  # migration 0008
TABLES |= {"cash_flow_totals"}  # migration 0011


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return str(request.getfixturevalue("fresh_pg_database"))


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_up_down_up_and_models_match(empty_url: str) -> None:
    assert migrate.current(empty_url) is None
    with pytest.raises(SchemaOutOfDate):
        Ledger.open(empty_url, upgrade=False)
    migrate.upgrade(empty_url)
    assert migrate.current(empty_url) == migrate.head()
    assert _tables(empty_url) == TABLES
    assert _differences(empty_url) == []
    migrate.downgrade(empty_url, "base")
    assert migrate.current(empty_url) is None
    assert _tables(empty_url) == set()
    migrate.upgrade(empty_url)
    assert _differences(empty_url) == []
    with Ledger.open(empty_url, upgrade=False) as book:
        assert book.settings.name == "default"


def test_open_migrates_a_new_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    with Ledger.open(url) as book:
        assert book.chart().accounts == ()
    assert migrate.current(url) == migrate.head()


def test_the_default_url_comes_from_the_environment(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from ledgercore.config import DEFAULT_DATABASE_URL, resolve_database_url
    monkeypatch.delenv("LEDGERCORE_DATABASE_URL", raising=False)
    assert resolve_database_url(None) == DEFAULT_DATABASE_URL
    monkeypatch.setenv("LEDGERCORE_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert resolve_database_url(None).endswith("env.db")
    assert resolve_database_url("sqlite://") == "sqlite://"
    monkeypatch.chdir(tmp_path)
    migrate.upgrade(None)
    assert (tmp_path / "env.db").exists()


def test_head_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    assert migrate.head() == scripts.get_current_head()


PROJECTION = ("cash_open_items", "cash_allocations", "cash_lines", "cash_period_totals")


def _keys_and_rows(url: str) -> tuple[dict[str, list[list[str]]],
                                       dict[str, list[tuple[object, ...]]]]:
    """The line items' and each projection table's foreign keys (columns) and rows."""
    engine = create_engine(url)
    tables = ("line_items", *PROJECTION)
    try:
        keys = {t: sorted(k["constrained_columns"] for k in inspect(engine).get_foreign_keys(t))
                for t in tables}
        with engine.connect() as connection:
            rows = {t: sorted(tuple(r) for r in connection.execute(text(f"SELECT * FROM {t}")))
                    for t in tables}
        return keys, rows
    finally:
        engine.dispose()


def _dependents(url: str) -> set[tuple[str, str]]:
    """Every index and trigger, by name, with its definition as the database states it."""
    engine = create_engine(url)
    sql = ("SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
           "AND sql IS NOT NULL" if engine.dialect.name == "sqlite" else
           "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
           "UNION ALL SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
           "WHERE NOT tgisinternal")
    try:
        with engine.connect() as connection:
            return {(name, definition) for name, definition in connection.execute(text(sql))}
    finally:
        engine.dispose()


def test_0004_keys_the_facts_once_and_keeps_every_row(empty_url: str) -> None:
    migrate.downgrade(empty_url, "base")  # the PostgreSQL database is the module's
    migrate.upgrade(empty_url, "0003")
    before = _dependents(empty_url)
    migrate.upgrade(empty_url, "0004")
    # Rebuilt tables keep every index (partial ones too) and trigger as they were.
    at_0004 = _dependents(empty_url)
    assert {name for name, _ in at_0004 - before} == {"ix_journal_entries_id_ledger_id"}
    assert before <= at_0004
    migrate.upgrade(empty_url)
    with Ledger.open(empty_url) as book:
        book.define_accounts(CHART)
        book.post([JournalEntry("inv", START, (LineItem("ar", USD, 500, Direction.DEBIT),
                                               LineItem("product", USD, 500, Direction.CREDIT))),
                   JournalEntry("pay", START + timedelta(days=3),
                                (LineItem("bank", USD, 200, Direction.DEBIT),
                                 LineItem("ar", USD, 200, Direction.CREDIT)))])
        cash = book.balances(basis=ReportingBasis.CASH)
    keys, rows = _keys_and_rows(empty_url)
    assert keys == {"line_items": [["account_id"], ["commodity_id"], ["entry_id", "ledger_id"]],
                    **{t: [] for t in PROJECTION}}
    assert all(rows.values())  # every table holds rows
    after = _dependents(empty_url)
    migrate.downgrade(empty_url, "0004")
    assert _dependents(empty_url) == at_0004
    migrate.downgrade(empty_url, "0003")
    assert _dependents(empty_url) == before
    down_keys, down_rows = _keys_and_rows(empty_url)
    assert down_rows == rows
    assert down_keys["line_items"] == [["account_id"], ["commodity_id"], ["entry_id"],
                                       ["ledger_id"]]
    assert {t: len(k) for t, k in down_keys.items() if t in PROJECTION} == {
        "cash_open_items": 4, "cash_allocations": 5, "cash_lines": 4, "cash_period_totals": 3}
    migrate.upgrade(empty_url)
    assert _keys_and_rows(empty_url) == (keys, rows)
    assert _dependents(empty_url) == after
    assert _differences(empty_url) == []
    with Ledger.open(empty_url) as book:
        assert book.balances(basis=ReportingBasis.CASH) == cash


def test_a_line_item_is_in_its_entrys_ledger(empty_url: str) -> None:
    """The database refuses a line whose ledger is not its entry's (the second line of
    defence: the store never writes one)."""
    with Ledger.open(empty_url, ledger="a") as book:
        book.define_accounts(CHART)
        book.post([JournalEntry("inv", START, (LineItem("ar", USD, 500, Direction.DEBIT),
                                               LineItem("product", USD, 500, Direction.CREDIT)))])
    Ledger.open(empty_url, ledger="b").close()
    engine = create_engine(empty_url)
    try:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO line_items (entry_id, position, ledger_id, account_id, "
                "commodity_id, amount, direction, effect, entry_at) SELECT l.entry_id, 9, "
                "b.id, l.account_id, l.commodity_id, 1, 'DEBIT', 1, l.entry_at "
                "FROM line_items l, ledgers b WHERE b.name = 'b' AND l.position = 0"))
    finally:
        engine.dispose()


def test_0010_reads_the_creation_event_off_the_transfer(empty_url: str) -> None:
    """Migration 0010 drops the stored creation events (event 0) and its downgrade puts
    them back: each transfer's history reads the same before, between and after."""
    migrate.upgrade(empty_url)
    book = Ledger.open(empty_url, ledger="moves")
    book.define_accounts([Account("capital", "Capital", AccountType.EQUITY),
                          Account("a", "A", AccountType.ASSET),
                          Account("b", "B", AccountType.ASSET)])
    book.post([JournalEntry("fund", START, (LineItem("a", USD, 500, Direction.DEBIT),
                                            LineItem("capital", USD, 500, Direction.CREDIT)))])
    made = [book.transfer("a", "b", 10, hold=False).id,
            book.transfer("a", "b", 20, hold=True).id]
    book.execute_transfer(made[1])
    made.append(book.transfer("a", "b", 30, hold=True).id)
    book.void_transfer(made[2])
    made.append(book.transfer("a", "b", 40, hold=True).id)
    history = {t: book.transfer_events(t) for t in made}
    assert [e.status.value for e in history[made[1]]] == ["pending", "executed"]
    assert [e.status.value for e in history[made[0]]] == ["executed"]
    book.close()

    def stored_creations() -> list[tuple[str, int]]:
        engine = create_engine(empty_url)
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT status, seq FROM transfer_events WHERE seq = 0 ORDER BY transfer_id"))
            found = [(str(s), int(q)) for s, q in rows]
        engine.dispose()
        return found

    assert stored_creations() == []
    migrate.downgrade(empty_url, "0008")
    assert stored_creations() == [("executed", 0), ("pending", 0), ("pending", 0),
                                  ("pending", 0)]
    migrate.upgrade(empty_url)
    assert stored_creations() == []
    book = Ledger.open(empty_url, ledger="moves")
    assert {t: book.transfer_events(t) for t in made} == history
    book.close()
