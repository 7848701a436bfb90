"""Nothing destroys or creates data by default (issue 13).

`db downgrade` needs an explicit revision and `--yes`, and says what it drops; the commands
that only read create no database file, no schema and no ledger: each refusal is proven
by the row counts (or the file) before and after.
"""

from __future__ import annotations

import os
import pty
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from ledgercore.store import migrate

from .conftest import (
    ALPACA_JIT,
    LAYER_BALANCES,
    LAYER_ENTRIES,
    Q1,
    Run,
    assert_refused,
    read_terminal,
    run_on,
    sqlite_url,
)
from .test_process import ROOT

READS = [("balances",), ("entries",), ("balances", "--basis", "cash", "--format", "json"),
         ("verify", "layer-balances", str(LAYER_BALANCES), *Q1),
         ("verify", "alpaca-jit-balances", str(ALPACA_JIT)), ("db", "rebuild")]


def row_counts(path: Path) -> dict[str, int]:
    """Every table of the SQLite file and its row count, read without writing."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table in tables}


@pytest.fixture
def books(tmp_path: Path) -> Path:
    """A SQLite file holding the Layer example in ledger `acme`."""
    path = tmp_path / "books.db"
    run = run_on(sqlite_url(path))
    for kind, source in (("layer-balances", LAYER_BALANCES), ("layer-entries", LAYER_ENTRIES)):
        assert run("--ledger", "acme", "import", kind, source, "--quiet").exit_code == 0
    return path


# -- db downgrade -----------------------------------------------------------------------

def test_downgrade_without_a_revision_is_refused_and_drops_nothing(books: Path) -> None:
    before = row_counts(books)
    outcome = run_on(sqlite_url(books))("db", "downgrade")
    assert_refused(outcome, "confirmation_required", "--revision", "--yes")
    assert row_counts(books) == before and migrate.current(sqlite_url(books)) == migrate.head()


def test_downgrade_without_yes_says_what_it_would_drop_and_drops_nothing(books: Path) -> None:
    before = row_counts(books)
    assert before["journal_entries"] == 17
    outcome = run_on(sqlite_url(books))("db", "downgrade", "--revision", "base")
    assert_refused(outcome, "confirmation_required", "--yes", "'acme' (17 entries)", "every table",
                   "Nothing was changed")
    assert row_counts(books) == before


def test_downgrade_with_yes_drops_what_it_said(books: Path) -> None:
    run = run_on(sqlite_url(books))
    partial = run("db", "downgrade", "--revision", "0002", "--yes")
    assert partial.exit_code == 0, partial.stderr
    assert "undoes" in partial.stdout and "0003" in partial.stdout
    assert migrate.current(sqlite_url(books)) == "0002"
    assert row_counts(books)["journal_entries"] == 17  # the facts stay below 0003
    everything = run("db", "downgrade", "--revision", "base", "--yes")
    assert everything.exit_code == 0 and "'acme' (17 entries)" in everything.stdout
    assert set(row_counts(books)) <= {"alembic_version"}


def test_downgrade_to_an_unknown_revision_is_refused(books: Path) -> None:
    before = row_counts(books)
    outcome = run_on(sqlite_url(books))("db", "downgrade", "--revision", "nosuch", "--yes")
    assert_refused(outcome, "unknown_revision", "nosuch")
    assert row_counts(books) == before


# -- read commands create nothing -------------------------------------------------------

@pytest.mark.parametrize("command", READS, ids=" ".join)
def test_an_unknown_ledger_is_refused_naming_the_ledgers_held(books: Path,
                                                              command: tuple[str, ...]) -> None:
    before = row_counts(books)
    outcome = run_on(sqlite_url(books))("--ledger", "nosuch", *command)
    assert_refused(outcome, "unknown_ledger", "'nosuch'", "'acme'")
    assert row_counts(books) == before


@pytest.mark.parametrize("command", [*READS, ("ledgers",)], ids=" ".join)
def test_a_missing_file_is_refused_and_not_created(tmp_path: Path,
                                                   command: tuple[str, ...]) -> None:
    path = tmp_path / "typo.db"
    outcome = run_on(sqlite_url(path))(*command)
    assert_refused(outcome, "database_not_found", "typo.db")
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    before = path.read_bytes()
    for command in (("balances",), ("ledgers",)):
        assert_refused(run_on(sqlite_url(path))(*command), "not_a_ledger_database",
                       "notes.db")
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]


def test_another_apps_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO users (name) VALUES ('ada')")
        connection.commit()
    before = path.read_bytes()
    assert_refused(run_on(sqlite_url(path))("entries"), "not_a_ledger_database", "users",
                   "ledgercore db upgrade")
    assert path.read_bytes() == before


@pytest.mark.parametrize("setup", ["empty file", "downgraded to base", "older revision"])
def test_an_unmigrated_database_names_db_upgrade(tmp_path: Path, setup: str) -> None:
    path = tmp_path / "books.db"
    url = sqlite_url(path)
    if setup == "empty file":
        path.touch()
    else:
        migrate.upgrade(url)
        migrate.downgrade(url, "base" if setup == "downgraded to base" else "0002")
    before = row_counts(path)
    outcome = run_on(url)("balances")
    assert_refused(outcome, "schema_out_of_date", "ledgercore db upgrade")
    assert row_counts(path) == before


def test_write_commands_still_create_and_migrate(run: Run, db: str) -> None:
    assert run("import", "layer-balances", LAYER_BALANCES, "--quiet").exit_code == 0
    assert migrate.current(db) == migrate.head()
    assert run("balances").exit_code == 0


# -- ledgercore ledgers -----------------------------------------------------------------

def test_ledgers_lists_names_counts_and_ranges(books: Path) -> None:
    run = run_on(sqlite_url(books))
    alpaca = run("--ledger", "broker", "import", "alpaca-jit-balances", ALPACA_JIT, "--quiet")
    assert alpaca.exit_code == 0
    listed = run("ledgers", "--format", "json")
    assert listed.exit_code == 0
    assert listed.json() == [
        {"name": "acme", "timezone": "UTC", "entries": 17,
         "first_entry_at": "2024-01-01T12:00:00+00:00",
         "last_entry_at": "2024-03-28T23:00:00+00:00"},
        {"name": "broker", "timezone": "UTC", "entries": 8,
         "first_entry_at": "2024-06-09T00:00:00+00:00",
         "last_entry_at": "2024-06-13T00:00:00+00:00"}]
    table = run("ledgers").stdout
    assert "2 ledgers" in table and "acme" in table and "broker" in table
    assert run("ledgers").stdout.count("\n") >= 5


def test_ledgers_of_a_new_database_is_empty(run: Run) -> None:
    assert run("db", "upgrade").exit_code == 0
    outcome = run("ledgers", "--format", "json")
    assert (outcome.exit_code, outcome.json()) == (0, [])


def _downgrade_on_a_terminal(url: str, answer: bytes, cwd: Path) -> tuple[int, str]:
    """`db downgrade --revision base` with a terminal for stdin and stdout, answering."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200", "TERM": "dumb"}
    process = subprocess.Popen([sys.executable, "-m", "ledgercore", "--db", url, "db",
                                "downgrade", "--revision", "base"], cwd=cwd, env=env,
                               stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    shown = read_terminal(leader, b"Go ahead?", answer)
    # The terminal wraps long lines where its width falls: compare the words, not the breaks.
    return process.wait(timeout=120), " ".join(shown.split())


def test_a_terminal_is_asked_and_no_keeps_every_row(books: Path, tmp_path: Path) -> None:
    before = row_counts(books)
    status, shown = _downgrade_on_a_terminal(sqlite_url(books), b"n\n", tmp_path)
    assert status == 1 and "'acme' (17 entries)" in shown and "nothing changed" in shown
    assert row_counts(books) == before


def test_a_terminal_that_answers_yes_downgrades(books: Path, tmp_path: Path) -> None:
    status, shown = _downgrade_on_a_terminal(sqlite_url(books), b"y\n", tmp_path)
    assert status == 0 and "schema at empty" in shown
    assert migrate.current(sqlite_url(books)) is None


def test_db_current_of_a_missing_file_does_not_create_it(tmp_path: Path) -> None:
    outcome = run_on(sqlite_url(tmp_path / "books.db"))("db", "current")
    assert outcome.exit_code == 0 and outcome.stdout.startswith("empty (no revision)")
    assert list(tmp_path.iterdir()) == []


def test_downgrading_a_missing_file_is_refused_and_creates_none(tmp_path: Path) -> None:
    outcome = run_on(sqlite_url(tmp_path / "typo.db"))("db", "downgrade", "--revision",
                                                         "base", "--yes")
    assert_refused(outcome, "database_not_found", "typo.db")
    assert list(tmp_path.iterdir()) == []
