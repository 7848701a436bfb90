"""docs/errors.md lists every `LedgerError` code the package defines, with when and exit.

The codes are collected from the classes themselves (every module of the package is
imported, every subclass walked), so a new error without a row fails here.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import ledgercore
from ledgercore.domain.errors import LedgerError

ERRORS_DOC = Path(__file__).parent.parent / "docs" / "errors.md"
ROW = re.compile(r"^\|\s*`([a-z_]+)`\s*\|(.+)\|\s*(\d+)\s*\|\s*$", re.MULTILINE)


def defined_codes() -> dict[str, str]:
    """code -> the class that defines it, over every module of the package."""
    for module in pkgutil.walk_packages(ledgercore.__path__, "ledgercore."):
        if module.name.endswith("__main__") or ".migrations" in module.name:
            continue  # runs the command line / loaded by Alembic, not imported
        importlib.import_module(module.name)
    found: dict[str, str] = {}
    pending: list[type[LedgerError]] = [LedgerError]
    while pending:
        error = pending.pop()
        found.setdefault(error.code, f"{error.__module__}.{error.__qualname__}")
        pending.extend(error.__subclasses__())
    return found


def documented_rows() -> dict[str, tuple[str, int]]:
    return {code: (when.strip(), int(exit_code))
            for code, when, exit_code in ROW.findall(ERRORS_DOC.read_text())}


def test_every_error_code_has_a_row_in_docs_errors_md() -> None:
    codes = defined_codes()
    assert len(codes) >= 20  # the walk found the family, not just the root
    missing = {code: where for code, where in codes.items() if code not in documented_rows()}
    assert not missing, f"add a row to docs/errors.md for: {missing}"


def test_each_row_says_when_and_an_exit_code() -> None:
    rows = documented_rows()
    assert "| code | when | exit |" in ERRORS_DOC.read_text()
    for code, (when, exit_code) in rows.items():
        assert len(when) > 10, code
        assert exit_code in (1, 2), code
