"""Provider-shaped output: `balances --format layer|alpaca` and `entries --format ...`.

Each export has exactly the provider's response shape, carries the Python API's figures,
and goes back in: `verify` accepts it and `import` reads it without changing the books.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgercore.domain import EndSemantics
from ledgercore.store import Ledger

from .conftest import (
    ALPACA_JIT,
    LAYER_BALANCES,
    LAYER_ENTRIES,
    Q1,
    Run,
    counts,
    load,
    run_on,
    sqlite_url,
)

NODE_KEYS = {"id", "name", "normality", "account_type", "account_subtype", "balance",
             "entries", "sub_accounts"}


def nodes(accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every node of a Layer balances tree, depth first."""
    found = []
    for node in accounts:
        found.append(node)
        found.extend(nodes(node["sub_accounts"]))
    return found


def exported(url: str, path: Path, *args: str) -> Any:
    outcome = run_on(url)(*args)
    assert outcome.exit_code == 0, outcome.stderr
    path.write_text(outcome.stdout)
    return outcome.json()


def test_layer_balances_have_the_layer_shape_and_the_api_figures(layer_db: str,
                                                                 tmp_path: Path) -> None:
    document = exported(layer_db, tmp_path / "q1.json", "balances", *Q1, "--format", "layer")
    assert set(document) == {"data"}
    assert document["data"]["type"] == "Ledger_Balances"
    assert set(document["data"]) >= {"type", "accounts"}
    every = nodes(document["data"]["accounts"])
    for node in every:
        assert set(node) >= NODE_KEYS
        assert type(node["balance"]) is int
        assert node["id"]["type"] == "AccountId"
        assert all(isinstance(line["amount"], int) for line in node["entries"])

    with Ledger.open(layer_db) as books:
        chart = books.chart()
        q1 = books.period(date(2024, 1, 1), date(2024, 4, 1),
                          end_semantics=EndSemantics.EXCLUSIVE)  # Q1
        rolled = books.rolled_balances(q1)
    assert {n["id"]["id"] for n in every} == {a.id for a in chart}
    for node in every:
        parent = node["id"]["id"]
        assert [c["id"]["id"] for c in node["sub_accounts"]] == list(chart.children(parent))
        figure = rolled[parent].total.get("USD")
        assert node["balance"] == (figure.activity if figure else 0)


def test_layer_balances_equal_what_layer_reported_for_the_quarter(layer_db: str,
                                                                 tmp_path: Path) -> None:
    document = exported(layer_db, tmp_path / "q1.json", "balances", *Q1, "--format", "layer")
    ours = {n["id"]["id"]: n["balance"] for n in nodes(document["data"]["accounts"])}
    theirs = {n["id"]["id"]: n["balance"]
              for n in nodes(load(LAYER_BALANCES)["data"]["accounts"])}
    assert ours == theirs


@pytest.mark.parametrize("basis", ["accrual", "cash"])
def test_layer_export_verifies_and_reimports(basis: str, layer_db: str,
                                             tmp_path: Path) -> None:
    january = ("--start", "2024-01-01", "--end", "2024-02-01", "--basis", basis)
    path = tmp_path / "january.json"
    exported(layer_db, path, "balances", *january, "--format", "layer")
    run = run_on(layer_db)

    verified = run("verify", "layer-balances", path, *january, "--format", "json")
    assert verified.exit_code == 0, verified.stdout
    assert verified.json()["ok"] is True and verified.json()["discrepancies"] == []
    assert run("verify", "layer-balances", path, *january).exit_code == 0

    fresh = sqlite_url(tmp_path / "fresh.db")
    assert run_on(fresh)("import", "layer-balances", path).exit_code == 0
    with Ledger.open(layer_db) as books, Ledger.open(fresh) as copy:
        assert tuple(copy.chart()) == tuple(books.chart())
    assert counts(fresh)[1] == 0  # a balances payload defines the chart, posts nothing


