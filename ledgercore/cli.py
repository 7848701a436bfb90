"""The `ledgercore` command line: a thin layer over the public Python API.

Each command parses its options into domain values (`Period`, `EntryFilter`,
`ReportingBasis`), calls `Ledger`, the importers or `verify`, and renders the answer.
Exit codes: 0 success (or figures agree), 1 `verify` found discrepancies, 2 bad input or
usage — a one-paragraph message on stderr, no traceback, nothing written.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from ledgercore import reports
from ledgercore.config import resolve_database_url
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

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="ledgercore: double-entry books in SQLite or PostgreSQL.")
db_app = typer.Typer(no_args_is_help=True, help="Create and migrate the database schema.")
import_app = typer.Typer(no_args_is_help=True, help="Load provider payload files.")
verify_app = typer.Typer(no_args_is_help=True,
                         help="Check a provider's reported figures against the ledger.")
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(verify_app, name="verify")

# Pipes and CI logs get a wide table instead of rich's 80-column default.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)


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


def fail(message: str) -> NoReturn:
    # The message is text, not rich markup: its "[code]" and "$[0]" must print as written.
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(2)


@contextmanager
def refusals(source: Path | None = None) -> Iterator[None]:
    """Turn a LedgerError into the exit-2 paragraph the contract promises.

    The paragraph says what is wrong, where (the file `source` and the JSON path), how to
    fix it, and ends with the error's stable code in brackets.
    """
    try:
        yield
    except LedgerError as exc:
        message = exc.message if exc.message.endswith(".") else exc.message + "."
        if source is not None and source.name not in message:
            message = f"{source}: {message}"
        where = f" At {exc.path}." if exc.path else ""
        found = exc.details.get("found")
        if exc.code == "wrong_payload_kind" and not found and source is not None:
            found = _kind_of(source)
        if found:
            fix = f" Name it as {found}: `ledgercore import {found} FILE`."
        elif source is not None:
            fix = " Nothing of this file was written: correct it and run the command again."
        else:
            fix = ""
        fail(f"{message}{where}{fix} [{exc.code}]")


def _kind_of(source: Path) -> str | None:
    """Which payload kind a file looks like, to say which command reads it."""
    from ledgercore.providers import detect_kind, read_document

    try:
        kind = detect_kind(read_document(source))
    except LedgerError:
        return None
    return None if kind is None else kind.value


def _shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


@contextmanager
def database_errors(db: str | None) -> Iterator[None]:
    """Exit 2 when the database URL is unusable or the database cannot be opened.

    Only around opening and migrating: a failure in the middle of a command is a bug or
    an outage, and keeps its traceback.
    """
    url = resolve_database_url(db)
    origin = "--db" if db else "the database URL (--db, else $LEDGERCORE_DATABASE_URL)"
    try:
        yield
    except ArgumentError as exc:
        fail(f"{origin} {url!r} is not a database URL ledgercore can use ({exc}). Write it "
             f"as sqlite:///books.db or postgresql://user@host/dbname.")
    except DBAPIError as exc:
        fail(f"cannot open the database at {_shown_url(url)}: {exc.orig}. Check {origin}: "
             f"the directory of a SQLite file must exist, a server must be running and "
             f"accept the connection.")


@contextmanager
def open_ledger(ctx: typer.Context) -> Iterator[Ledger]:
    options: Options = ctx.obj
    with refusals(), database_errors(options.db):
        ledger = Ledger.open(options.db, ledger=options.ledger)
    with refusals(), ledger:
        yield ledger


@contextmanager
def migrations(db: str | None) -> Iterator[None]:
    """The refusals of a `db` command: an unknown revision is usage, as a bad URL is."""
    from alembic.util import CommandError

    with refusals(), database_errors(db):
        try:
            yield
        except CommandError as exc:
            fail(f"{exc}. `ledgercore db current` shows where the database is; the "
                 f"revisions are 'head', 'base' or an id from migrations/versions/.")


def _revision(db: str | None) -> str:
    return migrate.current(db) or "empty (no revision)"


# -- db ---------------------------------------------------------------------------------

@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context, revision: str = "head") -> None:
    """Migrate the schema up to REVISION (default: the newest)."""
    with migrations(ctx.obj.db):
        migrate.upgrade(ctx.obj.db, revision)
        out.print(f"schema at {_revision(ctx.obj.db)}")


@db_app.command("downgrade")
def db_downgrade(ctx: typer.Context, revision: str = "base") -> None:
    """Migrate the schema down to REVISION (default: empty)."""
    with migrations(ctx.obj.db):
        migrate.downgrade(ctx.obj.db, revision)
        out.print(f"schema at {_revision(ctx.obj.db)}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the schema revision the database is at."""
    with migrations(ctx.obj.db):
        out.print(_revision(ctx.obj.db))


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
            out.print(f"{path}: {outcome.summary()}", highlight=False, markup=False)


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
             ) -> None:
    """Starting, activity and ending balance of every account (rolled up the hierarchy)."""
    criteria = _criteria(start, end, end_inclusive, tag, customer, vendor, basis)
    with open_ledger(ctx) as ledger, refusals():
        q = _query(ledger, criteria)
        if format is BalanceFormat.layer:
            _print_json(reports.layer_balances(ledger, q.period, q.entry_filter, q.basis))
            return
        if format is BalanceFormat.alpaca:
            _print_json(reports.alpaca_jit_balances(ledger, q.period, q.entry_filter, q.basis))
            return
        rows = reports.balance_rows(ledger, q.period, q.entry_filter, q.basis)
        if format is BalanceFormat.json:
            _print_json([row.to_json() for row in rows])
        elif format is BalanceFormat.csv:
            _write_csv([row.to_json() for row in rows])
        else:
            _balance_table(rows, q)


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
            _print_json(reports.layer_entries(ledger, found))
        elif format is EntryFormat.json:
            _print_json([reports.entry_json(entry, ledger) for entry in found])
        else:
            _entry_table(ledger, found)


