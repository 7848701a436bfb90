"""What the command line does when ledgercore itself fails: exit 3, never 1 or 2.

Exit 1 means "verify found discrepancies" and exit 2 "bad input or usage"; a script
branches on them. An unexpected exception (a bug, a lost database connection) would
otherwise end the interpreter with 1, indistinguishable from a verify mismatch. It keeps
its traceback on stderr, for the bug report, and exits `INTERNAL_ERROR`. The guard sits
in the command group's `invoke`, so it holds in-process (Click's test runner) as in a
real process.
"""

from __future__ import annotations

import traceback
from typing import Any

import typer
from typer.core import TyperGroup

from ledgercore.cli.errors import UsageRefused, fail
from ledgercore.cli.render import err

INTERNAL_ERROR = 3


class CrashGuardedGroup(TyperGroup):
    """A command group whose unexpected exceptions exit `INTERNAL_ERROR`, traceback kept,
    and whose unparseable command lines are the documented ``[usage]`` paragraph."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # The group's own options (--db, --ledger, ...) are parsed here, before any
        # command runs: their errors would otherwise keep the framework's usage box.
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:
            if _unparseable(exc):
                _usage(exc)
            raise

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if _unparseable(exc):
                _usage(exc)  # an option the command cannot parse: one coded paragraph
            if _framework(exc):
                raise  # the framework's own outcome (an exit, a help page)
            traceback.print_exc()  # a bug: say so, keep the traceback
            err().print(f"[bold red]internal error:[/] ledgercore failed unexpectedly (a bug, "
                        f"not your input); the traceback above says where. Exit status "
                        f"{INTERNAL_ERROR}.", highlight=False)
            raise typer.Exit(INTERNAL_ERROR) from None


def _framework(error: Exception) -> bool:
    """An exception of the command-line framework itself (Typer, or the Click it builds
    on, its own copy or Click's), never one of ledgercore's."""
    return isinstance(error, typer.TyperException) or type(error).__module__.split(".")[
        0] in ("click", "typer")


def _unparseable(error: Exception) -> bool:
    """A command line the framework could not parse (a usage error of Typer's copy of
    Click or of Click's own), other than no arguments at all (its help)."""
    return (_framework(error) and getattr(error, "exit_code", None) == 2
            and type(error).__name__ != "NoArgsIsHelpError")


def _usage(error: Any) -> None:
    """Refuse a command line the framework could not parse as the documented paragraph."""
    path = getattr(getattr(error, "ctx", None), "command_path", None) or "ledgercore"
    # The program's own name, however it was started (`python -m ledgercore`, a test).
    where = " ".join(["ledgercore", *path.split()[1:]])
    fail(f"{error.format_message().rstrip('.')}. `{where} --help` lists what it takes.",
         UsageRefused.code)
