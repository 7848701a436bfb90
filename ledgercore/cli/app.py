"""The `ledgercore` commands: parse options, call the public API, render the answer.

Each command parses its options into domain values (`Period`, `EntryFilter`,
`ReportingBasis`), calls `Ledger`, the importers or `verify`, and renders the answer.
Exit codes: 0 success (or figures agree), 1 `verify` found discrepancies, 2 bad input or
usage — a one-paragraph message on stderr, no traceback, nothing written; 3 an internal
error (`ledgercore.cli.crash`), with its traceback.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ledgercore import reports
from ledgercore.cli import accounts, journals, render
from ledgercore.cli.books import open_ledger
from ledgercore.cli.errors import fail, migrations, readable, refusals
from ledgercore.cli.ledgers import ledgers as ledgers_command
from ledgercore.cli.options import GlobalOptionsAnywhere
from ledgercore.domain import (
    EndSemantics,
    EntryFilter,
    LedgerError,
    Period,
    ReportingBasis,
    parse_bound,
)
from ledgercore.store import Ledger, migrate

if TYPE_CHECKING:
    from ledgercore.verify import VerifyReport

# The importers, pydantic models and verify load inside the commands that use them: a
# cold `ledgercore balances` should pay for SQLAlchemy and nothing it does not need.

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False, cls=GlobalOptionsAnywhere,
                  help="ledgercore: double-entry books in SQLite or PostgreSQL. --db and "
                       "--ledger may come before or after the command.")
db_app = typer.Typer(no_args_is_help=True, help="Create and migrate the database schema.")
import_app = typer.Typer(no_args_is_help=True, help="Load provider payload files.")
verify_app = typer.Typer(no_args_is_help=True,
                         help="Check a provider's reported figures against the ledger.")
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(verify_app, name="verify")
app.command("ledgers")(ledgers_command)
app.add_typer(journals.app, name="journals")  # transfers (ledgercore/cli/journals.py)
app.add_typer(accounts.app, name="accounts")


@dataclass(frozen=True)
class Options:
    db: str | None
    ledger: str


class BalanceFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    layer = "layer"
    alpaca = "alpaca"


class EntryFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    layer = "layer"


class VerifyFormat(StrEnum):
    text = "text"
    json = "json"


class Basis(StrEnum):
    accrual = "accrual"
    cash = "cash"


def _print_version(wanted: bool) -> None:
    if wanted:
        import ledgercore

        render.plain(f"ledgercore {ledgercore.__version__}")
        raise typer.Exit(0)


@app.callback()
def main(ctx: typer.Context,
         db: Annotated[str | None, typer.Option(
             "--db", help="Database URL (default: $LEDGERCORE_DATABASE_URL, else "
                          "sqlite:///ledgercore.db).")] = None,
         ledger: Annotated[str, typer.Option(
             "--ledger", help="Which ledger (tenant) in the database "
                              "(`ledgercore ledgers` lists them).")] = "default",
         version: Annotated[bool, typer.Option(
             "--version", is_eager=True, callback=_print_version,
             help="Print ledgercore's version and exit.")] = False) -> None:
    ctx.obj = Options(db, ledger)


def _revision(db: str | None) -> str:
    from ledgercore.config import resolve_database_url
    from ledgercore.store import presence

    path = presence.sqlite_file(resolve_database_url(db))
    if path is not None and not path.exists() and path.parent.is_dir():  # nor create it
        return f"empty (no revision): there is no database file at {path} yet"
    at = migrate.current(db)
    if not migrate.known(at):
        return f"{at} (made by a newer ledgercore: this version knows up to {migrate.head()})"
    return at or "empty (no revision)"


# -- db ---------------------------------------------------------------------------------

@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: str = "head") -> None:
    """Migrate the schema up to REVISION (default: the newest)."""
    with migrations(ctx.obj.db):
        migrate.upgrade(ctx.obj.db, revision)
        render.out().print(f"schema at {_revision(ctx.obj.db)}")


@db_app.command("downgrade")
def db_downgrade(ctx: typer.Context,
                 revision: Annotated[str | None, typer.Option(
                     "--revision", help="The revision to go down to: an id, or 'base' "
                                        "(drops every table). Required.")] = None,
                 yes: Annotated[bool, typer.Option(
                     "--yes", "-y", help="Do it without asking (what it drops is still "
                                         "printed).")] = False) -> None:
    """Migrate the schema down to REVISION, which is required: it drops tables and data."""
    from ledgercore.cli import downgrade

    downgrade.run(ctx.obj.db, revision, yes)


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision the database is at."""
    with migrations(ctx.obj.db):
        render.out().print(_revision(ctx.obj.db))