# -- verify -----------------------------------------------------------------------------

VerifyFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
VerifyFormatOption = Annotated[VerifyFormat, typer.Option("--format")]


def _report(report: VerifyReport, format: VerifyFormat) -> None:
    if format is VerifyFormat.json:
        _print_json(report.to_json())
    else:
        out.print(report.to_text(), highlight=False, markup=False, soft_wrap=True)
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
                out.print(f"{name}: {outcome.summary()}", highlight=False)
            q1 = Query(layer.period(date(2024, 1, 1), date(2024, 3, 31),
                                    end_semantics=EndSemantics.INCLUSIVE),
                       EntryFilter(), ReportingBasis.ACCRUAL)
            for basis in ReportingBasis:
                q = Query(q1.period, q1.entry_filter, basis)
                _balance_table(reports.balance_rows(layer, q.period, q.entry_filter, basis), q)
            report = importing.verify_layer_balances_file(
                layer, importing.EXAMPLES / "layer_balances.json", q1.period, q1.basis)
            ok = _show_verify("Layer balances (Q1 2024)", report) and ok
        with Ledger.open(options.db, ledger="alpaca-example") as alpaca:
            for kind, name in ((PayloadKind.ALPACA_JIT_BALANCES, "alpaca_jit_balances.json"),
                               (PayloadKind.ALPACA_JOURNALS, "alpaca_journals.json")):
                outcome = importing.import_file(alpaca, kind, importing.EXAMPLES / name)
                out.print(f"{name}: {outcome.summary()}", highlight=False)
            everything = Query(Period(), EntryFilter(), ReportingBasis.ACCRUAL)
            _balance_table(reports.balance_rows(alpaca, everything.period,
                                                everything.entry_filter, everything.basis),
                           everything)
            report = importing.verify_alpaca_jit_file(
                alpaca, importing.EXAMPLES / "alpaca_jit_balances.json")
            ok = _show_verify("Alpaca JIT balances", report) and ok
    raise typer.Exit(0 if ok else 1)


def _show_verify(title: str, report: VerifyReport) -> bool:
    out.print(f"verify {title}:", style="bold")
    out.print(report.to_text(), highlight=False, markup=False, soft_wrap=True)
    return report.ok


# -- rendering --------------------------------------------------------------------------

def _print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def _write_csv(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _balance_table(rows: list[reports.BalanceRow], q: Query) -> None:
    table = Table(title=f"Balances, {q.basis.value.lower()} basis, {reports.describe(q.period)}")
    table.add_column("Account")
    table.add_column("Type")
    table.add_column("Commodity")
    for heading in ("Starting", "Activity", "Ending"):
        table.add_column(heading, justify="right")
    for row in rows:
        # Names are data, not rich markup: "[Legacy] Cash" must print as written.
        table.add_row("  " * row.depth + escape(row.name), row.type, row.commodity,
                      row.text("starting"), row.text("activity"), row.text("ending"))
    out.print(table)


def _entry_table(ledger: Ledger, found: list[Any]) -> None:
    chart = ledger.chart()
    table = Table(title=f"{len(found)} {'entry' if len(found) == 1 else 'entries'}")
    for heading in ("Effective", "Entry", "Type", "Account", "Debit", "Credit"):
        table.add_column(heading, justify="right" if heading in ("Debit", "Credit") else "left")
    for entry in found:
        for index, item in enumerate(entry.line_items):
            amount = item.commodity.format(item.amount) + " " + item.commodity.code
            table.add_row(entry.entry_at.isoformat() if index == 0 else "",
                          escape(entry.id) if index == 0 else "",
                          escape(entry.entry_type) if index == 0 else "",
                          escape(chart.get(item.account_id).name),
                          amount if item.direction.value == "DEBIT" else "",
                          amount if item.direction.value == "CREDIT" else "")
    out.print(table)


