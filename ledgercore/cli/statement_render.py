"""How the command line shows a statement `Layout`: a terminal table (right-aligned fixed
decimals, sections indented by depth), CSV (integer minor units with the scale), or a
self-contained HTML page. Text layout only: the figures arrive computed."""

from __future__ import annotations

import csv
import html
import sys
from collections.abc import Mapping

from ledgercore.cli.render import _print_table
from ledgercore.domain import format_fixed
from ledgercore.financials import Layout, LayoutRow


def _cell(value: int | None, row: LayoutRow, scales: Mapping[str, int]) -> str:
    if value is None or (row.kind == "heading"):
        return ""
    return format_fixed(value, scales.get(row.commodity, 0))


def table(layout: Layout, scales: Mapping[str, int]) -> None:
    rows = []
    for row in layout.rows:
        label = "  " * row.depth + row.label
        values = [_cell(v, row, scales) for v in row.values] or [""] * len(layout.columns)
        rows.append([label, row.commodity, *values])
    _print_table(layout.title, ["", "Commodity", *layout.columns], rows, right=2)


def write_csv(layout: Layout, scales: Mapping[str, int]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["kind", "label", "depth", "account_id", "commodity", "scale",
                     *layout.columns])
    for row in layout.rows:
        if row.kind == "heading":
            continue
        writer.writerow([row.kind, row.label, row.depth, row.account_id or "", row.commodity,
                         scales.get(row.commodity, 0), *("" if v is None else v
                                                         for v in row.values)])


_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{padding:.2em .8em}th{border-bottom:1px solid #888}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:pre}
tr.heading td{font-weight:600;padding-top:.8em}tr.total td{font-weight:600;
border-top:1px solid #ccc}"""


def page(layout: Layout, scales: Mapping[str, int]) -> str:
    """The statement as one HTML document with its style inline (no outside resource)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ("", "Commodity", *layout.columns))
    body = []
    for row in layout.rows:
        pad = f' style="padding-left:{0.2 + 1.2 * row.depth:.1f}em"'
        cells = "".join(f'<td class="n">{html.escape(_cell(v, row, scales))}</td>'
                        for v in row.values)
        body.append(f'<tr class="{row.kind}"><td{pad}>{html.escape(row.label)}</td>'
                    f"<td>{html.escape(row.commodity)}</td>{cells}</tr>")
    title = html.escape(layout.title)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title><style>{_STYLE}</style></head><body><h1>{title}</h1>"
            f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body)
            + "\n</tbody></table></body></html>\n")


def write_html(layout: Layout, scales: Mapping[str, int]) -> None:
    sys.stdout.write(page(layout, scales))
