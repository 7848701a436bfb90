"""The schema comes only from the migrations, which go up, down and up again, and match
the models exactly (an autogenerate comparison finds nothing), on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from ledgercore.config import create_engine
from ledgercore.store import Ledger, SchemaOutOfDate, migrate
from ledgercore.store.schema import metadata

TABLES = {"ledgers", "commodities", "accounts", "journal_entries", "line_items",
          "entry_tags", "period_totals",
          "cash_open_items", "cash_allocations", "cash_lines", "cash_period_totals"}


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