def test_alpaca_export_has_the_jit_shape_and_verifies(alpaca_db: str, tmp_path: Path) -> None:
    days = ("--start", "2024-06-10", "--end", "2024-06-13", "--end-inclusive")
    path = tmp_path / "jit.json"
    document = exported(alpaca_db, path, "balances", *days, "--format", "alpaca")
    original = load(ALPACA_JIT)
    assert isinstance(document, list) and len(document) == len(original)
    for ours, theirs in zip(document, original, strict=True):
        assert set(ours) == set(theirs)
        for key in ("starting_balance", "ending_balance", "activity_amount"):
            assert isinstance(ours[key], str) and Decimal(ours[key]) == Decimal(theirs[key])
        assert Decimal(ours["starting_balance"]) + Decimal(ours["activity_amount"]) == \
            Decimal(ours["ending_balance"])
        assert len(ours["transactions"]) == len(theirs["transactions"])
        for mine, reported in zip(ours["transactions"], theirs["transactions"], strict=True):
            assert set(mine) == set(reported)
            assert {k: v for k, v in mine.items() if k not in ("amount", "balance")} == {
                k: v for k, v in reported.items() if k not in ("amount", "balance")}
            for key in ("amount", "balance"):
                assert Decimal(mine[key]) == Decimal(reported[key])

    run = run_on(alpaca_db)
    verified = run("verify", "alpaca-jit-balances", path, "--format", "json")
    assert verified.exit_code == 0 and verified.json()["ok"] is True
    assert run("verify", "alpaca-jit-balances", path).exit_code == 0


def test_alpaca_export_of_all_time_verifies(alpaca_db: str, tmp_path: Path) -> None:
    path = tmp_path / "all.json"
    exported(alpaca_db, path, "balances", "--format", "alpaca")
    assert run_on(alpaca_db)("verify", "alpaca-jit-balances", path).exit_code == 0


# -- entries ----------------------------------------------------------------------------

def _entry_ids(url: str, *args: str) -> list[str]:
    outcome = run_on(url)("entries", *args, "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    return [entry["id"] for entry in outcome.json()]


def test_entries_json_lists_the_apis_entries_in_order(layer_db: str) -> None:
    with Ledger.open(layer_db) as books:
        page = books.entries(limit=1000)
    assert _entry_ids(layer_db) == [entry.id for entry in page.entries]
    feb = _entry_ids(layer_db, "--start", "2024-02-01", "--end", "2024-02-29",
                     "--end-inclusive")
    assert feb and all(e in [x.id for x in page.entries] for e in feb)
    in_file = {e["id"]: e["entry_at"] for e in load(LAYER_ENTRIES)["data"]}
    assert sorted(feb) == sorted(i for i, at in in_file.items() if at.startswith("2024-02"))
    tagged = _entry_ids(layer_db, "--tag", "department=design")
    assert tagged == [e["id"] for e in load(LAYER_ENTRIES)["data"]
                      if {"key": "department", "value": "design"} in e["tags"]]


def test_entries_table_shows_every_entry(layer_db: str) -> None:
    outcome = run_on(layer_db)("entries", *Q1)
    assert outcome.exit_code == 0
    for entry_id in _entry_ids(layer_db, *Q1):
        assert entry_id in outcome.stdout


def test_entries_layer_export_reimports_to_the_same_books(layer_db: str, tmp_path: Path,
                                                          run: Run, db: str) -> None:
    path = tmp_path / "entries.json"
    document = exported(layer_db, path, "entries", "--format", "layer")
    assert set(document) >= {"data"} and isinstance(document["data"], list)
    assert [e["id"] for e in document["data"]] == _entry_ids(layer_db)
    assert all(e["type"] == "Ledger_Entry" for e in document["data"])

    assert run("import", "layer-balances", LAYER_BALANCES).exit_code == 0
    assert run("import", "layer-entries", path).exit_code == 0
    with Ledger.open(layer_db) as books, Ledger.open(db) as copy:
        assert copy.balances() == books.balances()
        assert copy.entries(limit=1000).entries == books.entries(limit=1000).entries
    # and the original file is the same entries: importing it changes nothing
    again = run("import", "layer-entries", LAYER_ENTRIES)
    assert again.exit_code == 0 and " 0 entries posted" in again.stdout
