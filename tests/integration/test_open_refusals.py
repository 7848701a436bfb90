"""`Ledger.open(..., create=False)` refuses and creates nothing, on both engines; the default
still creates what it needs; `list_ledgers` reads the directory of ledgers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from ledgercore.config import create_engine, normalize_url
from ledgercore.domain import USD, Account, AccountType, Direction, JournalEntry, LineItem
from ledgercore.store import Ledger, SchemaOutOfDate, UnknownLedger, migrate
from ledgercore.store.directory import list_ledgers
from ledgercore.store.errors import DatabaseNotFound, NotALedgerDatabase

from .conftest import unique_name


@pytest.fixture
def blank_pg_database(postgres_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database of this test alone (the module's is migrated)."""
    name = f"lc_blank_{uuid.uuid4().hex[:12]}"
    server = normalize_url(postgres_url)
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _ledger_names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT name FROM ledgers")).scalars())
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_an_unknown_ledger_is_refused_and_not_created(database_url: str) -> None:
    held = unique_name("held")
    Ledger.open(database_url, ledger=held).close()
    before = sorted(_ledger_names(database_url))
    missing = unique_name("missing")
    with pytest.raises(UnknownLedger) as refused:
        Ledger.open(database_url, ledger=missing, create=False)
    assert refused.value.code == "unknown_ledger"
    assert refused.value.ledger == missing and held in refused.value.known
    assert sorted(_ledger_names(database_url)) == before


def test_the_default_still_creates_the_ledger(database_url: str) -> None:
    name = unique_name()
    with Ledger.open(database_url, ledger=name) as books:
        books.define_accounts([Account("bank", "Bank", AccountType.ASSET),
                               Account("sales", "Sales", AccountType.REVENUE)])
        books.post([JournalEntry("e1", datetime(2024, 5, 1, 12, tzinfo=UTC), (
            LineItem("bank", USD, 500, Direction.DEBIT),
            LineItem("sales", USD, 500, Direction.CREDIT)))])
    with Ledger.open(database_url, ledger=name, create=False) as books:
        assert books.get_entry("e1").id == "e1"
    summary = {s.name: s for s in list_ledgers(database_url)}[name]
    assert summary.entries == 1
    assert summary.first_entry_at == summary.last_entry_at == datetime(2024, 5, 1, 12,
                                                                       tzinfo=UTC)


def test_an_unmigrated_postgresql_database_is_refused_and_left_empty(
        blank_pg_database: str) -> None:
    with pytest.raises(SchemaOutOfDate):
        Ledger.open(blank_pg_database, create=False)
    with pytest.raises(SchemaOutOfDate):
        list_ledgers(blank_pg_database)
    assert _tables(blank_pg_database) == set()
    assert migrate.current(blank_pg_database) is None


def test_another_apps_postgresql_database_is_refused(blank_pg_database: str) -> None:
    engine = create_engine(blank_pg_database)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE invoices (id integer PRIMARY KEY)"))
        with pytest.raises(NotALedgerDatabase):
            Ledger.open(blank_pg_database, create=False)
        assert _tables(blank_pg_database) == {"invoices"}
    finally:
        engine.dispose()


def test_a_missing_sqlite_file_is_refused_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    with pytest.raises(DatabaseNotFound):
        Ledger.open(f"sqlite:///{path}", create=False)
    with pytest.raises(DatabaseNotFound):
        list_ledgers(f"sqlite:///{path}")
    assert list(tmp_path.iterdir()) == []


def test_an_in_memory_database_is_unmigrated_for_create_false() -> None:
    with pytest.raises(SchemaOutOfDate):
        Ledger.open("sqlite:///:memory:", create=False)
