"""`ledgercore accounts ...`: add accounts to the chart and set their balance guards.

`accounts add ID --type TYPE --name NAME [--parent ID] [--floor N]` defines one account
(idempotent: the same definition again changes nothing; another is a `conflict`).
``--floor N`` guards it: no write may take its available balance in any commodity below
N (``--floor none``: never guarded, not even when it sends a journal, which otherwise
guards it at 0). `accounts floor ID N` changes a guard later.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ledgercore.cli import render
from ledgercore.cli.books import open_ledger
from ledgercore.cli.errors import refusals
from ledgercore.domain.accounts import Account, AccountType
from ledgercore.domain.errors import InvalidRequest
from ledgercore.domain.transfers import parse_floor

app = typer.Typer(no_args_is_help=True, help="Define accounts and their balance guards.")

Floor = Annotated[str | None, typer.Option(
    "--floor", help="Lowest available balance allowed (0: never negative; 'none': no guard).")]


@app.command("add")
def add(ctx: typer.Context, account_id: Annotated[str, typer.Argument(metavar="ID")],
        type: Annotated[str, typer.Option("--type", help="ASSET, LIABILITY, EQUITY, REVENUE, "
                                                         "COGS or EXPENSE.")],
        name: Annotated[str, typer.Option("--name")],
        parent: Annotated[str | None, typer.Option("--parent")] = None,
        floor: Floor = None) -> None:
    """Define an account (and guard it with --floor)."""
    with refusals():
        try:
            kind = AccountType(type.upper())
        except ValueError:
            raise InvalidRequest(f"--type {type!r} is not one of "
                                 f"{', '.join(t.value for t in AccountType)}",
                                 path="$.type") from None
        account = Account(account_id, name, kind, parent_id=parent)
        guard = parse_floor(floor) if floor is not None else None
    with open_ledger(ctx, create=True) as ledger:
        known = {a.id: a for a in ledger.chart()}.get(account_id)
        new = ledger.define_accounts([account])
        if floor is not None:
            ledger.set_floor(account_id, guard)
    # A known account takes the labels given (its name and parent are labels, not identity).
    status = "added" if new else ("already defined" if known == account else "updated")
    shown = "" if floor is None else f", floor {guard or 'none'}"
    render.plain(f"account {account_id} {status}{shown}")


# A negative floor (a credit limit) is written as it reads, `accounts floor ID -500`: the
# command takes no option of its own, so a word starting with "-" is its N, not an option.
@app.command("floor", context_settings={"ignore_unknown_options": True})
def set_floor(ctx: typer.Context, account_id: Annotated[str, typer.Argument(metavar="ID")],
              floor: Annotated[str, typer.Argument(metavar="N")]) -> None:
    """Guard an account at N ('none': unguard it)."""
    with refusals():
        guard = parse_floor(floor)
    with open_ledger(ctx) as ledger:
        ledger.set_floor(account_id, guard)
    render.plain(f"account {account_id}: floor {guard or 'none'}")
