"""How the command line shows answers: rich tables for people, JSON and CSV for programs.

Everything here is text layout; the figures arrive computed (integer minor units with
their commodity's scale) and are never recomputed or rounded. rich is imported when
something is first printed through it, so `--format json` never pays for it.
"""

from __future__ import annotations

import csv
import functools
import json
import sys
from typing import TYPE_CHECKING, Any

from ledgercore import reports
from ledgercore.domain import JournalEntry, Period, ReportingBasis

if TYPE_CHECKING:
    from rich.console import Console

    from ledgercore.verify import VerifyReport


@functools.cache
def out() -> Console:
    """Standard output; pipes and CI logs get a wide table, not rich's 80 columns."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 160)


@functools.cache
def err() -> Console:
    """Standard error, for the refusals."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def write_csv(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def balance_table(rows: list[reports.BalanceRow], period: Period,
                  basis: ReportingBasis) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"Balances, {basis.value.lower()} basis, {reports.describe(period)}")
    table.add_column("Account")
    table.add_column("Type")
    table.add_column("Commodity")
    for heading in ("Starting", "Activity", "Ending"):
        table.add_column(heading, justify="right")
    for row in rows:
        # Names are data, not rich markup: "[Legacy] Cash" must print as written.
        table.add_row("  " * row.depth + escape(row.name), row.type, row.commodity,
                      row.text("starting"), row.text("activity"), row.text("ending"))
    out().print(table)


def entry_table(names: dict[str, str], found: list[JournalEntry]) -> None:
    """Entries with their line items; `names` maps account ids to names."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{len(found)} {'entry' if len(found) == 1 else 'entries'}")
    for heading in ("Effective", "Entry", "Type", "Account", "Debit", "Credit"):
        table.add_column(heading, justify="right" if heading in ("Debit", "Credit") else "left")
    for entry in found:
        for index, item in enumerate(entry.line_items):
            amount = item.commodity.format(item.amount) + " " + item.commodity.code
            table.add_row(entry.entry_at.isoformat() if index == 0 else "",
                          escape(entry.id) if index == 0 else "",
                          escape(entry.entry_type) if index == 0 else "",
                          escape(names[item.account_id]),
                          amount if item.direction.value == "DEBIT" else "",
                          amount if item.direction.value == "CREDIT" else "")
    out().print(table)


def verify_text(report: VerifyReport, title: str | None = None) -> None:
    if title is not None:
        out().print(f"verify {title}:", style="bold")
    out().print(report.to_text(), highlight=False, markup=False, soft_wrap=True)


def plain(line: str) -> None:
    """A line of data (file names, summaries) printed exactly as written."""
    out().print(line, highlight=False, markup=False)
