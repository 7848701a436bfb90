"""End-to-end tests of the command line: helpers to run it and to read what it did.

Most tests drive the Typer app in-process with `typer.testing.CliRunner` (Click >= 8.2
keeps stdout and stderr apart: `result.stdout`, `result.stderr`); `test_process.py` runs
the real `python -m ledgercore` for exit codes and tracebacks. Every test gets its own
SQLite file through `--db sqlite:///...`; the examples are imported once per module into
a database that the read-only tests share.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ledgercore.cli import app
from ledgercore.store import Ledger

EXAMPLES = Path(__file__).resolve().parents[2] / "ledgercore" / "examples"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

LAYER_BALANCES = EXAMPLES / "layer_balances.json"
LAYER_ENTRIES = EXAMPLES / "layer_entries.json"
ALPACA_JIT = EXAMPLES / "alpaca_jit_balances.json"
ALPACA_JOURNALS = EXAMPLES / "alpaca_journals.json"

# The range the Layer balances example reports: the first quarter of 2024, end exclusive
# as Layer's balances endpoint has it.
Q1 = ("--start", "2024-01-01", "--end", "2024-04-01")

# The refusal paragraph ends with the error's stable code in brackets.
CODE = re.compile(r"\[([a-z_]+)\]\s*$")


@dataclass(frozen=True)
class Outcome:
    """What one run of the command line did."""

    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def code(self) -> str | None:
        """The LedgerError code a refusal names, if any."""
        found = CODE.search(self.stderr)
        return found.group(1) if found else None


Run = Callable[..., Outcome]


def invoke(args: Sequence[str], *, env: dict[str, str | None] | None = None) -> Outcome:
    """Run the app in-process; exceptions other than SystemExit propagate (a bug)."""
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return Outcome(result.exit_code, result.stdout, result.stderr)


def run_on(url: str) -> Run:
    """A runner bound to one database: ``run("balances", "--format", "json")``."""

    def run(*args: str | Path, env: dict[str, str | None] | None = None) -> Outcome:
        return invoke(["--db", url, *map(str, args)], env=env)

    return run


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A fresh, empty SQLite database URL for this test."""
    return sqlite_url(tmp_path / "books.db")


@pytest.fixture
def run(db: str) -> Run:
    return run_on(db)


@pytest.fixture(scope="module")
def layer_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Layer example (chart, then entries) imported once; tests must only read it."""
    url = sqlite_url(tmp_path_factory.mktemp("layer") / "layer.db")
    run = run_on(url)
    for kind, path in (("layer-balances", LAYER_BALANCES), ("layer-entries", LAYER_ENTRIES)):
        outcome = run("import", kind, path, "--quiet")
        assert outcome.exit_code == 0, outcome.stderr
    return url


@pytest.fixture(scope="module")
def alpaca_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Alpaca examples (JIT balances, then journals) imported once; read only."""
    url = sqlite_url(tmp_path_factory.mktemp("alpaca") / "alpaca.db")
    run = run_on(url)
    for kind, path in (("alpaca-jit-balances", ALPACA_JIT), ("alpaca-journals", ALPACA_JOURNALS)):
        outcome = run("import", kind, path, "--quiet")
        assert outcome.exit_code == 0, outcome.stderr
    return url


def read_terminal(leader: int, prompt: bytes = b"", answer: bytes = b"") -> str:
    """Everything a process wrote to a pseudo-terminal (`leader`, its follower already
    closed here) until it closed it, typing `answer` once `prompt` has been shown."""
    shown = b""
    answered = not prompt
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
        if not answered and prompt in shown:
            os.write(leader, answer)
            answered = True
    os.close(leader)
    return shown.decode(errors="replace")


def load(path: Path) -> Any:
    return json.loads(path.read_text())


def altered(source: Path, target: Path, change: Callable[[Any], None]) -> Path:
    """Write a copy of the JSON document `source` with `change` applied to it."""
    document = deepcopy(load(source))
    change(document)
    target.write_text(json.dumps(document, indent=2))
    return target


def counts(url: str, ledger: str = "default") -> tuple[int, int]:
    """(accounts, entries) of a ledger, read through the Python API."""
    with Ledger.open(url, ledger=ledger) as books:
        page = books.entries(limit=1000)
        assert page.next_cursor is None
        return len(books.chart()), len(page.entries)


def assert_refused(outcome: Outcome, code: str | None, *where: str) -> None:
    """Exit 2, one paragraph on stderr naming the code and each of `where`, no traceback.

    `code` None: a refusal of the command line itself (an option, the database URL),
    which names no LedgerError code.
    """
    assert outcome.exit_code == 2, (outcome.stdout, outcome.stderr)
    assert outcome.code == code, outcome.stderr
    assert "Traceback" not in outcome.stderr and "Traceback" not in outcome.stdout
    paragraph = outcome.stderr.strip()
    assert paragraph and "\n\n" not in paragraph
    for fragment in where:
        assert fragment in paragraph, (fragment, paragraph)
