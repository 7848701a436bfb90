"""The first hour of a new user (issue 13): version, the demo's guidance, options anywhere,
case-insensitive choices, the progress bar, and the `entries` table and CSV."""

from __future__ import annotations

import csv
import io
import os
import pty
import shlex
import subprocess
import sys
from enum import StrEnum
from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

import ledgercore
from ledgercore.cli import demo
from ledgercore.cli.options import GlobalOptionsAnywhere, hoisted
from ledgercore.store import Ledger

from .conftest import (
    LAYER_BALANCES,
    LAYER_ENTRIES,
    Q1,
    Run,
    invoke,
    read_terminal,
    run_on,
    sqlite_url,
)
from .test_process import ROOT


def test_version_is_the_distributions() -> None:
    assert ledgercore.__version__ == version("ledgercore")
    outcome = invoke(["--version"])
    assert (outcome.exit_code, outcome.stdout.strip()) == (0,
                                                           f"ledgercore {version('ledgercore')}")


def test_the_demo_names_its_ledgers_and_the_next_commands_run(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path / "demo.db")
    outcome = invoke(["--db", db, "demo"])
    assert outcome.exit_code == 0, outcome.stderr
    assert "'layer-example'" in outcome.stdout and "'alpaca-example'" in outcome.stdout
    suggested = demo.next_commands(db)
    for command in suggested:
        assert f"  {command}\n" in outcome.stdout  # printed whole, never wrapped
        ran = invoke(shlex.split(command)[1:])
        assert ran.exit_code == 0, (command, ran.stderr)
    ledgers = invoke([*shlex.split(suggested[0])[1:], "--format", "json"]).json()
    assert {row["name"] for row in ledgers} == {"layer-example", "alpaca-example"}


def test_the_demo_shows_cash_and_accrual_differ_on_an_unpaid_invoice(tmp_path: Path) -> None:
    outcome = invoke(["--db", sqlite_url(tmp_path / "demo.db"), "demo"])
    assert "Balances, cash basis" in outcome.stdout
    assert "  Sales (USD): accrual 4500.00, cash 0.00" in outcome.stdout
    assert "Accounts Receivable (USD): accrual 4860.00" in outcome.stdout


def test_global_options_after_the_command(layer_db: str) -> None:
    before = invoke(["--db", layer_db, "balances", *Q1, "--format", "json"])
    after = invoke(["balances", *Q1, "--format", "json", "--db", layer_db])
    equals = invoke(["balances", *Q1, f"--db={layer_db}", "--format", "json"])
    assert before.exit_code == after.exit_code == equals.exit_code == 0
    assert before.stdout == after.stdout == equals.stdout
    refused = invoke(["balances", "--db", layer_db, "--ledger", "nosuch"])
    assert refused.code == "unknown_ledger"


def test_an_import_takes_db_and_ledger_after_the_files(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path / "books.db")
    outcome = invoke(["import", "layer-balances", str(LAYER_BALANCES), "--quiet",
                      "--ledger", "acme", "--db", db])
    assert outcome.exit_code == 0, outcome.stderr
    with Ledger.open(db, ledger="acme", create=False) as books:
        assert len(books.chart()) == 16


def test_a_command_of_its_own_keeps_its_option() -> None:
    """A subcommand that declares --ledger itself gets it; the global one is not taken."""
    app = typer.Typer(cls=GlobalOptionsAnywhere)
    seen: dict[str, str] = {}

    @app.callback()
    def main(ledger: str = typer.Option("default", "--ledger")) -> None:
        seen["global"] = ledger

    @app.command()
    def copy(ledger: str = typer.Option(..., "--ledger")) -> None:
        seen["own"] = ledger

    @app.command()
    def show(name: str) -> None:
        seen["name"] = name

    assert CliRunner().invoke(app, ["copy", "--ledger", "b"]).exit_code == 0
    assert seen == {"global": "default", "own": "b"}
    assert CliRunner().invoke(app, ["show", "x", "--ledger", "g"]).exit_code == 0
    assert seen["global"] == "g" and seen["name"] == "x"
    group = typer.main.get_command(app)
    assert hoisted(group, None, ["show", "--", "--ledger", "x"]) == ["show", "--", "--ledger",
                                                                   "x"]


class Shape(StrEnum):
    square = "square"
    round = "round"


def test_every_commands_choices_ignore_case() -> None:
    """A command registered without `case_sensitive=False` still reads `--shape SQUARE`."""
    app = typer.Typer(cls=GlobalOptionsAnywhere)
    seen: list[Shape] = []

    @app.callback()
    def main() -> None:
        pass

    @app.command()
    def draw(shape: Annotated[Shape, typer.Option("--shape")] = Shape.round) -> None:
        seen.append(shape)

    assert CliRunner().invoke(app, ["draw", "--shape", "SQUARE"]).exit_code == 0
    assert seen == [Shape.square]


