"""The `ledgercore` commands: parse options, call the public API, render the answer.

Each command parses its options into domain values (`Period`, `EntryFilter`,
`ReportingBasis`), calls `Ledger`, the importers or `verify`, and renders the answer.
Exit codes: 0 success (or figures agree), 1 `verify` found discrepancies, 2 bad input or
usage — a one-paragraph message on stderr, no traceback, nothing written.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ledgercore import reports
from ledgercore.cli import render
from ledgercore.cli.errors import database_errors, fail, migrations, refusals
from ledgercore.domain import (
    EndSemantics,
    EntryFilter,
    Period,
    ReportingBasis,
    parse_bound,
)
from ledgercore.store import Ledger, migrate

if TYPE_CHECKING:
    from ledgercore.verify import VerifyReport

# The importers, pydantic models and verify load inside the commands that use them: a
# cold `ledgercore balances` should pay for SQLAlchemy and nothing it does not need.

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="ledgercore: double-entry books in SQLite or PostgreSQL.")
db_app = typer.Typer(no_args_is_help=True, help="Create and migrate the database schema.")
import_app = typer.Typer(no_args_is_help=True, help="Load provider payload files.")
verify_app = typer.Typer(no_args_is_help=True,
                         help="Check a provider's reported figures against the ledger.")
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(verify_app, name="verify")


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
    layer = "layer"


class VerifyFormat(StrEnum):
    text = "text"
    json = "json"


class Basis(StrEnum):
    accrual = "accrual"
    cash = "cash"


@app.callback()
def main(ctx: typer.Context,
         db: Annotated[str | None, typer.Option(
             "--db", help="Database URL (default: $LEDGERCORE_DATABASE_URL, else "
                          "sqlite:///ledgercore.db).")] = None,
         ledger: Annotated[str, typer.Option(
             "--ledger", help="Which ledger (tenant) in the database.")] = "default") -> None:
    ctx.obj = Options(db, ledger)


@contextmanager
def open_ledger(ctx: typer.Context) -> Iterator[Ledger]:
    options: Options = ctx.obj
    with refusals(), database_errors(options.db):
        ledger = Ledger.open(options.db, ledger=options.ledger)
    with refusals(), ledger:
        yield ledger


def _revision(db: str | None) -> str:
    return migrate.current(db) or "empty (no revision)"


# -- db ---------------------------------------------------------------------------------

@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: str = "head") -> None:
    """Migrate the schema up to REVISION (default: the newest)."""
    with migrations(ctx.obj.db):
        migrate.upgrade(ctx.obj.db, revision)
        render.out().print(f"schema at {_revision(ctx.obj.db)}")


@db_app.command("downgrade")
def db_downgrade(ctx: typer.Context, revision: str = "base") -> None:
    """Migrate the schema down to REVISION (default: empty)."""
    with migrations(ctx.obj.db):
        migrate.downgrade(ctx.obj.db, revision)
        render.out().print(f"schema at {_revision(ctx.obj.db)}")


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

Files = Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True,
                                             help="Payload files (JSON).")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]


def _import(ctx: typer.Context, kind: str, files: list[Path], quiet: bool) -> None:
    from ledgercore import importing
    from ledgercore.providers import PayloadKind

    show_progress = not quiet and sys.stderr.isatty()
    with open_ledger(ctx) as ledger:
        for path in files:
            # One file, one transaction: the files before a refused one stay imported.
            with refusals(path):
                outcome = importing.import_file(ledger, PayloadKind(kind), path,
                                                progress=show_progress)
            render.plain(f"{path}: {outcome.summary()}")


@import_app.command("layer-entries")
def import_layer_entries(ctx: typer.Context, files: Files, quiet: Quiet = False) -> None:
    """Post the journal entries of Layer `GET ledger/entries` responses."""
    _import(ctx, "layer-entries", files, quiet)


@import_app.command("layer-balances")
def import_layer_balances(ctx: typer.Context, files: Files, quiet: Quiet = False) -> None:
    """Define the chart of accounts of Layer `GET ledger/balances` responses."""
    _import(ctx, "layer-balances", files, quiet)


@import_app.command("alpaca-jit-balances")
def import_alpaca_jit(ctx: typer.Context, files: Files, quiet: Quiet = False) -> None:
    """Post the transactions of Alpaca JIT ledger balances responses."""
    _import(ctx, "alpaca-jit-balances", files, quiet)


@import_app.command("alpaca-journals")
def import_alpaca_journals(ctx: typer.Context, files: Files, quiet: Quiet = False) -> None:
    """Post the executed journals (JNLC cash, JNLS securities) of Alpaca journal lists."""
    _import(ctx, "alpaca-journals", files, quiet)


# -- reports ----------------------------------------------------------------------------

Start = Annotated[str | None, typer.Option(
    "--start", help="Inclusive start: a date (2024-06-30) or an RFC 3339 date-time.")]
End = Annotated[str | None, typer.Option(
    "--end", help="End: a date or an RFC 3339 date-time; see --end-inclusive.")]
EndInclusive = Annotated[bool, typer.Option(
    "--end-inclusive/--end-exclusive",
    help="Whether --end itself is inside the range (a date end: through that whole day).")]
BasisOption = Annotated[Basis, typer.Option("--basis", help="Reporting basis.")]
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
            fail(f"--tag {tag!r} is not KEY=VALUE; write it as --tag region=EU.")
        wanted.setdefault(key, set()).add(value)
    return Criteria(first, last,
                    EndSemantics.INCLUSIVE if end_inclusive else EndSemantics.EXCLUSIVE,
                    {k: frozenset(v) for k, v in wanted.items()}, customer, vendor,
                    ReportingBasis(basis.value.upper()))


def _query(ledger: Ledger, c: Criteria) -> Query:
    """The period (dates read in the ledger's timezone) and filter of `c`."""
    period = ledger.period(c.start, c.end, end_semantics=c.end_semantics)
    entry_filter = EntryFilter(tags=c.tags, customer_id=c.customer, vendor_id=c.vendor,
                               not_before=ledger.settings.activation_at)
    return Query(period, entry_filter, c.basis)


@app.command()
def balances(ctx: typer.Context, start: Start = None, end: End = None,
             end_inclusive: EndInclusive = False, basis: BasisOption = Basis.accrual,
             tag: TagOption = None, customer: Customer = None, vendor: Vendor = None,
             format: Annotated[BalanceFormat, typer.Option("--format")] = BalanceFormat.table,
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
        if format is BalanceFormat.json:
            render.print_json([row.to_json() for row in rows])
        elif format is BalanceFormat.csv:
            render.write_csv([row.to_json() for row in rows])
        else:
            render.balance_table(rows, q.period, q.basis)


@app.command()
def entries(ctx: typer.Context, start: Start = None, end: End = None,
            end_inclusive: EndInclusive = False, basis: BasisOption = Basis.accrual,
            tag: TagOption = None, customer: Customer = None, vendor: Vendor = None,
            format: Annotated[EntryFormat, typer.Option("--format")] = EntryFormat.table,
            ) -> None:
    """The journal entries in the range, oldest first."""
    criteria = _criteria(start, end, end_inclusive, tag, customer, vendor, basis)
    with open_ledger(ctx) as ledger, refusals():
        q = _query(ledger, criteria)
        found = reports.journal(ledger, q.period, q.entry_filter, q.basis)
        if format is EntryFormat.layer:
            render.print_json(reports.layer_entries(ledger, found))
        elif format is EntryFormat.json:
            render.print_json([reports.entry_json(entry, ledger) for entry in found])
        else:
            render.entry_table({a.id: a.name for a in ledger.chart()}, found)


# -- verify -----------------------------------------------------------------------------

VerifyFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
VerifyFormatOption = Annotated[VerifyFormat, typer.Option("--format")]


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
                          basis: BasisOption = Basis.accrual,
                          format: VerifyFormatOption = VerifyFormat.text) -> None:
    """Check a Layer balances response: each node against the ledger and against itself."""
    from ledgercore import importing

    criteria = _criteria(start, end, end_inclusive, None, None, None, basis)
    with open_ledger(ctx) as ledger, refusals(file):
        q = _query(ledger, criteria)
        report = importing.verify_layer_balances_file(ledger, file, q.period, q.basis)
    _report(report, format)


@verify_app.command("alpaca-jit-balances")
def verify_alpaca_jit_balances(ctx: typer.Context, file: VerifyFile,
                               format: VerifyFormatOption = VerifyFormat.text) -> None:
    """Check an Alpaca JIT balances response: its arithmetic and the ledger's figures."""
    from ledgercore import importing

    with open_ledger(ctx) as ledger, refusals(file):
        report = importing.verify_alpaca_jit_file(ledger, file)
    _report(report, format)


# -- demo -------------------------------------------------------------------------------

@app.command()
def demo(ctx: typer.Context) -> None:
    """Import the bundled Layer and Alpaca examples, print balances, verify the figures.

    The Layer business and the Alpaca ledger are two ledgers (tenants) of one database.
    """
    from ledgercore import importing
    from ledgercore.providers import PayloadKind

    options: Options = ctx.obj
    ok = True
    with refusals():
        with Ledger.open(options.db, ledger="layer-example") as layer:
            for kind, name in ((PayloadKind.LAYER_BALANCES, "layer_balances.json"),
                               (PayloadKind.LAYER_ENTRIES, "layer_entries.json")):
                outcome = importing.import_file(layer, kind, importing.EXAMPLES / name)
                render.plain(f"{name}: {outcome.summary()}")
            q1 = Query(layer.period(date(2024, 1, 1), date(2024, 3, 31),
                                    end_semantics=EndSemantics.INCLUSIVE),
                       EntryFilter(), ReportingBasis.ACCRUAL)
            for basis in ReportingBasis:
                q = Query(q1.period, q1.entry_filter, basis)
                render.balance_table(reports.balance_rows(layer, q.period, q.entry_filter, basis),
                                     q.period, basis)
            report = importing.verify_layer_balances_file(
                layer, importing.EXAMPLES / "layer_balances.json", q1.period, q1.basis)
            render.verify_text(report, "Layer balances (Q1 2024)")
            _statements.show_statements(layer, q1.period)  # income statement, balance sheet
            ok = ok and report.ok
        with Ledger.open(options.db, ledger="alpaca-example") as alpaca:
            for kind, name in ((PayloadKind.ALPACA_JIT_BALANCES, "alpaca_jit_balances.json"),
                               (PayloadKind.ALPACA_JOURNALS, "alpaca_journals.json")):
                outcome = importing.import_file(alpaca, kind, importing.EXAMPLES / name)
                render.plain(f"{name}: {outcome.summary()}")
            everything = Query(Period(), EntryFilter(), ReportingBasis.ACCRUAL)
            render.balance_table(reports.balance_rows(alpaca, everything.period,
                                                      everything.entry_filter, everything.basis),
                                 everything.period, everything.basis)
            report = importing.verify_alpaca_jit_file(
                alpaca, importing.EXAMPLES / "alpaca_jit_balances.json")
            render.verify_text(report, "Alpaca JIT balances")
            ok = ok and report.ok
    raise typer.Exit(0 if ok else 1)


# -- statements, period close, register (ledgercore/cli/statements.py) -----------------
from ledgercore.cli import statements as _statements  # noqa: E402  (it reads the options above)

_statements.install(app)
