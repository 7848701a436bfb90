"""The statement commands: `report ...`, `period close|reopen|list`, `register`.

Each parses its options into domain values, calls `Ledger` (`income_statement`,
`balance_sheet`, `cash_flow`, `trial_balance`, `register`, `close_period`,
`reopen_period`), lets `ledgercore.financials` arrange the answer and renders it as a
table, JSON, CSV or HTML. A write into a closed period exits 2 ending ``[period_closed]``
like every refusal.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ledgercore import financials
from ledgercore.cli import render, statement_render
from ledgercore.cli.app import (
    Basis,
    BasisOption,
    Criteria,
    Customer,
    End,
    EndInclusive,
    Start,
    TagOption,
    Vendor,
    _criteria,
    _query,
)
from ledgercore.cli.books import open_ledger
from ledgercore.cli.errors import InvalidOption, MissingExtra, fail, refusals
from ledgercore.cli.render import _print_table
from ledgercore.domain import EndSemantics, Period, ReportingBasis, format_fixed, parse_bound
from ledgercore.financials import Layout, Step
from ledgercore.reports import describe
from ledgercore.store import Ledger

report_app = typer.Typer(no_args_is_help=True,
                         help="Financial statements: income statement, balance sheet, cash "
                              "flow, trial balance.")
period_app = typer.Typer(no_args_is_help=True,
                         help="Close the books through a day, or reopen them.")


class StatementFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


class RegisterFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[StatementFormat, typer.Option("--format")]
ByOption = Annotated[Step | None, typer.Option(
    "--by", help="Columns by month, quarter or year (date bounds; an open start begins at "
                 "the first entry, an open end runs through today).")]


def install(app: typer.Typer) -> None:
    """Register the statement commands on the main app."""
    app.add_typer(report_app, name="report")
    app.add_typer(period_app, name="period")
    app.command("register")(register_command)
    app.command("chart")(chart_command)


def _emit(layout: Layout, document: dict[str, object], format: StatementFormat,
          ledger: Ledger) -> None:
    scales = {c.code: c.scale for c in ledger.commodities()}
    if format is StatementFormat.json:
        render.print_json(document)
    elif format is StatementFormat.csv:
        statement_render.write_csv(layout, scales)
    elif format is StatementFormat.html:
        statement_render.write_html(layout, scales)
    else:
        statement_render.table(layout, scales)


def _day(bound: date | datetime | None, option: str) -> date | None:
    if isinstance(bound, datetime):
        fail(f"{option} {bound.isoformat()} is a date-time; --by splits by calendar days, "
             f"so give a date (YYYY-MM-DD).", "invalid_date")
    return bound


def _columns(ledger: Ledger, c: Criteria, by: Step | None) -> tuple[list[Period], list[str],
                                                                    str]:
    """The column periods, their labels and the whole range in words."""
    whole = _query(ledger, c).period
    if by is None:
        return [whole], ["Amount"], describe(whole)
    start, end = _day(c.start, "--start"), _day(c.end, "--end")
    if start is None:
        first = ledger.entries(limit=1).entries
        start = (first[0].entry_at.astimezone(ledger.settings.tzinfo).date() if first
                 else datetime.now(ledger.settings.tzinfo).date())
    if end is None:
        end = datetime.now(ledger.settings.tzinfo).date() + timedelta(days=1)
    elif c.end_semantics is EndSemantics.INCLUSIVE:
        end += timedelta(days=1)
    bounds = financials.column_bounds(start, end, by)
    return ([ledger.period(a, b) for a, b, _ in bounds], [label for _, _, label in bounds],
            f"{start.isoformat()} to {end.isoformat()} (end exclusive)")


@report_app.command("income-statement")
def income_statement(ctx: typer.Context, start: Start = None, end: End = None,
                     end_inclusive: EndInclusive = False, basis: BasisOption = Basis.accrual,
                     by: ByOption = None,
                     compare_prior: Annotated[bool, typer.Option(
                         "--compare-prior", help="Add the period of the same length just "
                                                 "before (date bounds).")] = False,
                     tag: TagOption = None, customer: Customer = None, vendor: Vendor = None,
                     format: FormatOption = StatementFormat.table) -> None:
    """Revenue, cost of goods sold, gross profit, expenses and net income over a period."""
    criteria = _criteria(start, end, end_inclusive, tag, customer, vendor, basis)
    with open_ledger(ctx) as ledger, refusals():
        q = _query(ledger, criteria)
        columns, labels, words = _columns(ledger, criteria, by)
        prior = None
        if compare_prior:
            first, last = columns[0].start, columns[-1].end
            if first is None or last is None:
                fail("--compare-prior needs both --start and --end.", "invalid_period")
            tz = ledger.settings.tzinfo
            a, b = financials.prior_bounds(first.astimezone(tz).date(),
                                           last.astimezone(tz).date())
            prior = ledger.income_statement([ledger.period(a, b)], q.entry_filter, q.basis)
        statement = ledger.income_statement(columns, q.entry_filter, q.basis)
        shown, shown_labels = statement, labels
        if prior is not None:
            shown = ledger.income_statement([prior.columns[0], *columns], q.entry_filter,
                                            q.basis)
            shown_labels = [f"prior {describe(prior.columns[0])}", *labels]
        layout = financials.income_layout(shown, shown_labels, q.basis, words)
        _emit(layout, financials.income_json(statement, labels, q.basis, prior), format,
              ledger)


@report_app.command("balance-sheet")
def balance_sheet(ctx: typer.Context, end: End = None, end_inclusive: EndInclusive = False,
                  basis: BasisOption = Basis.accrual, tag: TagOption = None,
                  customer: Customer = None, vendor: Vendor = None,
                  format: FormatOption = StatementFormat.table) -> None:
    """Assets, liabilities and equity (retained and current earnings) at --end."""
    criteria = _criteria(None, end, end_inclusive, tag, customer, vendor, basis)
    with open_ledger(ctx) as ledger, refusals():
        q = _query(ledger, criteria)
        sheet = ledger.balance_sheet(q.period.end, q.entry_filter, q.basis)
        label = "after every entry" if q.period.end is None else \
            f"before {q.period.end.isoformat()}"
        _emit(financials.balance_sheet_layout(sheet, q.basis, label),
              financials.balance_sheet_json(sheet, q.basis), format, ledger)


@report_app.command("cash-flow")
def cash_flow(ctx: typer.Context, start: Start = None, end: End = None,
              end_inclusive: EndInclusive = False, basis: BasisOption = Basis.accrual,
              by: ByOption = None, tag: TagOption = None, customer: Customer = None,
              vendor: Vendor = None, format: FormatOption = StatementFormat.table,
              direct: Annotated[bool, typer.Option(
                  "--direct/--no-direct", help="Also the direct method (from the cash "
                                               "basis; reads the period's lines).")] = True,
              ) -> None:
    """The change in cash and bank: indirect method (on --basis) and direct (cash basis)."""
    criteria = _criteria(start, end, end_inclusive, tag, customer, vendor, basis)
    with open_ledger(ctx) as ledger, refusals():
        q = _query(ledger, criteria)
        columns, labels, words = _columns(ledger, criteria, by)
        flows = [ledger.cash_flow(column, q.entry_filter, q.basis, direct)
                 for column in columns]
        _emit(financials.cash_flow_layout(flows, labels, q.basis, words),
              financials.cash_flow_json(flows, labels, q.basis), format, ledger)


@report_app.command("trial-balance")
def trial_balance(ctx: typer.Context, start: Start = None, end: End = None,
                  end_inclusive: EndInclusive = False, basis: BasisOption = Basis.accrual,
                  by: ByOption = None, tag: TagOption = None, customer: Customer = None,
                  vendor: Vendor = None, format: FormatOption = StatementFormat.table) -> None:
    """Every account's ending balance in debit and credit columns (one pair per column)."""
    criteria = _criteria(start, end, end_inclusive, tag, customer, vendor, basis)
    with open_ledger(ctx) as ledger, refusals():
        q = _query(ledger, criteria)
        columns, labels, words = _columns(ledger, criteria, by)
        trials = [(label, ledger.trial_balance(column, q.entry_filter, q.basis))
                  for column, label in zip(columns, labels, strict=True)]
        names = {a.id: a.name for a in ledger.chart()}
        _emit(financials.trial_balance_layout(trials, names, q.basis, words),
              financials.trial_balance_json(trials, columns, q.basis), format, ledger)


