"""`ledgercore ledgers`: the ledgers (tenants) of the database, to pick one with --ledger."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from ledgercore.cli import render
from ledgercore.cli.errors import database_errors, refusals


class LedgersFormat(StrEnum):
    table = "table"
    json = "json"


def ledgers(ctx: typer.Context,
            format: Annotated[LedgersFormat, typer.Option(
                "--format", case_sensitive=False,
                help="table for people, json for programs.")] = LedgersFormat.table) -> None:
    """List the ledgers in the database with their entry counts and date ranges."""
    from ledgercore.store.directory import list_ledgers

    db: str | None = ctx.obj.db
    with refusals(), database_errors(db):
        found = list_ledgers(db)
    if format is LedgersFormat.json:
        render.print_json([summary.to_json() for summary in found])
        return
    rows = [[s.name, s.timezone, str(s.entries),
             "" if s.first_entry_at is None else s.first_entry_at.isoformat(),
             "" if s.last_entry_at is None else s.last_entry_at.isoformat()] for s in found]
    render.table(f"{len(found)} {'ledger' if len(found) == 1 else 'ledgers'}",
                 ["Ledger", "Timezone", "Entries", "First entry", "Last entry"], rows, right=2)
    if not found:
        render.plain("an import creates one: `ledgercore import layer-entries FILE`")
