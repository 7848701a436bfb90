"""Financial statements in the shapes people and programs read: rows for a table, CSV or
HTML page, and a JSON document.

The figures come computed from `Ledger` (`income_statement`, `balance_sheet`, `cash_flow`,
`trial_balance`, `register`); this module only arranges them. A `Layout` is a title,
column labels and rows (a section heading, an account indented by depth, or a total),
each with one integer figure per column and the commodity's scale; every JSON document
has a ``totals`` object mapping a total's name to ``{commodity: integer minor units}``
in normal sign. Column splitting (`column_bounds`) turns a date range and a step (month,
quarter, year) into adjacent periods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from ledgercore.domain import Period, ReportingBasis, TrialBalance
from ledgercore.domain.register import Register
from ledgercore.domain.statements import (
    BalanceSheet,
    CashFlow,
    Figures,
    IncomeStatement,
    StatementSection,
    add,
)


class Step(StrEnum):
    month = "month"
    quarter = "quarter"
    year = "year"


_MONTHS = {Step.month: 1, Step.quarter: 3, Step.year: 12}


def _add_months(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def column_bounds(start: date, end: date, step: Step | None) -> list[tuple[date, date, str]]:
    """Adjacent ``[first, next)`` date ranges covering ``[start, end)`` by calendar step,
    with a label each (the first and last may be partial)."""
    if step is None or start >= end:
        return [(start, end, f"{start.isoformat()}..{end.isoformat()}")]
    months = _MONTHS[step]
    out: list[tuple[date, date, str]] = []
    first = start
    while first < end:
        anchor = date(first.year, ((first.month - 1) // months) * months + 1, 1)
        following = min(_add_months(anchor, months), end)
        whole = first == anchor and following == _add_months(anchor, months)
        if not whole:
            label = f"{first.isoformat()}..{following.isoformat()}"
        elif step is Step.month:
            label = f"{anchor.year}-{anchor.month:02d}"
        elif step is Step.quarter:
            label = f"{anchor.year}-Q{(anchor.month - 1) // 3 + 1}"
        else:
            label = str(anchor.year)
        out.append((first, following, label))
        first = following
    return out


def prior_bounds(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before ``[start, end)``: whole months when both
    bounds are the first of a month, else days."""
    if start.day == 1 and end.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month
        return _add_months(start, -months), start
    return start - (end - start), start


@dataclass(frozen=True, slots=True)
class LayoutRow:
    """One line of a statement: ``heading``, ``account`` or ``total``."""

    kind: str
    label: str
    depth: int
    commodity: str
    values: tuple[int | None, ...]
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class Layout:
    title: str
    columns: tuple[str, ...]
    rows: tuple[LayoutRow, ...]
    scales: Mapping[str, int]


def _figure_rows(kind: str, label: str, depth: int, figures: Sequence[Mapping[str, int]],
                 account_id: str | None = None,
                 always: bool = False) -> list[LayoutRow]:
    codes = sorted({code for figure in figures for code, value in figure.items() if value})
    if not codes and always:
        return [LayoutRow(kind, label, depth, "", tuple(0 for _ in figures), account_id)]
    return [LayoutRow(kind, label, depth, code, tuple(f.get(code, 0) for f in figures),
                      account_id) for code in codes]


_SECTION_TITLES = {
    "revenue": "Revenue", "cost_of_goods_sold": "Cost of goods sold",
    "operating_expenses": "Operating expenses", "other_income": "Other income",
    "other_expenses": "Other expenses", "assets": "Assets", "liabilities": "Liabilities",
    "equity": "Equity",
}


def _with_total(columns: Sequence[Figures]) -> list[Figures]:
    return [*columns, add(*columns)] if len(columns) > 1 else list(columns)


def _section_rows(section: StatementSection) -> list[LayoutRow]:
    """A heading, then each account indented by its depth (plus a total column when the
    section has several columns)."""
    title = _SECTION_TITLES[section.section.value]
    rows = [LayoutRow("heading", title, 0, "", ())]
    for row in section.rows:
        rows += _figure_rows("account", row.name, row.depth + 1, _with_total(row.columns),
                             row.account_id)
    return rows


def income_layout(statement: IncomeStatement, labels: Sequence[str], basis: ReportingBasis,
                  title_range: str) -> Layout:
    count = len(labels)
    total_label = ["Total"] if count > 1 else []
    rows: list[LayoutRow] = []
    names = dict(revenue="Total revenue", cost_of_goods_sold="Total cost of goods sold",
                 gross_profit="Gross profit", expenses="Total operating expenses",
                 operating_income="Operating income", other_income="Total other income",
                 other_expenses="Total other expenses", net_income="Net income")
    after = {"revenue": ["revenue"], "cost_of_goods_sold": ["cost_of_goods_sold",
                                                            "gross_profit"],
             "operating_expenses": ["expenses", "operating_income"],
             "other_income": ["other_income"], "other_expenses": ["other_expenses"]}
    for section in statement.sections:
        rows += _section_rows(section)
        for name in after[section.section.value]:
            rows += _figure_rows("total", names[name], 0,
                                 _with_total(statement.totals[name]), always=True)
    rows += _figure_rows("total", names["net_income"], 0,
                         _with_total(statement.totals["net_income"]), always=True)
    return Layout(f"Income statement, {basis.value.lower()} basis, {title_range}",
                  (*labels, *total_label), tuple(rows), {})