def show_statements(ledger: Ledger, period: Period) -> None:
    """The income statement (accrual and cash) and balance sheet of `period`, as tables
    (what `ledgercore demo` shows of the Layer example)."""
    scales = {c.code: c.scale for c in ledger.commodities()}
    for basis in ReportingBasis:
        statement = ledger.income_statement([period], basis=basis)
        statement_render.table(financials.income_layout(statement, ["Amount"], basis,
                                                        describe(period)), scales)
    for basis in ReportingBasis:
        sheet = ledger.balance_sheet(period.end, basis=basis)
        statement_render.table(financials.balance_sheet_layout(
            sheet, basis, "at the end of the quarter"), scales)


# -- period -----------------------------------------------------------------------------

Through = Annotated[str, typer.Option("--through", help="The last day of the period "
                                                        "(YYYY-MM-DD, the ledger's timezone).")]


def _through(text: str) -> date:
    with refusals():
        day = parse_bound(text, path="--through")
    if isinstance(day, datetime):
        fail(f"--through {text!r} is a date-time; a period closes through a whole day, so "
             f"give a date (YYYY-MM-DD).", "invalid_date")
    return day


@period_app.command("close")
def period_close(ctx: typer.Context, through: Through,
                 retained_earnings: Annotated[str | None, typer.Option(
                     "--retained-earnings", help="The equity account to close into (default:"
                                                 " the one RETAINED_EARNINGS account, else a "
                                                 "new 'retained-earnings').")] = None) -> None:
    """Post the closing entry into retained earnings and lock the period through a day."""
    day = _through(through)
    with open_ledger(ctx) as ledger:
        close = ledger.close_period(day, retained_earnings)
        entry = close.closing_entry_id or "no closing entry (profit and loss was zero)"
        render.plain(f"closed through {day.isoformat()}: {entry} into "
                     f"{close.retained_earnings_id}; writes dated before "
                     f"{close.closed_until.isoformat()} are refused until reopened")


