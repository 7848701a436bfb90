"""An internal error exits 70 with its traceback, never 1 (which means `verify` found
discrepancies) nor 2 (bad input): issue 14, item 3."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ledgercore.cli.crash import CRASH_EXIT
from tests.processes.helpers import python

# The real command line, with one store call made to fail as a bug would.
_BROKEN = """
import sys
from ledgercore.store import Ledger

def broken(*args, **kwargs):
    raise RuntimeError("a bug")

Ledger.balances = broken
from ledgercore.cli import app
app(prog_name="ledgercore", args=sys.argv[1:])
"""


def test_an_internal_error_exits_70(tmp_path: Path) -> None:
    run = python(_BROKEN, "--db", f"sqlite:///{tmp_path / 'books.db'}", "balances",
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == CRASH_EXIT == 70
    assert "Traceback" in stderr and "RuntimeError: a bug" in stderr
    assert "internal error" in stderr and stdout == ""