@pytest.mark.parametrize(("option", "upper", "lower"), [
    ("--basis", "Cash", "cash"), ("--basis", "ACCRUAL", "accrual"), ("--format", "JSON", "json")])
def test_choices_ignore_case(layer_db: str, option: str, upper: str, lower: str) -> None:
    run = run_on(layer_db)
    shouted = run("balances", *Q1, option, upper)
    plain = run("balances", *Q1, option, lower)
    assert shouted.exit_code == plain.exit_code == 0
    assert shouted.stdout == plain.stdout


def test_entries_table_has_fixed_decimals_and_the_memo(layer_db: str) -> None:
    outcome = run_on(layer_db)("entries", "--end", "2024-01-10")
    assert outcome.exit_code == 0
    lines = outcome.stdout.splitlines()
    assert "Memo" in lines[2]
    assert any("Office rent 2024-01" in line for line in lines)
    amounts = [line for line in lines if line.endswith(" USD")]
    assert any(line.endswith("1800.00 USD") for line in amounts)
    assert any(line.endswith("49.99 USD") for line in amounts)
    assert not any(line.endswith(" 1800 USD") for line in amounts)
    # Debits end in one column, credits in another: the decimals line up.
    ends = {len(line) for line in amounts}
    assert len(ends) == 2


def test_entries_csv_has_a_row_per_line_item_in_minor_units(layer_db: str) -> None:
    outcome = run_on(layer_db)("entries", "--format", "csv")
    assert outcome.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(outcome.stdout)))
    assert len({row["entry_id"] for row in rows}) == 17
    totals: dict[tuple[str, str], int] = {}
    for row in rows:
        sign = 1 if row["direction"] == "DEBIT" else -1
        key = (row["entry_id"], row["commodity"])
        totals[key] = totals.get(key, 0) + sign * int(row["amount"])
    assert set(totals.values()) == {0}
    assert {row["memo"] for row in rows} >= {"Invoice 1001", "Office rent 2024-01"}


def test_entries_csv_of_nothing_is_just_the_heading(layer_db: str) -> None:
    outcome = run_on(layer_db)("entries", "--end", "2023-01-01", "--format", "csv")
    assert outcome.stdout.startswith("entry_id,entry_at,") and outcome.stdout.count("\n") == 1


def test_verify_without_the_chart_names_no_none(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path / "books.db")
    run = run_on(db)
    # Entries without the chart: the parent accounts of the payload are unknown here.
    assert run("import", "layer-entries", LAYER_ENTRIES, "--quiet").exit_code == 0
    outcome = run("verify", "layer-balances", LAYER_BALANCES, *Q1)
    assert outcome.exit_code == 1
    assert "None" not in outcome.stdout
    assert "the ledger has no account with this id" in outcome.stdout
    assert "ledgercore import layer-balances" in outcome.stdout


def _on_a_terminal(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Run the real command line with stderr on a pseudo-terminal; (rc, stdout, terminal)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "160", "TERM": "xterm"}
    process = subprocess.Popen([sys.executable, "-m", "ledgercore", *args], cwd=cwd, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=follower)
    os.close(follower)
    shown = read_terminal(leader)
    stdout = process.stdout.read().decode() if process.stdout else ""
    return process.wait(timeout=120), stdout, shown


def test_the_progress_bar_shows_bytes_percentage_and_eta_on_a_terminal(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path / "books.db")
    kilobytes = f"{LAYER_ENTRIES.stat().st_size / 1000:.1f}"
    size_kb = f"{kilobytes}/{kilobytes} kB"  # all of the file read, of its size
    status, stdout, terminal = _on_a_terminal("--db", db, "import", "layer-entries",
                                              str(LAYER_ENTRIES), cwd=tmp_path)
    assert status == 0
    assert "17 entries posted" in stdout and "importing" not in stdout
    for shown in ("importing layer_entries.json", size_kb, "100%", "ETA", "17 entries"):
        assert shown in terminal, (shown, terminal)


def test_no_progress_bar_when_piped(run: Run, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    piped = subprocess.run([sys.executable, "-m", "ledgercore", "--db",
                            sqlite_url(tmp_path / "books.db"), "import", "layer-entries",
                            str(LAYER_ENTRIES)], capture_output=True, text=True, env=env,
                           timeout=120, check=False)
    assert piped.returncode == 0 and piped.stderr == ""
