"""`ledgercore verify`: exit 0 when the figures agree, 1 with each discrepancy named.

The discrepancies are provoked by altering one figure in a copy of a correct example; the
report must name that account and the check that caught it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgercore.store import Ledger

from .conftest import (
    ALPACA_JIT,
    LAYER_BALANCES,
    LAYER_ENTRIES,
    Q1,
    altered,
    assert_refused,
    load,
    run_on,
    sqlite_url,
)

DISCREPANCY_KEYS = {"account_id", "account_name", "check", "reported", "recomputed",
                    "difference"}


def test_the_correct_examples_verify(layer_db: str, alpaca_db: str) -> None:
    layer = run_on(layer_db)("verify", "layer-balances", LAYER_BALANCES, *Q1,
                             "--format", "json")
    assert layer.exit_code == 0 and layer.json()["ok"] is True
    assert layer.json()["discrepancies"] == []
    inclusive = run_on(layer_db)("verify", "layer-balances", LAYER_BALANCES, "--start",
                                 "2024-01-01", "--end", "2024-03-31", "--end-inclusive")
    assert inclusive.exit_code == 0
    alpaca = run_on(alpaca_db)("verify", "alpaca-jit-balances", ALPACA_JIT, "--format", "json")
    assert alpaca.exit_code == 0 and alpaca.json()["ok"] is True


def test_a_close_of_the_books_is_not_a_discrepancy(tmp_path: Path) -> None:
    """Closing entries are the ledger's own bookkeeping, which the provider never saw:
    after a close inside the range (and after reopening it) the figures still agree."""
    run = run_on(sqlite_url(tmp_path / "closed.db"))
    for kind, path in (("layer-balances", LAYER_BALANCES), ("layer-entries", LAYER_ENTRIES)):
        assert run("import", kind, path, "--quiet").exit_code == 0
    assert run("period", "close", "--through", "2024-02-29").exit_code == 0
    closed = run("verify", "layer-balances", LAYER_BALANCES, *Q1, "--format", "json")
    assert closed.exit_code == 0 and closed.json()["discrepancies"] == []
    assert run("period", "reopen", "--through", "2024-02-29").exit_code == 0
    assert run("verify", "layer-balances", LAYER_BALANCES, *Q1).exit_code == 0


def test_the_wrong_range_is_caught(layer_db: str) -> None:
    """The Q1 figures checked against January alone disagree with the ledger."""
    outcome = run_on(layer_db)("verify", "layer-balances", LAYER_BALANCES, "--start",
                               "2024-01-01", "--end", "2024-02-01", "--format", "json")
    assert outcome.exit_code == 1
    checks = {d["check"] for d in outcome.json()["discrepancies"]}
    assert checks == {"balance_vs_recomputed"}


def _rent(document: dict[str, Any]) -> dict[str, Any]:
    for top in document["data"]["accounts"]:
        for child in top["sub_accounts"]:
            if child["name"] == "Rent":
                return child
    raise AssertionError("the example has a Rent account")


@pytest.mark.parametrize("format", ["json", "text"])
def test_an_altered_layer_balance_is_named(format: str, layer_db: str,
                                           tmp_path: Path) -> None:
    rent = _rent(load(LAYER_BALANCES))

    def change(document: dict[str, Any]) -> None:
        _rent(document)["balance"] += 1

    path = altered(LAYER_BALANCES, tmp_path / "altered.json", change)
    outcome = run_on(layer_db)("verify", "layer-balances", path, *Q1, "--format", format)
    assert outcome.exit_code == 1 and outcome.stderr == ""
    if format == "text":
        assert rent["id"]["id"] in outcome.stdout
        return
    report = outcome.json()
    assert report["ok"] is False
    named = [d for d in report["discrepancies"] if d["account_id"] == rent["id"]["id"]]
    assert {d["check"] for d in named} == {"balance_vs_recomputed", "node_total"}
    for d in report["discrepancies"]:
        assert set(d) >= DISCREPANCY_KEYS
    mine = next(d for d in named if d["check"] == "balance_vs_recomputed")
    assert (mine["reported"], mine["recomputed"], mine["difference"]) == (
        rent["balance"] + 1, rent["balance"], 1)
    assert mine["account_name"] == "Rent"


def test_an_altered_jit_balance_is_named(alpaca_db: str, tmp_path: Path) -> None:
    original = load(ALPACA_JIT)
    ledger = original[0]

    def change(document: list[dict[str, Any]]) -> None:
        document[0]["ending_balance"] = str(Decimal(document[0]["ending_balance"]) + 1)

    path = altered(ALPACA_JIT, tmp_path / "altered.json", change)
    outcome = run_on(alpaca_db)("verify", "alpaca-jit-balances", path, "--format", "json")
    assert outcome.exit_code == 1
    report = outcome.json()
    assert report["ok"] is False
    assert {d["account_id"] for d in report["discrepancies"]} == {ledger["id"]}
    checks = {d["check"] for d in report["discrepancies"]}
    assert {"starting_plus_activity", "last_balance", "ending_vs_recomputed"} <= checks
    ending = next(d for d in report["discrepancies"] if d["check"] == "ending_vs_recomputed")
    assert Decimal(ending["difference"]) == 1
    assert Decimal(ending["recomputed"]) == Decimal(ledger["ending_balance"])


def test_an_altered_running_balance_is_named_without_a_ledger(tmp_path: Path, db: str) -> None:
    """With nothing imported, the payload's own arithmetic is still checked."""
    def change(document: list[dict[str, Any]]) -> None:
        txn = document[0]["transactions"][2]
        txn["balance"] = str(Decimal(txn["balance"]) + Decimal("0.01"))

    path = altered(ALPACA_JIT, tmp_path / "altered.json", change)
    Ledger.open(db).close()  # an empty ledger: verify creates none
    outcome = run_on(db)("verify", "alpaca-jit-balances", path, "--format", "json")
    assert outcome.exit_code == 1
    found = outcome.json()["discrepancies"]
    assert {d["check"] for d in found} == {"running_balance"}
    assert all(d["account_id"] == load(ALPACA_JIT)[0]["id"] for d in found)


@pytest.mark.parametrize(("command", "wrong"), [
    ("layer-balances", ALPACA_JIT), ("alpaca-jit-balances", LAYER_BALANCES)])
def test_verifying_a_file_of_another_kind_is_refused(command: str, wrong: Path,
                                                     layer_db: str) -> None:
    outcome = run_on(layer_db)("verify", command, wrong)
    assert_refused(outcome, "wrong_payload_kind", wrong.name)