@db_app.command("rebuild")
def db_rebuild(ctx: typer.Context) -> None:
    """Recompute the derived figures (period totals, cash-basis projection) from the journal.

    Posting keeps both current; rebuild after writing to the tables by other means.
    """
    with open_ledger(ctx) as ledger:
        ledger.rebuild_period_totals()
        ledger.rebuild_cash_projection()
        render.plain(f"rebuilt period totals and the cash-basis projection of "
                     f"ledger {ledger.settings.name}")


# -- import -----------------------------------------------------------------------------

# Files are checked by `readable` (one paragraph with a code), not by the CLI framework.
Files = Annotated[list[Path], typer.Argument(help="Payload files (JSON).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
SeenAt = Annotated[str | None, typer.Option(
    "--seen-at", help="When the provider's snapshot was taken: a date or an RFC 3339 "
                      "date-time (default: now). Decides which chart snapshot's labels win "
                      "and dates journal status changes.")]


def _import(ctx: typer.Context, kind: str, files: list[Path], quiet: bool,
            seen_at: str | None = None, window: tuple[str | None, str | None] = (None, None),
            ) -> None:
    from ledgercore import importing
    from ledgercore.providers import PayloadKind

    with refusals():
        seen = None if seen_at is None else parse_bound(seen_at, path="--seen-at")
        start, end = (None if d is None else _day(d, option)
                      for d, option in zip(window, ("--start", "--end"), strict=True))
    show_progress = not quiet and sys.stderr.isatty()
    readable(*files)
    with open_ledger(ctx, create=True) as ledger:
        when = None if seen is None else ledger.period(seen).start
        for path in files:
            # One file, one transaction: the files before a refused one stay imported.
            with refusals(path):
                outcome = importing.import_file(ledger, PayloadKind(kind), path,
                                                progress=show_progress, seen_at=when,
                                                window=(start, end))
            render.plain(f"{path}: {outcome.summary()}")


def _day(value: str, option: str) -> date:
    """A date option (the JIT window's inclusive days)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r} is not a date; write it as 2024-06-30.", "invalid_date")


JitStart = Annotated[str | None, typer.Option(
    "--start", help="The window's start_date (inclusive), as requested from Alpaca.")]
JitEnd = Annotated[str | None, typer.Option(
    "--end", help="The window's end_date (inclusive), as requested from Alpaca.")]


@import_app.command("layer-entries")
def import_layer_entries(ctx: typer.Context, files: Files, quiet: Quiet = False,
                  seen_at: SeenAt = None) -> None:
    """Post the journal entries of Layer `GET ledger/entries` responses."""
    _import(ctx, "layer-entries", files, quiet, seen_at)


@import_app.command("layer-balances")
def import_layer_balances(ctx: typer.Context, files: Files, quiet: Quiet = False,
                  seen_at: SeenAt = None) -> None:
    """Define the chart of accounts of Layer `GET ledger/balances` responses."""
    _import(ctx, "layer-balances", files, quiet, seen_at)


@import_app.command("layer-chart")
def import_layer_chart(ctx: typer.Context, files: Files, quiet: Quiet = False,
                       seen_at: SeenAt = None) -> None:
    """Define or update the chart from Layer `GET ledger/accounts` (Chart_Of_Accounts)."""
    _import(ctx, "layer-chart", files, quiet, seen_at)


@import_app.command("alpaca-jit-balances")
def import_alpaca_jit(ctx: typer.Context, files: Files, quiet: Quiet = False,
                      seen_at: SeenAt = None, start: JitStart = None,
                      end: JitEnd = None) -> None:
    """Post the transactions of Alpaca JIT ledger balances responses.

    --start / --end are the window's start_date and end_date as requested (both
    inclusive); --start places the opening balance, even of a window with no transactions.
    """
    _import(ctx, "alpaca-jit-balances", files, quiet, seen_at, (start, end))


@import_app.command("alpaca-journals")
def import_alpaca_journals(ctx: typer.Context, files: Files, quiet: Quiet = False,
                  seen_at: SeenAt = None) -> None:
    """Post the executed journals (JNLC cash, JNLS securities) of Alpaca journal lists."""
    _import(ctx, "alpaca-journals", files, quiet, seen_at)


# -- reports ----------------------------------------------------------------------------

Start = Annotated[str | None, typer.Option(
    "--start", help="Inclusive start: a date (2024-06-30) or an RFC 3339 date-time.")]
End = Annotated[str | None, typer.Option(
    "--end", help="End: a date or an RFC 3339 date-time; see --end-inclusive.")]
EndInclusive = Annotated[bool, typer.Option(
    "--end-inclusive/--end-exclusive",
    help="Whether --end itself is inside the range (a date end: through that whole day).")]
BasisOption = Annotated[Basis, typer.Option("--basis", help="Reporting basis.",
                                            case_sensitive=False)]
TagOption = Annotated[list[str] | None, typer.Option(
    "--tag", help="Only entries tagged KEY=VALUE (repeat: values of one key are alternatives,"
                  " different keys must all match).")]
Customer = Annotated[str | None, typer.Option("--customer", help="Only this customer's entries.")]
Vendor = Annotated[str | None, typer.Option("--vendor", help="Only this vendor's entries.")]


@dataclass(frozen=True)
class Criteria:
    """The report options, parsed before the database is opened (a typo creates nothing)."""

    start: date | datetime | None
    end: date | datetime | None
    end_semantics: EndSemantics
    tags: dict[str, frozenset[str]]
    customer: str | None
    vendor: str | None
    basis: ReportingBasis


@dataclass(frozen=True)
class Query:
    period: Period
    entry_filter: EntryFilter
    basis: ReportingBasis


def _criteria(start: str | None, end: str | None, end_inclusive: bool,
              tags: list[str] | None, customer: str | None, vendor: str | None,
              basis: Basis) -> Criteria:
    with refusals():
        first = None if start is None else parse_bound(start, path="--start")
        last = None if end is None else parse_bound(end, path="--end")
    wanted: dict[str, set[str]] = {}
    for tag in tags or ():
        key, sep, value = tag.partition("=")
        if not sep or not key:
            fail(f"--tag {tag!r} is not KEY=VALUE; write it as --tag region=EU.",
                 "invalid_filter")
        wanted.setdefault(key, set()).add(value)
    return Criteria(first, last,
                    EndSemantics.INCLUSIVE if end_inclusive else EndSemantics.EXCLUSIVE,
                    {k: frozenset(v) for k, v in wanted.items()}, customer, vendor,
                    ReportingBasis(basis.value.upper()))


def _query(ledger: Ledger, c: Criteria) -> Query:
    """The period (dates read in the ledger's timezone) and filter of `c`."""
    try:
        period = ledger.period(c.start, c.end, end_semantics=c.end_semantics)
    except LedgerError as exc:  # a bound past the ends of time: name the option
        exc.path = {"$.start": "--start", "$.end": "--end"}.get(str(exc.path), exc.path)
        raise
    entry_filter = EntryFilter(tags=c.tags, customer_id=c.customer, vendor_id=c.vendor,
                               not_before=ledger.settings.activation_at)
    return Query(period, entry_filter, c.basis)


@app.command()
def balances(ctx: typer.Context, start: Start = None, end: End = None,
             end_inclusive: EndInclusive = False, basis: BasisOption = Basis.accrual,
             tag: TagOption = None, customer: Customer = None, vendor: Vendor = None,
             format: Annotated[BalanceFormat, typer.Option(
                 "--format", case_sensitive=False,
                 help="table for people; json or csv (minor units); the Layer or Alpaca "
                      "response.")] = BalanceFormat.table,
             available: Annotated[bool, typer.Option(
                 "--available", help="Add `available` (less pending journals) to json and "
                                     "csv rows.")] = False,
             account: Annotated[str | None, typer.Option(
                 "--account", help="Only this account and its descendants.")] = None,
             ) -> None:
    """Starting, activity and ending balance of every account (rolled up the hierarchy)."""
    criteria = _criteria(start, end, end_inclusive, tag, customer, vendor, basis)
    with open_ledger(ctx) as ledger, refusals():
        q = _query(ledger, criteria)
        if format is BalanceFormat.layer:
            render.print_json(reports.layer_balances(ledger, q.period, q.entry_filter, q.basis))
            return
        if format is BalanceFormat.alpaca:
            render.print_json(reports.alpaca_jit_balances(ledger, q.period, q.entry_filter,
                                                          q.basis))
            return
        rows = reports.balance_rows(ledger, q.period, q.entry_filter, q.basis)
        if account is not None:
            rows = reports.subtree_rows(rows, ledger.chart(), account)
        shown = (journals.with_available(ledger, rows, q.period) if available
                 else [row.to_json() for row in rows])
        if format is BalanceFormat.json:
            render.print_json(shown)
        elif format is BalanceFormat.csv:
            render.write_csv(shown)
        else:
            render.balance_table(rows, q.period, q.basis)


@app.command()
def entries(ctx: typer.Context, start: Start = None, end: End = None,
            end_inclusive: EndInclusive = False, basis: BasisOption = Basis.accrual,
            tag: TagOption = None, customer: Customer = None, vendor: Vendor = None,
            format: Annotated[EntryFormat, typer.Option(
                "--format", case_sensitive=False,
                help="table for people; csv (a row per line item, minor units); json "
                     "(Layer entries); layer (the whole response).")] = EntryFormat.table,
            ) -> None:
    """The journal entries in the range, oldest first."""
    criteria = _criteria(start, end, end_inclusive, tag, customer, vendor, basis)
    with open_ledger(ctx) as ledger, refusals():
        q = _query(ledger, criteria)
        found = reports.journal(ledger, q.period, q.entry_filter, q.basis)
        if format is EntryFormat.layer:
            render.print_json(reports.layer_entries(ledger, found))
        elif format is EntryFormat.json:
            chart = ledger.chart()
            render.print_json([reports.entry_json(entry, chart) for entry in found])
        elif format is EntryFormat.csv:
            render.write_csv(reports.entry_rows(ledger, found), always=reports.ENTRY_COLUMNS)
        else:
            render.entry_table({a.id: a.name for a in ledger.chart()}, found)


# -- verify -----------------------------------------------------------------------------

VerifyFile = Annotated[Path, typer.Argument()]
VerifyFormatOption = Annotated[VerifyFormat, typer.Option(
    "--format", case_sensitive=False, help="text for people, json for programs.")]


def _report(report: VerifyReport, format: VerifyFormat) -> None:
    if format is VerifyFormat.json:
        render.print_json(report.to_json())
    else:
        render.verify_text(report)
    if not report.ok:
        raise typer.Exit(1)


@verify_app.command("layer-balances")
def verify_layer_balances(ctx: typer.Context, file: VerifyFile, start: Start = None,
                          end: End = None, end_inclusive: EndInclusive = False,
                          basis: BasisOption = Basis.accrual, tag: TagOption = None,
                          customer: Customer = None, vendor: Vendor = None,
                          format: VerifyFormatOption = VerifyFormat.text) -> None:
    """Check a Layer balances response: each node against the ledger and against itself.

    Give the response's own filters (--customer, --vendor, --tag, --basis) so its
    figures are compared with the same entries; a counterparty's external id is the tag
    customer_external_id / vendor_external_id.
    """
    from ledgercore import importing

    criteria = _criteria(start, end, end_inclusive, tag, customer, vendor, basis)
    readable(file)
    with open_ledger(ctx) as ledger, refusals(file):
        q = _query(ledger, criteria)
        report = importing.verify_layer_balances_file(ledger, file, q.period, q.basis,
                                                      q.entry_filter)
    _report(report, format)


@verify_app.command("alpaca-jit-balances")
def verify_alpaca_jit_balances(ctx: typer.Context, file: VerifyFile,
                               format: VerifyFormatOption = VerifyFormat.text,
                               start: JitStart = None, end: JitEnd = None) -> None:
    """Check an Alpaca JIT balances response: its arithmetic and the ledger's figures.

    --start / --end are the dates it was requested with (both inclusive); without them
    the range is the first through last transaction day.
    """
    from ledgercore import importing

    readable(file)
    window = (None if start is None else _day(start, "--start"),
              None if end is None else _day(end, "--end"))
    with open_ledger(ctx) as ledger, refusals(file):
        report = importing.verify_alpaca_jit_file(ledger, file, window)
    _report(report, format)


# -- demo -------------------------------------------------------------------------------

@app.command()
def demo(ctx: typer.Context) -> None:
    """Import the bundled Layer and Alpaca examples, print balances, verify the figures.

    The Layer business and the Alpaca ledger are two ledgers (tenants) of one database,
    `layer-example` and `alpaca-example`; the demo ends with the commands to read them.
    """
    from ledgercore.cli import demo as example

    ok = example.run(ctx.obj.db)
    raise typer.Exit(0 if ok else 1)


# -- statements, period close, register (ledgercore/cli/statements.py) -----------------
from ledgercore.cli import statements as _statements  # noqa: E402  (it reads the options above)

_statements.install(app)
