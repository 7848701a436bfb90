"""Readers run beside a writer (issue 14, item 5): while another process holds a write
transaction open (an import in progress), `ledgercore balances` and the Python API answer
at once from the last committed state, on SQLite (WAL: readers never take the write lock)
and PostgreSQL; a second SQLite writer that gives up waiting says another process is
writing and how long it waited (`database_busy`), not that the URL is wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ledgercore.domain import USD, Account, AccountType, Direction, JournalEntry, LineItem
from ledgercore.store import Ledger
from tests.integration.conftest import unique_name
from tests.processes.helpers import ROOT, python

CHART = [Account("cash", "Cash", AccountType.ASSET),
         Account("sales", "Sales", AccountType.REVENUE)]

# A writer that posts one entry inside a load, says "holding" and keeps the transaction
# (and on SQLite the write lock) open until a line arrives on its stdin.
_WRITER = """
import sys
from datetime import UTC, datetime
from ledgercore.domain import USD, Direction, JournalEntry, LineItem
from ledgercore.store import Ledger

def stream():
    yield [], [JournalEntry("held", datetime(2024, 1, 3, tzinfo=UTC), (
        LineItem("cash", USD, 5, Direction.DEBIT), LineItem("sales", USD, 5, Direction.CREDIT)))]
    print("holding", flush=True)
    sys.stdin.readline()

with Ledger.open(sys.argv[1], ledger=sys.argv[2]) as book:
    print(book.load(stream()).posted, flush=True)
"""

# A second writer with a short busy timeout: posts one entry, prints its refusal's code.
_IMPATIENT = """
import sys
import ledgercore.config
ledgercore.config.SQLITE_BUSY_TIMEOUT_MS = 500
from datetime import UTC, datetime
from ledgercore.domain import USD, Direction, JournalEntry, LedgerError, LineItem
from ledgercore.store import Ledger

with Ledger.open(sys.argv[1], ledger=sys.argv[2]) as book:
    try:
        book.post([JournalEntry("late", datetime(2024, 1, 4, tzinfo=UTC), (
            LineItem("cash", USD, 7, Direction.DEBIT),
            LineItem("sales", USD, 7, Direction.CREDIT)))])
    except LedgerError as error:
        print(error.code, error.details["waited_seconds"], error.message)
"""


@pytest.fixture
def held(database_url: str) -> Iterator[tuple[str, str]]:
    """A ledger with one committed entry and a writer holding a second one uncommitted."""
    name = unique_name()
    with Ledger.open(database_url, ledger=name) as book:
        book.define_accounts(CHART)
        book.post([JournalEntry("before", datetime(2024, 1, 2, tzinfo=UTC), (
            LineItem("cash", USD, 100, Direction.DEBIT),
            LineItem("sales", USD, 100, Direction.CREDIT)))])
    writer = python(_WRITER, database_url, name, stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE)
    assert writer.stdout is not None and writer.stdin is not None
    try:
        assert writer.stdout.readline().strip() == "holding"
        yield database_url, name
        writer.stdin.write("go\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "1"
        assert writer.wait(30) == 0
    finally:
        writer.kill()
        writer.wait()


def test_a_reader_answers_while_a_writer_holds_the_lock(held: tuple[str, str]) -> None:
    url, name = held
    cli = subprocess.run([*_cli(), "--db", url, "--ledger", name, "balances", "--format",
                          "json"], capture_output=True, text=True, timeout=20, check=False,
                         env=_env())
    assert cli.returncode == 0, cli.stderr
    assert "100" in cli.stdout and json.loads(cli.stdout)
    with Ledger.open(url, ledger=name) as book:  # the committed state, not the held entry
        assert book.balances()["cash"]["USD"].ending == 100
        assert [e.id for e in book.entries().entries] == ["before"]


def test_a_waiting_sqlite_writer_says_another_process_writes(
        held: tuple[str, str]) -> None:
    url, name = held
    if not url.startswith("sqlite"):
        pytest.skip("PostgreSQL writers do not give up waiting")
    late = python(_IMPATIENT, url, name, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = late.communicate(timeout=30)
    assert late.returncode == 0, stderr
    code, waited, message = stdout.split(" ", 2)
    assert code == "database_busy" and float(waited) >= 0.4
    assert "another process is writing" in message


def _cli() -> list[str]:
    return [sys.executable, "-m", "ledgercore"]


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LEDGERCORE_DATABASE_URL", None)
    return env


# `ledgercore ARGS...` with a short busy timeout.
_IMPATIENT_CLI = """
import sys
import ledgercore.config
ledgercore.config.SQLITE_BUSY_TIMEOUT_MS = 500
from ledgercore.cli import app
app(prog_name="ledgercore", args=sys.argv[1:])
"""


def test_a_waiting_import_says_another_process_writes(held: tuple[str, str]) -> None:
    url, name = held
    if not url.startswith("sqlite"):
        pytest.skip("PostgreSQL writers do not give up waiting")
    example = ROOT / "ledgercore" / "examples" / "layer_entries.json"
    late = python(_IMPATIENT_CLI, "--db", url, "--ledger", name, "import", "layer-entries",
                  str(example), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = late.communicate(timeout=30)
    assert late.returncode == 2 and stdout == ""
    assert "another process is writing" in stderr and "waited" in stderr
    assert stderr.rstrip().endswith("[database_busy]") and "Traceback" not in stderr
