"""How the command line shows answers: aligned tables for people, JSON and CSV for programs.

Everything here is text layout; the figures arrive computed (integer minor units with
their commodity's scale) and are never recomputed or rounded. Report tables are plain
columns, like ledger's: laying out 240 accounts with rich took half a second of a cold
run, measuring every cell. rich prints the rest (verify reports, refusals) and is
imported only when something is first printed through it.
"""

from __future__ import annotations

import csv
import functools
import json
import sys
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ledgercore import reports
from ledgercore.domain import JournalEntry, Period, ReportingBasis, format_fixed

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


def write_csv(rows: list[dict[str, Any]], always: Sequence[str] = ()) -> None:
    """Rows as CSV with a heading; no rows print nothing, or just the heading `always`."""
    if not rows and not always:
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else list(always),
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def balance_table(rows: list[reports.BalanceRow], period: Period,
                  basis: ReportingBasis) -> None:
    table = [["  " * row.depth + row.name, row.type, row.commodity, row.text("starting"),
              row.text("activity"), row.text("ending")] for row in rows]
    _print_table(f"Balances, {basis.value.lower()} basis, {reports.describe(period)}",
                 ["Account", "Type", "Commodity", "Starting", "Activity", "Ending"],
                 table, right=3)


# A memo longer than this is cut in the table (CSV and JSON carry it whole).
MEMO_WIDTH = 40


def entry_table(names: dict[str, str], found: list[JournalEntry]) -> None:
    """Entries with their line items; `names` maps account ids to names.

    Amounts carry all their commodity's decimals (``1800.00 USD``), so they line up.
    """
    table = []
    for entry in found:
        memo = _cut(entry.description or "", MEMO_WIDTH)
        for index, item in enumerate(entry.line_items):
            amount = (format_fixed(item.amount, item.commodity.scale) + " "
                      + item.commodity.code)
            debit = item.direction.value == "DEBIT"
            table.append([entry.entry_at.isoformat() if index == 0 else "",
                          entry.id if index == 0 else "",
                          entry.entry_type if index == 0 else "",
                          memo if index == 0 else "",
                          names[item.account_id], amount if debit else "",
                          "" if debit else amount])
    _print_table(f"{len(found)} {'entry' if len(found) == 1 else 'entries'}",
                 ["Effective", "Entry", "Type", "Memo", "Account", "Debit", "Credit"], table,
                 right=5)


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())  # a memo's line breaks would break the table's rows
    return text if len(text) <= width else text[:width - 1] + "\N{HORIZONTAL ELLIPSIS}"


# Control characters in names (they are data) would move the cursor or recolour the terminal.
_CONTROL = dict.fromkeys([*range(32), 127], "\N{REPLACEMENT CHARACTER}")


def table(title: str, headings: Sequence[str], rows: Sequence[Sequence[str]], *,
          right: int) -> None:
    """A plain table of text cells: columns from index `right` on align right."""
    _print_table(title, headings, rows, right=right)


def _print_table(title: str, headings: Sequence[str], rows: Sequence[Sequence[str]], *,
                 right: int) -> None:
    """A title, a heading, a rule and the rows; columns from index `right` align right."""
    cells = [[cell.translate(_CONTROL) for cell in row] for row in rows]
    widths = [max([_width(h), *(_width(row[i]) for row in cells)])
              for i, h in enumerate(headings)]

    def line(row: Sequence[str]) -> str:
        padded = [cell + " " * (width - _width(cell)) if i < right
                  else " " * (width - _width(cell)) + cell
                  for i, (cell, width) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(padded).rstrip()

    out = [title, "", line(headings), "  ".join("-" * width for width in widths)]
    out.extend(line(row) for row in cells)
    sys.stdout.write("\n".join(out) + "\n")


def _width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0
               if unicodedata.combining(c) else 1 for c in text)


def verify_text(report: VerifyReport, title: str | None = None) -> None:
    if title is not None:
        out().print(f"verify {title}:", style="bold")
    out().print(report.to_text(), highlight=False, markup=False, soft_wrap=True)


def plain(line: str) -> None:
    """A line of data (file names, summaries) printed exactly as written."""
    out().print(line, highlight=False, markup=False)