def balance_sheet_layout(sheet: BalanceSheet, basis: ReportingBasis, label: str) -> Layout:
    rows: list[LayoutRow] = []
    rows += _section_rows(sheet.assets)
    rows += _figure_rows("total", "Total assets", 0, [sheet.totals["assets"]], always=True)
    rows += _section_rows(sheet.liabilities)
    rows += _figure_rows("total", "Total liabilities", 0, [sheet.totals["liabilities"]],
                         always=True)
    rows += _section_rows(sheet.equity)
    rows += _figure_rows("account", "Retained earnings (closed periods)", 1,
                         [sheet.retained_earnings])
    rows += _figure_rows("account", "Current earnings (since the last close)", 1,
                         [sheet.current_earnings])
    rows += _figure_rows("total", "Total equity", 0, [sheet.totals["equity"]], always=True)
    rows += _figure_rows("total", "Total liabilities and equity", 0,
                         [sheet.totals["liabilities_and_equity"]], always=True)
    return Layout(f"Balance sheet, {basis.value.lower()} basis, {label}", ("Balance",),
                  tuple(rows), {})


def cash_flow_layout(flows: Sequence[CashFlow], labels: Sequence[str], basis: ReportingBasis,
                     title_range: str) -> Layout:
    """One column per cash-flow statement of `flows` (one per column period)."""

    def figures(name: str) -> list[Figures]:
        return [dict(flow.totals[name]) for flow in flows]

    def lines(kind: str, direct: bool) -> list[LayoutRow]:
        found: dict[str, tuple[str, list[Figures]]] = {}
        for index, flow in enumerate(flows):
            for line in flow.direct if direct else flow.indirect:
                if line.activity.value == kind:
                    slot = found.setdefault(line.account_id,
                                            (line.name, [{} for _ in flows]))
                    slot[1][index] = line.amount
        out: list[LayoutRow] = []
        for account_id, (name, amounts) in found.items():
            out += _figure_rows("account", name, 2, amounts, account_id)
        return out

    rows: list[LayoutRow] = [LayoutRow("heading", "Indirect method", 0, "", ())]
    rows += _figure_rows("account", "Net income", 1, figures("net_income"), always=True)
    for kind in ("operating", "investing", "financing"):
        rows.append(LayoutRow("heading", f"{kind.capitalize()} activities", 1, "", ()))
        rows += lines(kind, direct=False)
        rows += _figure_rows("total", f"Net cash from {kind} activities", 1, figures(kind),
                             always=True)
    direct = "direct_total" in flows[0].totals
    if direct:
        rows.append(LayoutRow("heading", "Direct method (cash basis)", 0, "", ()))
    for kind in ("operating", "investing", "financing") if direct else ():
        rows.append(LayoutRow("heading", f"{kind.capitalize()} activities", 1, "", ()))
        rows += lines(kind, direct=True)
        rows += _figure_rows("total", f"Net cash from {kind} activities", 1,
                             figures(f"direct_{kind}"), always=True)
    for name, label in (("opening_cash", "Opening cash"),
                        ("net_change_in_cash", "Net change in cash"),
                        ("closing_cash", "Closing cash")):
        rows += _figure_rows("total", label, 0, figures(name), always=True)
    return Layout(f"Cash flow, {basis.value.lower()} basis (direct method: cash basis), "
                  f"{title_range}", tuple(labels), tuple(rows), {})


def trial_balance_layout(balances: Sequence[tuple[str, TrialBalance]], names: Mapping[str, str],
                         basis: ReportingBasis, title_range: str) -> Layout:
    """One debit and one credit column per trial balance (one per column period)."""
    labels: list[str] = []
    accounts: dict[tuple[str, str], list[int | None]] = {}
    for index, (label, trial) in enumerate(balances):
        labels += [f"{label} debit" if len(balances) > 1 else "Debit",
                   f"{label} credit" if len(balances) > 1 else "Credit"]
        for row in trial.rows:
            slot = accounts.setdefault((row.account_id, row.commodity),
                                       [0] * (2 * len(balances)))
            slot[2 * index], slot[2 * index + 1] = row.debit, row.credit
    rows = [LayoutRow("account", names.get(a, a), 0, c, tuple(v), a)
            for (a, c), v in sorted(accounts.items())]
    codes = sorted({c for _, c in accounts})
    for code in codes:
        values: list[int | None] = []
        for _, trial in balances:
            debit, credit = trial.totals().get(code, (0, 0))
            values += [debit, credit]
        rows.append(LayoutRow("total", "Total", 0, code, tuple(values)))
    return Layout(f"Trial balance, {basis.value.lower()} basis, {title_range}", tuple(labels),
                  tuple(rows), {})


