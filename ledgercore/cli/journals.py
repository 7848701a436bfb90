"""`ledgercore journals ...`: Alpaca's journals API as commands over `Ledger`'s transfers.

`create` prints the journal as Alpaca's journal object; `list` prints an array of them,
newest first; `delete` withdraws a pending journal; `settle` ends a day (pending journals
executed or rejected); `policy` sets the ledger's pending limit and sandbox mode.
Refusals exit 2 with one paragraph ending in the error's code (`[insufficient_balance]`,
`[insufficient_assets]`, `[not_found]`, `[invalid_request]`, `[cannot_be_deleted]`) and
write nothing. Also `with_available`, the `available` figure `balances --available`
adds to every row.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ledgercore.cli import render
from ledgercore.cli.books import open_ledger
from ledgercore.cli.errors import fail, refusals
from ledgercore.domain.errors import InvalidRequest, LedgerError
from ledgercore.domain.transfers import EntryType, Transfer, TransferStatus, cash, security
from ledgercore.store import Ledger

if TYPE_CHECKING:
    from ledgercore.domain.periods import Period
    from ledgercore.reports import BalanceRow

app = typer.Typer(no_args_is_help=True,
                  help="Transfers between accounts, as Alpaca's journals (JNLC cash, JNLS "
                       "securities).")


class Format(StrEnum):
    text = "text"
    json = "json"


FormatOption = Annotated[Format, typer.Option("--format")]


def show(transfers: list[Transfer], format: Format, *, many: bool) -> None:
    objects = [t.to_alpaca() for t in transfers]
    if format is Format.json:
        render.print_json(objects if many else objects[0])
        return
    for journal in objects:
        render.plain("  ".join(f"{k}={v}" for k, v in journal.items() if v is not None))


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date; write it as 2024-06-30.", "invalid_request")


def _units(parse: Any, text: str, path: str) -> int:
    try:
        units: int = parse(text)
    except LedgerError as error:
        raise InvalidRequest(error.message, path=path) from None
    return units


@app.command("create")
def create(ctx: typer.Context,
           source: Annotated[str, typer.Option("--from", help="The account it leaves.")],
           target: Annotated[str, typer.Option("--to", help="The account it enters.")],
           amount: Annotated[str | None, typer.Option(
               "--amount", help="Cash (JNLC), a decimal.")] = None,
           currency: Annotated[str, typer.Option("--currency")] = "USD",
           symbol: Annotated[str | None, typer.Option(
               "--symbol", help="A security (JNLS).")] = None,
           qty: Annotated[str | None, typer.Option("--qty", help="Its quantity.")] = None,
           price: Annotated[str | None, typer.Option("--price")] = None,
           description: Annotated[str | None, typer.Option("--description")] = None,
           idempotency_key: Annotated[str | None, typer.Option("--idempotency-key")] = None,
           journal_id: Annotated[str | None, typer.Option(
               "--id", help="The journal's id (default: a new UUID).")] = None,
           hold: Annotated[bool | None, typer.Option(
               "--pending/--execute", help="Hold it pending, or execute it now (default: "
                                           "the ledger's policy).")] = None,
           format: FormatOption = Format.text) -> None:
    """Create a journal; it executes now unless the policy or --pending holds it."""
    with refusals():
        if (amount is None) == (symbol is None):
            raise InvalidRequest("give either --amount (cash) or --symbol with --qty "
                                 "(securities)", path="$.entry_type")
        if symbol is not None:
            if qty is None:
                raise InvalidRequest("--symbol needs --qty", path="$.qty")
            commodity = security(symbol)
            units = _units(commodity.parse, qty, "$.qty")
        else:
            if price is not None:
                raise InvalidRequest("--price goes with --symbol", path="$.price")
            try:
                commodity = cash(currency)
            except LedgerError as error:
                raise InvalidRequest(error.message, path="$.currency") from None
            units = _units(commodity.parse, amount or "", "$.amount")
    with open_ledger(ctx) as ledger:
        made = ledger.transfer(source, target, units, commodity, price=price,
                               description=description, idempotency_key=idempotency_key,
                               transfer_id=journal_id, hold=hold)
    show([made], format, many=False)


@app.command("list")
def list_journals(ctx: typer.Context,
                  status: Annotated[TransferStatus | None, typer.Option("--status")] = None,
                  entry_type: Annotated[EntryType | None, typer.Option("--entry-type")] = None,
                  after: Annotated[str | None, typer.Option(
                      "--after", help="Made on or after this date.")] = None,
                  before: Annotated[str | None, typer.Option(
                      "--before", help="Made on or before this date.")] = None,
                  from_account: Annotated[str | None, typer.Option("--from-account")] = None,
                  to_account: Annotated[str | None, typer.Option("--to-account")] = None,
                  format: FormatOption = Format.text) -> None:
    """The journals that match, newest first."""
    from ledgercore.store.transfer_queries import TransferFilter

    wanted = TransferFilter(status, entry_type, _day(after, "--after"),
                            _day(before, "--before"), from_account, to_account)
    found: list[Transfer] = []
    with open_ledger(ctx) as ledger:
        cursor = None
        while True:
            page = ledger.list_transfers(wanted, cursor, limit=1000)
            found.extend(page.transfers)
            cursor = page.next_cursor
            if cursor is None:
                break
    show(found, format, many=True)


@app.command("delete")
def delete(ctx: typer.Context, journal_id: Annotated[str, typer.Argument(metavar="ID")],
           format: FormatOption = Format.text) -> None:
    """Delete a pending journal (anything else: cannot_be_deleted)."""
    with open_ledger(ctx) as ledger:
        show([ledger.delete_transfer(journal_id)], format, many=False)


@app.command("execute")
def execute(ctx: typer.Context, journal_id: Annotated[str, typer.Argument(metavar="ID")],
            format: FormatOption = Format.text) -> None:
    """Execute a pending journal now (post its entry)."""
    with open_ledger(ctx) as ledger:
        show([ledger.execute_transfer(journal_id)], format, many=False)


@app.command("cancel")
def cancel(ctx: typer.Context, journal_id: Annotated[str, typer.Argument(metavar="ID")],
           format: FormatOption = Format.text) -> None:
    """Cancel (void) a pending journal: release its hold."""
    with open_ledger(ctx) as ledger:
        show([ledger.void_transfer(journal_id)], format, many=False)


@app.command("settle")
def settle(ctx: typer.Context,
           day: Annotated[str, typer.Option("--date", help="The day that ends.")],
           format: FormatOption = Format.text) -> None:
    """End a day: its pending journals (and older ones) are executed or rejected."""
    wanted = _day(day, "--date")
    assert wanted is not None
    with open_ledger(ctx) as ledger:
        moved = ledger.settle(wanted)
    if format is Format.json:
        render.print_json([t.to_alpaca() for t in moved])
    else:
        show(moved, format, many=True)
        render.plain(f"settled {wanted}: {len(moved)} journals moved")


@app.command("policy")
def policy(ctx: typer.Context,
           pending_above: Annotated[str | None, typer.Option(
               "--pending-above", help="Cash journals above this stay pending until "
                                       "settled ('none': no limit).")] = None,
           sandbox: Annotated[bool, typer.Option(
               "--sandbox/--live", help="Honour description fixtures.")] = False) -> None:
    """Set the ledger's journal limit and sandbox mode."""
    limit = None if pending_above in (None, "none") else pending_above
    with open_ledger(ctx) as ledger:
        ledger.set_transfer_policy(limit, sandbox)
    held = ("no limit: every journal executes when made" if limit is None
            else f"journals above {limit} stay pending")
    render.plain(f"{held}; sandbox {'on' if sandbox else 'off'}")


def with_available(ledger: Ledger, rows: list[BalanceRow], period: Period,
                   include_incoming: bool = False) -> list[dict[str, Any]]:
    """The rows as JSON with ``available``: the ending balance less the holds of pending
    transfers then (plus what they bring in, if asked), rolled up like the balance."""
    at = None if period.end is None else period.end - timedelta(microseconds=1)
    own = ledger.available(at=at, include_incoming=include_incoming)
    chart = ledger.chart()

    def pending(account_id: str, code: str, normal: object) -> int:
        figure = own.get(account_id, {}).get(code)
        change = 0 if figure is None else figure.available - figure.posted
        account = chart.get(account_id)
        change = change if account.normal == normal else -change
        return change + sum(pending(child, code, normal)
                            for child in chart.children(account_id))

    out = []
    for row in rows:
        figure = row.to_json()
        figure["available"] = row.ending + pending(row.account_id, row.commodity,
                                                   chart.get(row.account_id).normal)
        out.append(figure)
    return out