@period_app.command("reopen")
def period_reopen(ctx: typer.Context, through: Through) -> None:
    """Reverse the closing entry of the close through a day (and of later ones); unlock."""
    day = _through(through)
    with open_ledger(ctx) as ledger:
        for close in ledger.reopen_period(day):
            render.plain(f"reopened the close through {close.through.isoformat()}"
                         + (f" (reversed by {close.reopening_entry_id})"
                            if close.reopening_entry_id else ""))


@period_app.command("list")
def period_list(ctx: typer.Context, format: Annotated[RegisterFormat, typer.Option(
        "--format")] = RegisterFormat.table) -> None:
    """Every close of the books, standing or reopened."""
    with open_ledger(ctx) as ledger:
        closes = ledger.period_closes()
    rows = [{"through": c.through.isoformat(), "closed_until": c.closed_until.isoformat(),
             "retained_earnings": c.retained_earnings_id,
             "closing_entry": c.closing_entry_id, "closed_at": c.closed_at.isoformat(),
             "reopened_at": None if c.reopened_at is None else c.reopened_at.isoformat(),
             "reopening_entry": c.reopening_entry_id} for c in closes]
    if format is RegisterFormat.json:
        render.print_json(rows)
    elif format is RegisterFormat.csv:
        render.write_csv(rows)
    else:
        for row in rows:
            state = "reopened" if row["reopened_at"] else "standing"
            render.plain(f"through {row['through']}  {state}  {row['closing_entry'] or '-'}")


