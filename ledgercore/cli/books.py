"""The books a command works on: the ledger `--db` and `--ledger` name, opened with the
command line's refusals (exit 2, one paragraph with its code)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from ledgercore.cli.errors import database_errors, refusals
from ledgercore.store import Ledger


@contextmanager
def open_ledger(ctx: typer.Context, *, create: bool = False) -> Iterator[Ledger]:
    """The ledger `--db` and `--ledger` name.

    Only commands that write (imports, the demo, `accounts add`) pass `create=True`: they
    create the database file, migrate its schema and add the ledger when missing. Every
    other command refuses instead (`database_not_found`, `not_a_ledger_database`,
    `schema_out_of_date`, `unknown_ledger`) and creates nothing, so a typo in `--ledger`
    never leaves a ledger behind.
    """
    options = ctx.obj
    with refusals(), database_errors(options.db):
        ledger = Ledger.open(options.db, ledger=options.ledger, create=create, upgrade=create)
    with refusals(), ledger:
        yield ledger
