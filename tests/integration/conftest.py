"""Databases for the integration suite: a SQLite file and, when a server is given, a
fresh PostgreSQL database per test module (created with a unique name, dropped after).

Tests that take `database_url` run on both engines; `sqlite_url` / `pg_url` pick one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledgercore.store import migrate


def _server_url(postgres_url: str, database: str) -> str:
    url = make_url(postgres_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def fresh_pg_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty PostgreSQL database for this module (not migrated)."""
    server = request.getfixturevalue("postgres_url")
    name = f"lc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_server_url(server, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _server_url(server, name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def pg_url(fresh_pg_database: str) -> str:
    """A migrated PostgreSQL database for this module."""
    migrate.upgrade(fresh_pg_database)
    return fresh_pg_database


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite file for this module."""
    path: Path = tmp_path_factory.mktemp("sqlite") / "books.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database on each engine in turn."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


def unique_name(prefix: str = "ledger") -> str:
    """A ledger name no other test or example uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
