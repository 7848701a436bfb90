"""verify: no false alarms on correct payloads; every injected error found and named."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgercore.domain import (
    EndSemantics,
    Period,
    balances,
    roll_up,
    statement,
)
from ledgercore.providers import (
    ImportBatch,
    export_layer_balances,
    import_alpaca_jit_balances,
    parse_alpaca_jit_balances,
    parse_layer_balances,
    read_alpaca_jit_balances,
    read_layer_balances,
    read_layer_entries,
)
from ledgercore.verify import verify_alpaca_jit, verify_layer_balances
from tests.providers.strategies import heavy, jit_payloads, ledgers

ROOT = Path(__file__).parent.parent.parent
EXAMPLES = ROOT / "ledgercore" / "examples"
FIXTURES = ROOT / "tests" / "fixtures"
Q1 = Period.of(date(2024, 1, 1), date(2024, 4, 1))


def statements(batch: ImportBatch, period: Period) -> dict[str, Any]:
    chart = batch.chart()
    journal = batch.entries + batch.opening_entries
    return {ledger.account_id: statement(chart, journal, ledger.account_id, period)
            for ledger in batch.ledgers}


def test_the_layer_examples_agree_with_each_other() -> None:
    chart_batch, response = read_layer_balances(EXAMPLES / "layer_balances.json")
    chart = chart_batch.chart()
    entries = read_layer_entries(EXAMPLES / "layer_entries.json", chart=chart).entries
    report = verify_layer_balances(response, roll_up(chart, balances(chart, entries, Q1)))
    assert report.ok, report.to_text()
    assert report.to_json() == {"ok": True, "discrepancies": [], "notes": []}


def test_the_alpaca_examples_and_sample_verify() -> None:
    for path, period in [(EXAMPLES / "alpaca_jit_balances.json",
                          Period.of(date(2024, 6, 10), date(2024, 6, 14),
                                    end_semantics=EndSemantics.INCLUSIVE)),
                         (FIXTURES / "alpaca_jit_balances_000.json",
                          Period.of(date(2022, 6, 10), date(2022, 6, 10),
                                    end_semantics=EndSemantics.INCLUSIVE))]:
        batch = read_alpaca_jit_balances(path)
        assert verify_alpaca_jit(batch).ok
        report = verify_alpaca_jit(batch, statements(batch, period))
        assert report.ok, report.to_text()


def test_a_wrong_layer_balance_names_its_account_and_checks() -> None:
    chart_batch, _response = read_layer_balances(EXAMPLES / "layer_balances.json")
    chart = chart_batch.chart()
    entries = read_layer_entries(EXAMPLES / "layer_entries.json", chart=chart).entries
    document = json.loads((EXAMPLES / "layer_balances.json").read_text())
    checking = document["data"]["accounts"][0]["sub_accounts"][0]
    checking["balance"] += 100
    report = verify_layer_balances(parse_layer_balances(document),
                                   roll_up(chart, balances(chart, entries, Q1)))
    found = {(d.account_id, d.check): d for d in report.discrepancies}
    checking_id = checking["id"]["id"]
    parent_id = document["data"]["accounts"][0]["id"]["id"]
    assert set(found) == {(checking_id, "node_total"), (checking_id, "balance_vs_recomputed"),
                          (parent_id, "node_total")}
    wrong = found[(checking_id, "balance_vs_recomputed")]
    assert (wrong.difference, wrong.reported - wrong.recomputed) == (100, 100)  # type: ignore[operator]
    assert wrong.path == "$.data.accounts[0].sub_accounts[0].balance"
    assert report.to_json()["ok"] is False


@heavy
@given(ledgers(), st.data())
def test_no_false_alarm_on_exported_layer_balances(ledger: Any, data: st.DataObject) -> None:
    chart, entries = ledger
    start = data.draw(st.none() | st.dates(date(2020, 1, 1), date(2027, 1, 1)))
    period = Period.of(start, None)
    response = parse_layer_balances(json.loads(json.dumps(
        export_layer_balances(chart, entries, period))))
    recomputed = roll_up(chart, balances(chart, entries, period))
    report = verify_layer_balances(response, recomputed)
    assert report.ok, report.to_text()
    assert report.notes == ()


@heavy
@given(ledgers(), st.data())
def test_an_injected_layer_error_is_found_at_its_account(ledger: Any,
                                                         data: st.DataObject) -> None:
    chart, entries = ledger
    document = export_layer_balances(chart, entries)
    nodes = []
    stack = list(document["data"]["accounts"])
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node["sub_accounts"])
    victim = data.draw(st.sampled_from(nodes))
    victim["balance"] += data.draw(st.integers(1, 10**6) | st.integers(-10**6, -1))
    report = verify_layer_balances(parse_layer_balances(document),
                                   roll_up(chart, balances(chart, entries)))
    checks = {(d.account_id, d.check) for d in report.discrepancies}
    assert (victim["id"]["id"], "balance_vs_recomputed") in checks
    assert (victim["id"]["id"], "node_total") in checks
    alone = verify_layer_balances(parse_layer_balances(document))
    assert {(d.account_id, d.check) for d in alone.discrepancies} >= {
        (victim["id"]["id"], "node_total")}


@given(jit_payloads())
def test_no_false_alarm_on_correct_jit_payloads(payload: list[dict[str, Any]]) -> None:
    days = [date.fromisoformat(t["system_date"]) for ledger in payload
            for t in ledger["transactions"]] or [date(2024, 1, 1)]
    batch = import_alpaca_jit_balances(payload, start_date=min(days))
    period = Period.of(min(days), max(days), end_semantics=EndSemantics.INCLUSIVE)
    report = verify_alpaca_jit(batch, statements(batch, period))
    assert report.ok, report.to_text()
    assert verify_alpaca_jit(parse_alpaca_jit_balances(payload)).ok


@given(jit_payloads().filter(lambda p: any(x["transactions"] for x in p)), st.data())
def test_an_injected_jit_error_is_found_at_its_ledger(payload: list[dict[str, Any]],
                                                      data: st.DataObject) -> None:
    index = data.draw(st.sampled_from([i for i, x in enumerate(payload) if x["transactions"]]))
    ledger = payload[index]
    number = data.draw(st.integers(0, len(ledger["transactions"]) - 1))
    field, check = data.draw(st.sampled_from([
        ("amount", "running_balance"), ("balance", "running_balance"),
        ("ending_balance", "transactions_total"), ("activity_amount",
                                                    "starting_plus_activity")]))
    broken = copy.deepcopy(payload)
    target = (broken[index]["transactions"][number] if field in ("amount", "balance")
              else broken[index])
    target[field] = str(Decimal(target[field]) + Decimal("0.07"))
    report = verify_alpaca_jit(import_alpaca_jit_balances(broken))
    where = (f"$[{index}].transactions[{number}].{field}" if field != "amount"
             else f"$[{index}].transactions[{number}].balance")
    assert any(d.account_id == ledger["id"] and d.check == check and
               (d.path == where or check != "running_balance")
               for d in report.discrepancies), report.to_text()


@pytest.mark.parametrize(("activity", "reading"), [("1", "amount"), ("1", "number")])
def test_activity_amount_may_be_read_as_the_number_of_transactions(activity: str,
                                                                   reading: str) -> None:
    payload = json.loads((FIXTURES / "alpaca_jit_balances_000.json").read_text())
    if reading == "number":
        payload[0]["transactions"][0].update(amount="2", balance="4187.36")
        payload[0]["ending_balance"] = "4187.36"
    payload[0]["activity_amount"] = activity
    report = verify_alpaca_jit(import_alpaca_jit_balances(payload))
    assert report.ok
    assert any(reading in note for note in report.notes)


def test_an_activity_that_fits_neither_reading_is_reported() -> None:
    payload = json.loads((FIXTURES / "alpaca_jit_balances_000.json").read_text())
    payload[0]["activity_amount"] = "5"
    report = verify_alpaca_jit(import_alpaca_jit_balances(payload))
    (only,) = report.discrepancies
    assert (only.check, only.reported, only.recomputed, only.difference, only.path) == (
        "starting_plus_activity", "5", "1", "4", "$[0].activity_amount")
    assert report.to_json()["discrepancies"][0]["account_id"] == payload[0]["id"]


def test_recomputed_figures_that_differ_are_reported() -> None:
    batch = read_alpaca_jit_balances(FIXTURES / "alpaca_jit_balances_000.json")
    period = Period.of(date(2022, 6, 10), date(2022, 6, 10),
                       end_semantics=EndSemantics.INCLUSIVE)
    without_opening = ImportBatch(batch.kind, batch.accounts, batch.entries, (), batch.ledgers)
    report = verify_alpaca_jit(batch, statements(without_opening, period))
    checks = {d.check for d in report.discrepancies}
    assert checks == {"starting_vs_recomputed", "ending_vs_recomputed",
                      "balance_vs_recomputed"}
