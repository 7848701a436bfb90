"""The statement commands end to end: `report income-statement|balance-sheet|cash-flow|
trial-balance` in every format (JSON totals in integer minor units, normal sign),
`period close|reopen` and the `[period_closed]` refusal of an import, `register`, and
`balances --account`, on the Layer example."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import (
    LAYER_BALANCES,
    LAYER_ENTRIES,
    Run,
    altered,
    assert_refused,
    counts,
    run_on,
)

Q1 = ("--start", "2024-01-01", "--end", "2024-03-31", "--end-inclusive")
REPORTS = ("income-statement", "balance-sheet", "cash-flow", "trial-balance")


def _imported(run: Run) -> None:
    for kind, path in (("layer-balances", LAYER_BALANCES), ("layer-entries", LAYER_ENTRIES)):
        assert run("import", kind, path, "--quiet").exit_code == 0


def _add(*figures: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for figure in figures:
        for code, value in figure.items():
            out[code] = out.get(code, 0) + value
    return {c: v for c, v in out.items() if v}


def test_income_statement_json_totals(layer_db: str) -> None:
    run = run_on(layer_db)
    whole = run("report", "income-statement", *Q1, "--format", "json")
    assert whole.exit_code == 0, whole.stderr
    totals = whole.json()["totals"]
    assert {"revenue", "cost_of_goods_sold", "gross_profit", "expenses",
            "net_income"} <= totals.keys()
    assert totals["revenue"] == {"USD": 450000}
    assert totals["net_income"] == _add(totals["gross_profit"],
                                        {c: -v for c, v in totals["expenses"].items()})
    assert totals["net_income"] == {"USD": -134997}
    for basis in ("accrual", "cash"):
        split = run("report", "income-statement", *Q1, "--by", "month", "--basis", basis,
                    "--format", "json").json()
        assert [c["label"] for c in split["columns"]] == ["2024-01", "2024-02", "2024-03"]
        assert _add(*split["column_totals"]["net_income"]) == totals["net_income"]
        assert split["totals"]["net_income"] == totals["net_income"]


def test_balance_sheet_balances_on_both_bases(layer_db: str) -> None:
    run = run_on(layer_db)
    for basis in ("accrual", "cash"):
        for end in ("2024-01-31", "2024-03-31"):
            sheet = run("report", "balance-sheet", "--end", end, "--end-inclusive",
                        "--basis", basis, "--format", "json")
            assert sheet.exit_code == 0, sheet.stderr
            totals = sheet.json()["totals"]
            assert totals["assets"] == _add(totals["liabilities"], totals["equity"])
    sheet = run("report", "balance-sheet", "--end", "2024-03-31", "--end-inclusive",
                "--format", "json").json()
    assert sheet["totals"]["assets"] == {"USD": 2401003}


def test_cash_flow_and_trial_balance_totals(layer_db: str) -> None:
    run = run_on(layer_db)
    flow = run("report", "cash-flow", *Q1, "--format", "json").json()
    totals = flow["totals"]
    assert totals["net_change_in_cash"] == {"USD": 1831003}
    assert totals["direct_total"] == totals["net_change_in_cash"]
    indirect = run("report", "cash-flow", *Q1, "--no-direct", "--format", "json").json()
    assert "direct_total" not in indirect["totals"]
    assert {k: v for k, v in totals.items() if not k.startswith("direct")} == \
        indirect["totals"]
    monthly = run("report", "cash-flow", *Q1, "--by", "month", "--format", "json").json()
    assert monthly["totals"]["net_change_in_cash"] == totals["net_change_in_cash"]
    trial = run("report", "trial-balance", *Q1, "--format", "json").json()
    assert trial["totals"]["debits"] == trial["totals"]["credits"] == {"USD": 3016000}


@pytest.mark.parametrize("report", REPORTS)
@pytest.mark.parametrize("format", ["table", "csv", "html"])
def test_every_report_in_every_format(layer_db: str, report: str, format: str) -> None:
    args: tuple[str, ...] = ("--end", "2024-04-01") if report == "balance-sheet" else Q1
    outcome = run_on(layer_db)("report", report, *args, "--format", format)
    assert outcome.exit_code == 0, outcome.stderr
    if format == "html":
        assert outcome.stdout.startswith("<!DOCTYPE html>")
        assert "http" not in outcome.stdout and "<script" not in outcome.stdout
    elif format == "csv":
        assert outcome.stdout.splitlines()[0].startswith("kind,label,depth,account_id")
    else:
        assert "USD" in outcome.stdout and outcome.stdout.split("\n")[0].startswith(
            report.replace("-", " ").capitalize().split()[0])


def _shifted(document: Any) -> None:
    """One entry of the Layer example as a new entry (new ids) in January 2024."""
    entry = document["data"][0]
    entry["id"] = "late-entry"
    for index, line in enumerate(entry["line_items"]):
        line["id"] = f"late-line-{index}"
    document["data"] = [entry]


def test_a_closed_period_refuses_an_import_until_reopened(run: Run, db: str,
                                                          tmp_path: Path) -> None:
    _imported(run)
    closed = run("period", "close", "--through", "2024-01-31")
    assert closed.exit_code == 0, closed.stderr
    before = counts(db)
    late = altered(LAYER_ENTRIES, tmp_path / "late.json", _shifted)
    refused = run("import", "layer-entries", late, "--quiet")
    assert_refused(refused, "period_closed")
    assert counts(db) == before
    assert run("period", "close", "--through", "2024-01-15").code == "period_closed"
    listed = run("period", "list", "--format", "json").json()
    assert [(c["through"], c["reopened_at"]) for c in listed] == [("2024-01-31", None)]
    # The closed quarter's statements still read as before the close.
    income = run("report", "income-statement", *Q1, "--format", "json").json()
    assert income["totals"]["net_income"] == {"USD": -134997}
    sheet = run("report", "balance-sheet", "--end", "2024-01-31", "--end-inclusive",
                "--format", "json").json()
    assert sheet["totals"]["current_earnings"] == {}
    assert sheet["totals"]["assets"] == _add(sheet["totals"]["liabilities"],
                                             sheet["totals"]["equity"])
    assert run("period", "reopen", "--through", "2024-01-31").exit_code == 0
    assert run("import", "layer-entries", late, "--quiet").exit_code == 0
    listed = run("period", "list", "--format", "json").json()
    assert listed[0]["reopened_at"] is not None and listed[0]["reopening_entry"]
    assert run("period", "reopen", "--through", "2024-01-31").code == "invalid_period"


def test_register_and_balances_of_a_subtree(layer_db: str) -> None:
    run = run_on(layer_db)
    rows = run("balances", "--format", "json").json()
    parent = next(r for r in rows if r["depth"] == 0 and r["type"] == "ASSET")
    found = run("register", parent["account_id"], "--format", "json")
    assert found.exit_code == 0, found.stderr
    document = found.json()
    assert document["ending"] == {parent["commodity"]: parent["ending"]}
    if document["lines"]:
        assert document["lines"][-1]["balance"] == parent["ending"]
    subtree = run("balances", "--account", parent["account_id"], "--format", "json").json()
    assert subtree[0]["account_id"] == parent["account_id"] and subtree[0]["depth"] == 0
    assert {r["account_id"] for r in subtree} < {r["account_id"] for r in rows}
    for format in ("table", "csv"):
        assert run("register", parent["account_id"], "--format", format).exit_code == 0
    assert run("register", "no-such-account").code == "unknown_account"


BANK = "00002ba2-63c5-5091-bb43-cf24b6ed9b48"  # Business Checking, in the Layer example


def test_chart_writes_a_png_and_an_svg(layer_db: str, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    run = run_on(layer_db)
    for name, magic in (("bank.png", b"\x89PNG"), ("bank.svg", b"<?xml")):
        drawn = run("chart", BANK, "--start", "2024-01-01", "--end", "2024-04-01", "--by",
                    "month", "--output", tmp_path / name)
        assert drawn.exit_code == 0, drawn.stderr
        assert (tmp_path / name).read_bytes().startswith(magic)
    assert run("chart", BANK, "--output", tmp_path / "bank.gif").exit_code == 2


def test_chart_points_are_the_month_end_balances(layer_db: str) -> None:
    from ledgercore import charts
    from ledgercore.domain import EntryFilter, ReportingBasis
    from ledgercore.store import Ledger

    with Ledger.open(layer_db) as ledger:
        months = [ledger.period(date(2024, m, 1), date(2024, m + 1, 1)) for m in (1, 2, 3)]
        points = charts.balance_series(ledger, BANK, months, ["1", "2", "3"], EntryFilter(),
                                       ReportingBasis.ACCRUAL)
        register = ledger.register(BANK, ledger.period(None, date(2024, 4, 1)))
    last = {}
    for line in register.lines:
        last[line.entry_at.strftime("%m")] = line.balance
    assert points[-1].balance == dict(register.ending)
    assert points[0].balance == {"USD": last["01"]}


def test_chart_without_matplotlib_says_how_to_install_it(layer_db: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         ) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # an import of it now fails
    outcome = run_on(layer_db)("chart", BANK, "--output", tmp_path / "bank.png")
    assert outcome.exit_code == 2
    assert "pip install 'ledgercore[charts]'" in outcome.stderr
    assert not (tmp_path / "bank.png").exists()


def test_income_statement_against_the_prior_period(layer_db: str) -> None:
    run = run_on(layer_db)
    march = run("report", "income-statement", "--start", "2024-03-01", "--end", "2024-04-01",
                "--compare-prior", "--format", "json").json()
    february = run("report", "income-statement", "--start", "2024-02-01", "--end",
                   "2024-03-01", "--format", "json").json()
    assert march["prior"]["start"].startswith("2024-02-01")
    assert march["prior"]["totals"] == february["totals"]
    shown = run("report", "income-statement", "--start", "2024-03-01", "--end", "2024-04-01",
                "--compare-prior")
    assert shown.exit_code == 0 and "prior" in shown.stdout