# -- register ---------------------------------------------------------------------------

def register_command(ctx: typer.Context,
                     account: Annotated[str, typer.Argument(help="The account id.")],
                     start: Start = None, end: End = None,
                     end_inclusive: EndInclusive = False, basis: BasisOption = Basis.accrual,
                     tag: TagOption = None, customer: Customer = None, vendor: Vendor = None,
                     descendants: Annotated[bool, typer.Option(
                         "--descendants/--no-descendants",
                         help="Include the lines of the account's descendants.")] = True,
                     format: Annotated[RegisterFormat, typer.Option(
                         "--format")] = RegisterFormat.table) -> None:
    """ACCOUNT's line items (and its descendants') with a running balance."""
    criteria = _criteria(start, end, end_inclusive, tag, customer, vendor, basis)
    with open_ledger(ctx) as ledger, refusals():
        q = _query(ledger, criteria)
        found = ledger.register(account, q.period, q.entry_filter, q.basis, descendants)
        names = {a.id: a.name for a in ledger.chart()}
        scales = {c.code: c.scale for c in ledger.commodities()}
    document = financials.register_json(found, names)
    if format is RegisterFormat.json:
        render.print_json(document)
        return
    if format is RegisterFormat.csv:
        render.write_csv([{k: v for k, v in line.items() if k != "description"}
                          | {"scale": scales.get(str(line["commodity"]), 0)}
                          for line in document["lines"]])
        return
    rows = [["", "Starting balance", "", code, "", render_fixed(value, scales, code)]
            for code, value in sorted(found.starting.items())]
    for line in found.lines:
        rows.append([line.entry_at.isoformat(), line.entry_id, names.get(line.account_id, ""),
                     line.commodity, render_fixed(line.amount, scales, line.commodity),
                     render_fixed(line.balance, scales, line.commodity)])
    _print_table(f"Register of {names.get(account, account)} ({q.basis.value.lower()} basis,"
                 f" {describe(q.period)})",
                 ["Effective", "Entry", "Account", "Commodity", "Amount", "Balance"], rows,
                 right=4)


def render_fixed(value: int, scales: dict[str, int], code: str) -> str:
    return format_fixed(value, scales.get(code, 0))



# -- chart ------------------------------------------------------------------------------

def chart_command(ctx: typer.Context,
                  account: Annotated[str, typer.Argument(help="The account id.")],
                  start: Start = None, end: End = None,
                  end_inclusive: EndInclusive = False, basis: BasisOption = Basis.accrual,
                  by: Annotated[Step, typer.Option("--by", help="One point per month, "
                                                   "quarter or year.")] = Step.month,
                  output: Annotated[Path | None, typer.Option(
                      "--output", "-o", help="The picture to write: .png or .svg (default: "
                                             "ACCOUNT-balance.png).")] = None) -> None:
    """Draw ACCOUNT's balance (with its descendants) at the end of each period."""
    from ledgercore import charts

    target = output or Path(f"{account}-balance.png")
    if target.suffix.lower() not in (".png", ".svg"):
        fail(f"--output {target} must end in .png or .svg.", InvalidOption.code)
    criteria = _criteria(start, end, end_inclusive, None, None, None, basis)
    with open_ledger(ctx) as ledger, refusals():
        q = _query(ledger, criteria)
        columns, labels, words = _columns(ledger, criteria, by)
        points = charts.balance_series(ledger, account, columns, labels, q.entry_filter,
                                       q.basis)
        name = ledger.chart().get(account).name
        scales = {c.code: c.scale for c in ledger.commodities()}
    try:
        charts.draw(points, f"{name}: balance by {by.value}, {q.basis.value.lower()} basis",
                    scales, target)
    except charts.ChartsUnavailable:
        fail("`ledgercore chart` draws with matplotlib, which is not installed: "
             "pip install 'ledgercore[charts]' (or pip install matplotlib) and run it again.",
             MissingExtra.code)
    render.plain(f"wrote {target} ({len(points)} points, {words})")