# -- JSON -------------------------------------------------------------------------------

def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _columns_json(periods: Sequence[Period], labels: Sequence[str]) -> list[dict[str, Any]]:
    return [{"label": label, "start": _iso(p.start), "end": _iso(p.end)}
            for p, label in zip(periods, labels, strict=True)]


def _section_json(section: StatementSection) -> dict[str, Any]:
    return {"name": section.section.value,
            "rows": [{"account_id": r.account_id, "name": r.name, "depth": r.depth,
                      "columns": list(r.columns), "total": add(*r.columns)}
                     for r in section.rows],
            "columns": list(section.totals), "total": add(*section.totals)}


def income_json(statement: IncomeStatement, labels: Sequence[str], basis: ReportingBasis,
                prior: IncomeStatement | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "report": "income_statement", "basis": basis.value.lower(),
        "columns": _columns_json(statement.columns, labels),
        "sections": [_section_json(s) for s in statement.sections],
        "column_totals": {name: list(values) for name, values in statement.totals.items()},
        "totals": {name: statement.total(name) for name in statement.totals},
    }
    if prior is not None:
        doc["prior"] = {"start": _iso(prior.columns[0].start), "end": _iso(prior.columns[0].end),
                        "totals": {name: prior.total(name) for name in prior.totals}}
    return doc


def balance_sheet_json(sheet: BalanceSheet, basis: ReportingBasis) -> dict[str, Any]:
    return {"report": "balance_sheet", "basis": basis.value.lower(), "at": _iso(sheet.at),
            "sections": [_section_json(s) for s in (sheet.assets, sheet.liabilities,
                                                     sheet.equity)],
            "retained_earnings": sheet.retained_earnings,
            "current_earnings": sheet.current_earnings,
            "totals": dict(sheet.totals)}


def cash_flow_json(flows: Sequence[CashFlow], labels: Sequence[str],
                   basis: ReportingBasis) -> dict[str, Any]:
    """The columns' statements; `totals` over the whole range (the columns summed, opening
    cash from the first and closing cash from the last)."""
    def lines(found: Sequence[Any]) -> list[dict[str, Any]]:
        return [{"account_id": x.account_id, "name": x.name, "activity": x.activity.value,
                 "amount": x.amount} for x in found]

    totals = {name: add(*(flow.totals[name] for flow in flows)) for name in flows[0].totals}
    totals["opening_cash"] = dict(flows[0].totals["opening_cash"])
    totals["closing_cash"] = dict(flows[-1].totals["closing_cash"])
    return {"report": "cash_flow", "basis": basis.value.lower(),
            "start": _iso(flows[0].period.start), "end": _iso(flows[-1].period.end),
            "cash_accounts": list(flows[0].cash_accounts),
            "columns": [{"label": label, "start": _iso(flow.period.start),
                         "end": _iso(flow.period.end), "indirect": lines(flow.indirect),
                         "direct": lines(flow.direct), "totals": dict(flow.totals)}
                        for flow, label in zip(flows, labels, strict=True)],
            "totals": totals}


def trial_balance_json(balances: Sequence[tuple[str, TrialBalance]], periods: Sequence[Period],
                       basis: ReportingBasis) -> dict[str, Any]:
    def totals(trial: TrialBalance) -> dict[str, Figures]:
        found = trial.totals()
        return {"debits": {c: d for c, (d, _) in sorted(found.items())},
                "credits": {c: k for c, (_, k) in sorted(found.items())}}

    last = balances[-1][1]
    return {"report": "trial_balance", "basis": basis.value.lower(),
            "columns": [{"label": label, "end": _iso(p.end),
                         "rows": [{"account_id": r.account_id, "commodity": r.commodity,
                                   "debit": r.debit, "credit": r.credit}
                                  for r in trial.rows], "totals": totals(trial)}
                        for (label, trial), p in zip(balances, periods, strict=True)],
            "totals": totals(last)}


def register_json(found: Register, names: Mapping[str, str]) -> dict[str, Any]:
    return {"account_id": found.account_id, "accounts": list(found.accounts),
            "starting": dict(found.starting), "ending": dict(found.ending),
            "lines": [{"entry_id": x.entry_id, "entry_at": x.entry_at.isoformat(),
                       "account_id": x.account_id, "account": names.get(x.account_id),
                       "commodity": x.commodity, "amount": x.amount, "balance": x.balance,
                       "description": x.description} for x in found.lines],
            "totals": {"starting": dict(found.starting), "ending": dict(found.ending)}}
