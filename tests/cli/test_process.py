"""The real `python -m ledgercore` process: exit codes, streams, no traceback.

CliRunner shares the interpreter with the test; these runs prove what a shell sees. The
session in docs/cli.md is run too, command by command, with the exit codes it states.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import ledgercore

from .conftest import (
    EXAMPLES,
    LAYER_BALANCES,
    LAYER_ENTRIES,
    altered,
    counts,
    invoke,
    sqlite_url,
)

ROOT = Path(ledgercore.__file__).resolve().parents[1]
CLI_DOC = ROOT / "docs" / "cli.md"


def ledgercore_process(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "120"}
    env.pop("LEDGERCORE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "ledgercore", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120, check=False)


def test_exit_codes_of_a_real_process(tmp_path: Path) -> None:
    db = sqlite_url(tmp_path / "books.db")
    bad = altered(LAYER_ENTRIES, tmp_path / "bad.json",
                  lambda d: d["data"][0]["line_items"][0].update(amount=-1))
    ok = ledgercore_process("--db", db, "import", "layer-balances", LAYER_BALANCES,
                            cwd=tmp_path)
    assert ok.returncode == 0 and ok.stderr == ""
    refused = ledgercore_process("--db", db, "import", "layer-entries", bad, cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "Traceback" not in refused.stderr and "[invalid_amount]" in refused.stderr
    assert "$.data[0].line_items[0].amount" in refused.stderr
    assert counts(db)[1] == 0
    usage = ledgercore_process("--db", db, "balances", "--start", "not-a-date", cwd=tmp_path)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    assert not (tmp_path / "ledgercore.db").exists()


def test_the_demo_runs_in_a_fresh_directory(tmp_path: Path) -> None:
    demo = ledgercore_process("demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert (tmp_path / "ledgercore.db").exists()
    assert demo.stdout.count("OK: every figure agrees") == 2
    for statement in ("Income statement, accrual basis", "Income statement, cash basis",
                      "Balance sheet, accrual basis", "Balance sheet, cash basis"):
        assert statement in demo.stdout


# -- docs/cli.md ------------------------------------------------------------------------

SESSION = re.compile(r"```console\n(.*?)```", re.DOTALL)


def documented_session() -> list[tuple[str, int, list[str]]]:
    """Each `$ ` command line of the console blocks, its exit status and output shown.

    The status is what a following `$ echo $?` prints, else 0.
    """
    commands: list[tuple[str, int, list[str]]] = []
    for block in SESSION.findall(CLI_DOC.read_text()):
        lines = block.splitlines()
        for number, line in enumerate(lines):
            if not line.startswith("$ ") or line.startswith("$ echo $?"):
                continue
            status, shown = 0, []
            for index in range(number + 1, len(lines)):
                if lines[index].startswith("$ echo $?"):
                    status = int(lines[index + 1])
                    break
                if lines[index].startswith("$ "):
                    break
                shown.append(lines[index])
            commands.append((line[2:], status, shown))
    return commands


def test_the_documented_session_runs_as_shown(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`ledgercore` lines run in-process (a `> FILE` redirect is honoured); others by sh."""
    monkeypatch.chdir(tmp_path)
    for example in EXAMPLES.glob("*.json"):
        (tmp_path / example.name).write_text(example.read_text())
    session = documented_session()
    assert len(session) >= 12
    assert {status for _, status, _ in session} == {0, 1, 2}
    for command, status, shown in session:
        line, _, redirect = command.partition(" > ")
        if not line.startswith("ledgercore "):
            shell = subprocess.run(command, shell=True, cwd=tmp_path, check=False)
            assert shell.returncode == status, command
            continue
        outcome = invoke(shlex.split(line)[1:], env={"LEDGERCORE_DATABASE_URL": None})
        assert outcome.exit_code == status, (command, outcome.stdout, outcome.stderr)
        assert "Traceback" not in outcome.stderr
        if not any("..." in text for text in shown):  # an elided example is not compared
            printed = outcome.stdout + outcome.stderr
            assert all(text.strip() in printed for text in shown), (command, printed)
        if redirect:
            (tmp_path / redirect.strip()).write_text(outcome.stdout)
