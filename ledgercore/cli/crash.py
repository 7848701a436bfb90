"""What the command line does when ledgercore itself fails: exit 70, never 1 or 2.

Exit 1 means "verify found discrepancies" and exit 2 "bad input or usage"; a script
branches on them. An unexpected exception (a bug, a lost database connection) would
otherwise end the interpreter with 1, indistinguishable from a verify mismatch. It keeps
its traceback on stderr, for the bug report, and exits `CRASH_EXIT` (``EX_SOFTWARE`` of
sysexits.h: an internal software error).
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

import typer

CRASH_EXIT = 70


class LedgercoreTyper(typer.Typer):
    """A `typer.Typer` whose unexpected exceptions exit `CRASH_EXIT` with their traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception:  # SystemExit and KeyboardInterrupt keep their own exit
            traceback.print_exc()
            print("ledgercore: internal error (the traceback above is for a bug report); "
                  "nothing was written unless the command said so", file=sys.stderr)
            sys.exit(CRASH_EXIT)
