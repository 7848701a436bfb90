"""`ledgercore balances`: ranges, end semantics, basis, filters, and the table/json/csv formats.

Every figure the command prints is checked against the Python API
(`Ledger.rolled_balances`) for the same range, basis and filter.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import pytest

from ledgercore.domain import (
    EndSemantics,
    EntryFilter,
    ReportingBasis,
    parse_bound,
)
from ledgercore.store import Ledger

from .conftest import LAYER_ENTRIES, Q1, assert_refused, load, run_on

Figures = dict[tuple[str, str], tuple[int, int]]


def cli_figures(rows: list[dict[str, Any]]) -> Figures:
    """(account, commodity) -> (starting, ending), checking activity on the way."""
    figures: Figures = {}
    for row in rows:
        assert int(row["activity"]) == int(row["ending"]) - int(row["starting"])
        figures[row["account_id"], row["commodity"]] = (int(row["starting"]), int(row["ending"]))
    return figures


def api_figures(url: str, args: list[str]) -> Figures:
    """The same report through the Python API, parsing `args` as the contract says."""
    options: dict[str, str] = {}
    tags: dict[str, set[str]] = {}
    words = iter(args)
    for word in words:
        if word in ("--end-inclusive", "--end-exclusive"):
            options["semantics"] = word
        elif word == "--tag":
            key, _, wanted = next(words).partition("=")
            tags.setdefault(key, set()).add(wanted)
        else:
            options[word] = next(words)
    inclusive = options.get("semantics") == "--end-inclusive"

    def bound(name: str) -> date | datetime | None:
        return parse_bound(options[name]) if name in options else None

    with Ledger.open(url) as books:
        period = books.period(bound("--start"), bound("--end"), end_semantics=(
            EndSemantics.INCLUSIVE if inclusive else EndSemantics.EXCLUSIVE))
        entry_filter = EntryFilter(tags={k: frozenset(v) for k, v in tags.items()},
                                   customer_id=options.get("--customer"),
                                   vendor_id=options.get("--vendor"))
        basis = ReportingBasis(options.get("--basis", "accrual").upper())
        rolled = books.rolled_balances(period, entry_filter, basis)
    return {(account_id, code): (figure.starting, figure.ending)
            for account_id, balance in rolled.items()
            for code, figure in balance.total.items() if not figure.is_zero()}


def _party(kind: str) -> str:
    """The id of the first customer or vendor named in the Layer example."""
    return next(entry[kind]["id"] for entry in load(LAYER_ENTRIES)["data"] if entry[kind])


def _tag() -> str:
    entry = next(e for e in load(LAYER_ENTRIES)["data"] if e["tags"])
    return f"{entry['tags'][0]['key']}={entry['tags'][0]['value']}"


QUERIES = {
    "all-time": [],
    "q1-exclusive": [*Q1],
    "q1-dates-inclusive": ["--start", "2024-01-01", "--end", "2024-03-31", "--end-inclusive"],
    "february-rfc3339": ["--start", "2024-02-01T00:00:00Z", "--end", "2024-03-01T00:00:00Z"],
    "offset-date-time": ["--start", "2024-01-15T04:00:00-05:00", "--end",
                         "2024-02-10T14:20:00+00:00", "--end-inclusive"],
    "open-start": ["--end", "2024-02-15"],
    "open-end": ["--start", "2024-02-15"],
    "cash-january": ["--end", "2024-01-31", "--end-inclusive", "--basis", "cash"],
    "cash-q1": [*Q1, "--basis", "cash"],
    "tag": ["--tag", _tag()],
    "two-values-of-a-tag": ["--tag", "department=design", "--tag", "department=operations"],
    "customer": ["--customer", _party("customer")],
    "vendor": ["--vendor", _party("vendor"), "--basis", "cash"],
}


@pytest.mark.parametrize("query", list(QUERIES))
def test_json_figures_equal_the_python_api(query: str, layer_db: str) -> None:
    args = QUERIES[query]
    outcome = run_on(layer_db)("balances", *args, "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    figures = cli_figures(outcome.json())
    assert figures == api_figures(layer_db, args)
    assert figures  # every query above selects some entries


@pytest.mark.parametrize("query", ["q1-exclusive", "cash-january", "customer"])
def test_csv_has_the_same_rows_as_json(query: str, layer_db: str) -> None:
    run = run_on(layer_db)
    args = QUERIES[query]
    rows = run("balances", *args, "--format", "json").json()
    outcome = run("balances", *args, "--format", "csv")
    assert outcome.exit_code == 0
    parsed = list(csv.DictReader(io.StringIO(outcome.stdout)))
    assert [{k: str(v) for k, v in row.items()} for row in rows] == parsed
    assert cli_figures(parsed) == api_figures(layer_db, args)


def _figures(url: str, *args: str) -> Figures:
    outcome = run_on(url)("balances", *args, "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    return cli_figures(outcome.json())


def _entry_on(day: str) -> dict[str, Any]:
    return next(e for e in load(LAYER_ENTRIES)["data"] if e["entry_at"].startswith(day))


@pytest.mark.parametrize("end", ["2024-01-28", "2024-01-28T23:00:00Z",
                                 "2024-01-28T18:00:00-05:00"])
def test_an_entry_on_the_end_flips_with_the_end_semantics(end: str, layer_db: str) -> None:
    """The depreciation entry at 2024-01-28T23:00Z is in `[.., end]` and not in `[.., end)`."""
    entry = _entry_on("2024-01-28")
    inside = _figures(layer_db, "--end", end, "--end-inclusive")
    outside = _figures(layer_db, "--end", end, "--end-exclusive")
    assert outside == _figures(layer_db, "--end", end)  # exclusive is the default
    moved = {key[0]: inside.get(key, (0, 0))[1] - outside.get(key, (0, 0))[1]
             for key in inside.keys() | outside.keys()
             if inside.get(key) != outside.get(key)}
    own = {line["account"]["id"]["id"]: line["amount"] for line in entry["line_items"]}
    for account_id, amount in own.items():
        assert abs(moved[account_id]) == amount
    assert inside == api_figures(layer_db, ["--end", end, "--end-inclusive"])


def test_a_date_end_inclusive_is_the_next_day_exclusive(layer_db: str) -> None:
    assert _figures(layer_db, "--end", "2024-01-28", "--end-inclusive") == _figures(
        layer_db, "--end", "2024-01-29", "--end-exclusive")


def test_the_start_splits_starting_from_activity(layer_db: str) -> None:
    whole = _figures(layer_db, "--end", "2024-03-01")
    split = _figures(layer_db, "--start", "2024-02-01", "--end", "2024-03-01")
    january = _figures(layer_db, "--end", "2024-02-01")
    for key in whole.keys() | split.keys() | january.keys():
        assert split.get(key, (0, 0))[1] == whole.get(key, (0, 0))[1]
        assert split.get(key, (0, 0))[0] == january.get(key, (0, 0))[1]


def test_cash_basis_leaves_out_revenue_not_yet_paid(layer_db: str) -> None:
    """The January invoice is paid in February: revenue in January on accrual only."""
    invoice = next(e for e in load(LAYER_ENTRIES)["data"] if e["entry_type"] == "INVOICE")
    revenue = next(line for line in invoice["line_items"]
                   if line["account"]["account_type"]["value"] == "REVENUE")
    key = (revenue["account"]["id"]["id"], "USD")
    january = ["--end", "2024-01-31", "--end-inclusive"]
    assert _figures(layer_db, *january)[key][1] == revenue["amount"]
    assert _figures(layer_db, *january, "--basis", "accrual") == _figures(layer_db, *january)
    assert key not in _figures(layer_db, *january, "--basis", "cash")
    assert _figures(layer_db, *Q1, "--basis", "cash")[key][1] == revenue["amount"]


def test_filters_narrow_the_figures(layer_db: str) -> None:
    everything = _figures(layer_db)
    for args in (QUERIES["tag"], QUERIES["customer"], QUERIES["vendor"][:2]):
        narrowed = _figures(layer_db, *args)
        assert narrowed and narrowed != everything
    nobody = _figures(layer_db, "--customer", "no-such-customer")
    assert nobody == {}


def test_the_table_shows_every_row_of_the_json_report_aligned(layer_db: str) -> None:
    table = run_on(layer_db)("balances", *Q1)
    rows = run_on(layer_db)("balances", *Q1, "--format", "json").json()
    assert table.exit_code == 0
    title, blank, heading, rule, *body = table.stdout.splitlines()
    assert title.startswith("Balances, accrual basis") and blank == ""
    assert heading.split() == ["Account", "Type", "Commodity", "Starting", "Activity", "Ending"]
    assert len(body) == len(rows)
    ends = [i for i, c in enumerate(rule + " ") if c == " " and rule[i - 1] == "-"]
    for line, row in zip(body, rows, strict=True):
        # Names are indented by depth; figures are right-aligned on the rule's columns.
        assert line.startswith("  " * row["depth"] + row["name"])
        assert line.split()[-3:] == [_fixed(row[f], row["scale"])
                                     for f in ("starting", "activity", "ending")]
        assert len(line) == ends[-1] and line[ends[-2] - 1] != " "


def _fixed(minor: int, scale: int) -> str:
    sign, digits = "-" if minor < 0 else "", str(abs(minor)).rjust(scale + 1, "0")
    return f"{sign}{digits[:-scale]}.{digits[-scale:]}" if scale else f"{sign}{digits}"


@pytest.mark.parametrize("args", [
    ["--start", "2024-13-01"], ["--start", "yesterday"], ["--end", "2024-02-30"],
    ["--start", "2024-01-01T25:00:00Z"],
])
def test_a_bad_bound_is_refused(args: list[str], layer_db: str) -> None:
    assert_refused(run_on(layer_db)("balances", *args), "invalid_date", args[0])


def test_a_start_after_the_end_is_refused(layer_db: str) -> None:
    outcome = run_on(layer_db)("balances", "--start", "2024-03-01", "--end", "2024-02-01")
    assert_refused(outcome, "invalid_period")


@pytest.mark.parametrize("tag", ["department", "=design"])
def test_a_bad_tag_is_refused(tag: str, layer_db: str) -> None:
    assert_refused(run_on(layer_db)("balances", "--tag", tag), "invalid_filter", "--tag", tag)
