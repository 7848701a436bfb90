"""Imports killed with SIGKILL at random moments, half of them in the middle of writing
(issue 14, proof): after each kill the books are whole (every entry complete and
balanced, the totals those of the lines, the database's own check ok), the import
counted all or nothing, no process of the import is left, and importing again converges
to the uninterrupted result; on both engines."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from ledgercore.config import create_engine
from ledgercore.importing import import_file
from ledgercore.providers import PayloadKind
from ledgercore.store import Ledger
from tests.integration.conftest import unique_name
from tests.processes.helpers import descendants, gone, layer_entries_file, python

TRIALS = 4
_IMPORT_LOCK = 0x4C43_0001  # store.contention's first advisory-lock key
# `ledgercore import layer-entries` with the file read in a second process whatever its
# size, as a big file is: the reader is one more process that must not survive.
_IMPORT = """
import sys
import ledgercore.importing
ledgercore.importing.READ_IN_WORKER_BYTES = 0
from ledgercore.cli import app
app(prog_name="ledgercore", args=sys.argv[1:])
"""


def _import(url: str, ledger: str, path: Path) -> subprocess.Popen[str]:
    return python(_IMPORT, "--db", url, "--ledger", ledger, "import", "layer-entries",
                  str(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _entries(url: str, ledger: str) -> int:
    with Ledger.open(url, ledger=ledger) as book:
        return len(book.entries(limit=100_000).entries)


def _whole(url: str, ledger: str) -> None:
    """The books hold only complete, balanced entries, and totals that match the lines."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            broken = connection.execute(text(
                "SELECT e.id FROM journal_entries e JOIN ledgers g ON g.id = e.ledger_id "
                "LEFT JOIN entry_seals s ON s.entry_id = e.id WHERE g.name = :n AND ("
                "s.entry_id IS NULL OR e.line_count <> (SELECT count(*) FROM line_items l "
                "WHERE l.entry_id = e.id) OR EXISTS (SELECT 1 FROM line_items l "
                "WHERE l.entry_id = e.id GROUP BY l.commodity_id HAVING sum(CASE "
                "WHEN l.direction = 'DEBIT' THEN l.amount ELSE -l.amount END) <> 0))"),
                {"n": ledger}).all()
            assert broken == []
    finally:
        engine.dispose()
    with Ledger.open(url, ledger=ledger) as book:
        kept = book.balances()
        assert book.trial_balance().is_balanced()
        book.rebuild_period_totals()
        assert book.balances() == kept


def _writing_begins(url: str, run: subprocess.Popen[str]) -> bool:
    """Wait until `run` holds its import's write lock (True), or has ended (False).

    SQLite: the database's write lock is taken (a probe's BEGIN IMMEDIATE fails at once);
    PostgreSQL: the import's advisory lock on its ledger is held.
    """
    engine = create_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    probe = (f"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
             f"AND classid = {_IMPORT_LOCK} AND granted")
    try:
        with engine.connect() as connection:
            if sqlite:
                connection.exec_driver_sql("PRAGMA busy_timeout = 0")
            while run.poll() is None:
                if sqlite:
                    try:
                        connection.exec_driver_sql("BEGIN IMMEDIATE")
                        connection.exec_driver_sql("ROLLBACK")
                    except OperationalError:
                        return True
                elif connection.exec_driver_sql(probe).scalar():
                    return True
                else:
                    connection.rollback()
                time.sleep(0.005)
            return False
    finally:
        engine.dispose()


def _crash(url: str, tmp_path: Path) -> None:
    first, whole = tmp_path / "first.json", tmp_path / "whole.json"
    before = layer_entries_file(first, range(0, 10))
    total = layer_entries_file(whole, range(0, 60))
    reference = unique_name("reference")
    with Ledger.open(url, ledger=reference) as book:
        import_file(book, PayloadKind.LAYER_ENTRIES, first)
    started = time.monotonic()  # a whole run, from the process's start, on this machine now
    assert _import(url, reference, whole).wait(120) == 0
    duration = time.monotonic() - started
    rng = random.Random(14)
    for trial in range(TRIALS):
        ledger = unique_name(f"crash{trial}")
        with Ledger.open(url, ledger=ledger) as book:
            import_file(book, PayloadKind.LAYER_ENTRIES, first)
        run = _import(url, ledger, whole)
        if trial % 2:  # in the middle of writing: its transaction open
            assert _writing_begins(url, run), f"trial {trial}: the import never wrote"
            time.sleep(rng.uniform(0.0, 0.05))
        else:  # at any moment of its run: starting, reading, writing, committing
            time.sleep(rng.uniform(0.3, 1.0) * duration)
        family = [run.pid, *descendants(run.pid)]
        run.send_signal(signal.SIGKILL)
        run.communicate()
        assert gone(family), f"trial {trial}: a process of the import survived"
        _whole(url, ledger)
        assert _entries(url, ledger) in (before, total), f"trial {trial}: half an import"
        with Ledger.open(url, ledger=ledger) as book, \
                Ledger.open(url, ledger=reference) as expected:
            import_file(book, PayloadKind.LAYER_ENTRIES, whole)  # again, to the end
            assert book.balances() == expected.balances()
        _whole(url, ledger)
        assert _entries(url, ledger) == total


def test_killed_sqlite_imports_leave_whole_books(sqlite_url: str, tmp_path: Path) -> None:
    _crash(sqlite_url, tmp_path)


def test_killed_postgresql_imports_leave_whole_books(pg_url: str, tmp_path: Path) -> None:
    _crash(pg_url, tmp_path)
