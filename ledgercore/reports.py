"""Reports of a stored ledger in the shapes people and providers read.

The figures come from `Ledger` (computed in SQL); this module only arranges them: rows
of a balance sheet walked down the hierarchy, the Layer `GET ledger/balances` and
`GET ledger/entries` responses, and the Alpaca JIT balances response. Amounts stay
integer minor units until the last step, where the commodity's scale formats them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ledgercore.domain import (
    ChartOfAccounts,
    EntryFilter,
    JournalEntry,
    Period,
    ReportingBasis,
    format_fixed,
)
from ledgercore.store import Ledger

# The provider exporters (and pydantic behind them) are imported inside the functions
# that write provider shapes, so a plain balance report starts without them.

PAGE = 1000


@dataclass(frozen=True, slots=True)
class BalanceRow:
    """One account and commodity of a balance report, rolled up (normal sign)."""

    account_id: str
    name: str
    type: str
    normality: str
    depth: int
    commodity: str
    scale: int
    starting: int
    ending: int

    @property
    def activity(self) -> int:
        return self.ending - self.starting

    def text(self, figure: str) -> str:
        value: int = getattr(self, figure)
        return format_fixed(value, self.scale)

    def to_json(self) -> dict[str, Any]:
        """Integer minor units with the commodity's scale, so nothing is rounded."""
        return {"account_id": self.account_id, "name": self.name, "type": self.type,
                "normality": self.normality, "depth": self.depth,
                "commodity": self.commodity, "scale": self.scale,
                "starting": self.starting, "activity": self.activity, "ending": self.ending}


def balance_rows(ledger: Ledger, period: Period, entry_filter: EntryFilter,
                 basis: ReportingBasis) -> list[BalanceRow]:
    """Every account with a non-zero rolled-up figure, parents before their children."""
    chart = ledger.chart()
    rolled = ledger.rolled_balances(period, entry_filter, basis)
    scales = {c.code: c.scale for c in ledger.commodities()}
    rows: list[BalanceRow] = []

    def walk(account_id: str, depth: int) -> None:
        account = chart.get(account_id)
        for code, figure in sorted(rolled[account_id].total.items()):
            if not figure.is_zero():
                rows.append(BalanceRow(account.id, account.name, account.type.value,
                                       account.normal.value, depth, code, scales[code],
                                       figure.starting, figure.ending))
        for child in chart.children(account_id):
            walk(child, depth + 1)

    for root in chart.roots():
        walk(root, 0)
    return rows


def subtree_rows(rows: list[BalanceRow], chart: ChartOfAccounts,
                 account_id: str) -> list[BalanceRow]:
    """The rows of `account_id` and its descendants, depths counted from it.

    Raises:
        UnknownAccount: no such account.
    """
    inside = set(chart.subtree(account_id))
    top = len(chart.ancestors(account_id))
    return [dataclasses.replace(row, depth=row.depth - top) for row in rows
            if row.account_id in inside]


def journal(ledger: Ledger, period: Period, entry_filter: EntryFilter,
            basis: ReportingBasis, account_id: str | None = None) -> list[JournalEntry]:
    """All entries in `period` (basis: the cash view's entries under CASH), oldest first."""
    found: list[JournalEntry] = []
    cursor: str | None = None
    while True:
        page = ledger.entries(period, entry_filter, account_id=account_id, after=cursor,
                              limit=PAGE, basis=basis)
        found.extend(page.entries)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def layer_balances(ledger: Ledger, period: Period, entry_filter: EntryFilter,
                   basis: ReportingBasis) -> dict[str, Any]:
    """The Layer `GET ledger/balances` response for the period."""
    from ledgercore.providers import layer_balances_response

    chart = ledger.chart()
    own_lines: dict[str, list[Any]] = {}
    for entry in journal(ledger, period, entry_filter, basis):
        for item in entry.line_items:
            own_lines.setdefault(item.account_id, []).append((entry, item))
    return layer_balances_response(chart, ledger.rolled_balances(period, entry_filter, basis),
                                   own_lines)


def layer_entries(ledger: Ledger, entries: list[JournalEntry]) -> dict[str, Any]:
    """The Layer `GET ledger/entries` response for these entries."""
    from ledgercore.providers import layer_entries_response

    return layer_entries_response(ledger.chart(), entries)


def entry_json(entry: JournalEntry, chart: ChartOfAccounts) -> dict[str, Any]:
    """One entry in Layer's shape (the JSON format of `ledgercore entries`).

    Each line item also names its ``commodity`` and gives its ``quantity`` as an exact
    decimal string, so an entry in AAPL or JPY reads as well as one in USD cents (Layer's
    own format, `--format layer`, carries USD only).
    """
    from ledgercore.domain import format_minor
    from ledgercore.providers.layer_export import entry_object, line_item_json

    lines = []
    for item in entry.line_items:
        line = line_item_json(entry, item, chart.get(item.account_id))
        line["commodity"] = item.commodity.code
        line["quantity"] = format_minor(item.amount, item.commodity.scale)
        lines.append(line)
    return entry_object(entry, lines)


ENTRY_COLUMNS = ("entry_id", "entry_at", "entry_type", "memo", "position", "account_id",
                 "account_name", "direction", "commodity", "scale", "amount")


def entry_rows(ledger: Ledger, entries: list[JournalEntry]) -> list[dict[str, Any]]:
    """One row per line item (the CSV format of `ledgercore entries`).

    Amounts are integer minor units with the commodity's `scale`, as in the balance CSV,
    so nothing is rounded; `memo` is the entry's description.
    """
    chart = ledger.chart()
    return [{"entry_id": entry.id, "entry_at": entry.entry_at.isoformat(),
             "entry_type": entry.entry_type, "memo": entry.description or "",
             "position": position, "account_id": item.account_id,
             "account_name": chart.get(item.account_id).name,
             "direction": item.direction.value, "commodity": item.commodity.code,
             "scale": item.commodity.scale, "amount": item.amount}
            for entry in entries for position, item in enumerate(entry.line_items)]


def alpaca_jit_balances(ledger: Ledger, period: Period, entry_filter: EntryFilter,
                        basis: ReportingBasis) -> list[dict[str, Any]]:
    """The Alpaca JIT balances response: one object per JIT ledger account."""
    from ledgercore.providers import jit_ledger_json
    from ledgercore.providers.alpaca_export import opening_as_starting
    from ledgercore.providers.alpaca_jit import ledger_account_ids

    chart = ledger.chart()
    tz = ledger.settings.tzinfo
    out = []
    for account_id in ledger_account_ids(chart):
        account = chart.get(account_id)
        statement = opening_as_starting(
            ledger.statement(account.id, period, entry_filter, basis=basis))
        contras = []
        for line in statement.lines:
            other = [item.account_id for item in ledger.get_entry(line.entry_id).line_items
                     if item.account_id != account.id]
            contras.append(chart.get(other[0]).name if other else None)
        out.append(jit_ledger_json(chart, statement, contras, tz=tz))
    return out


def describe(period: Period) -> str:
    """A period in words, for table titles."""
    start = "the beginning" if period.start is None else period.start.isoformat()
    end = "now" if period.end is None else f"before {period.end.isoformat()}"
    return f"from {start} to {end}"
