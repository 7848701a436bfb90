"""Every check in `ledgercore.verify` fires, on exactly the discrepancy it exists for.

Each test plants one change in a correct payload (a missing, extra or changed Alpaca
transaction, a moved starting balance, a wrong running balance, an unknown Layer
account) and asserts the complete set of discrepancies: check name, account, JSON path
and difference. The windows do not start at the ledger's first day: the payloads are
cut out of the examples' ledgers mid-way, so a starting balance, an activity and an
ending balance all differ (a check reading ``.ending`` where it means ``.activity``, or
a statement starting at the wrong day, fails the clean windows). Every clean window
raises no discrepancy at all.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgercore.domain import (
    ChartOfAccounts,
    EndSemantics,
    JournalEntry,
    Period,
    balances,
    roll_up,
    statement,
)
from ledgercore.providers import (
    export_layer_balances,
    import_alpaca_jit_balances,
    parse_layer_balances,
    read_alpaca_jit_balances,
    read_layer_balances,
    read_layer_entries,
)
from ledgercore.verify import VerifyReport, verify_alpaca_jit, verify_layer_balances

EXAMPLES = Path(__file__).parent.parent.parent / "ledgercore" / "examples"
JIT = EXAMPLES / "alpaca_jit_balances.json"
FIRST_DAY = date(2024, 6, 10)
# Windows of the JIT example's ledger (its transactions run 2024-06-10 .. 06-13), the
# first one from the ledger's first day, the others from later days.
WINDOWS = ((date(2024, 6, 10), date(2024, 6, 14)), (date(2024, 6, 11), date(2024, 6, 14)),
           (date(2024, 6, 12), date(2024, 6, 13)), (date(2024, 6, 13), date(2024, 6, 13)))
MID = WINDOWS[1]

Found = set[tuple[str, str, str | None, Any]]


def _journal() -> tuple[ChartOfAccounts, tuple[JournalEntry, ...]]:
    batch = read_alpaca_jit_balances(JIT)
    return batch.chart(), batch.entries + batch.opening_entries


def _window(first: date, last: date) -> list[dict[str, Any]]:
    """The JIT example as Alpaca would answer for ``start_date=first, end_date=last``: the
    window's transactions, the balance before them as ``starting_balance``."""
    out = []
    for ledger in json.loads(JIT.read_text()):
        running = Decimal(ledger["starting_balance"])
        inside = []
        for txn in ledger["transactions"]:
            day = date.fromisoformat(txn["system_date"])
            if day < first:
                running += Decimal(txn["amount"])
            elif day <= last:
                inside.append(txn)
        ending = running + sum((Decimal(t["amount"]) for t in inside), Decimal(0))
        out.append({**ledger, "transactions": inside, "starting_balance": str(running),
                    "ending_balance": str(ending), "activity_amount": str(ending - running)})
    return out


def _verify(payload: list[dict[str, Any]], first: date, last: date) -> VerifyReport:
    chart, journal = _journal()
    period = Period.of(first, last, end_semantics=EndSemantics.INCLUSIVE)
    batch = import_alpaca_jit_balances(payload, start_date=first)
    recomputed = {ledger.account_id: statement(chart, journal, ledger.account_id, period)
                  for ledger in batch.ledgers}
    return verify_alpaca_jit(batch, recomputed)


def _found(report: VerifyReport) -> Found:
    return {(d.check, d.account_id, d.path, d.difference) for d in report.discrepancies}


def _shift(ledger: dict[str, Any], field: str, delta: Decimal) -> None:
    ledger[field] = str(Decimal(ledger[field]) + delta)


def _resettle(ledger: dict[str, Any], number: int, delta: Decimal) -> None:
    """Keep the payload consistent with itself after transaction `number`'s amount moved
    by `delta`: its and every later running balance, the ending, the activity."""
    for txn in ledger["transactions"][number:]:
        _shift(txn, "balance", delta)
    _shift(ledger, "ending_balance", delta)
    _shift(ledger, "activity_amount", delta)


@pytest.mark.parametrize(("first", "last"), WINDOWS)
def test_a_clean_window_raises_nothing(first: date, last: date) -> None:
    payload = _window(first, last)
    if first > FIRST_DAY:  # the window is not the ledger's whole history
        assert payload[0]["starting_balance"] != json.loads(JIT.read_text())[0][
            "starting_balance"]
    report = _verify(payload, first, last)
    assert report.discrepancies == (), report.to_text()
    assert verify_alpaca_jit(import_alpaca_jit_balances(payload, start_date=first)).ok


def test_a_transaction_missing_from_the_payload() -> None:
    payload = _window(*MID)
    ledger = payload[0]
    dropped = ledger["transactions"].pop()  # the window's last (06-13's only) transaction
    amount = Decimal(dropped["amount"])
    _shift(ledger, "ending_balance", -amount)
    _shift(ledger, "activity_amount", -amount)
    assert _found(_verify(payload, *MID)) == {
        ("transaction_not_reported", ledger["id"], "$[0].transactions", f"-{amount}"),
        ("ending_vs_recomputed", ledger["id"], "$[0].ending_balance", f"-{amount}")}


def test_an_extra_transaction_in_the_payload() -> None:
    payload = _window(*MID)
    ledger = payload[0]
    last = ledger["transactions"][-1]
    extra = {**last, "amount": "12.34"}
    extra["balance"] = str(Decimal(last["balance"]) + Decimal("12.34"))
    ledger["transactions"].append(extra)
    _shift(ledger, "ending_balance", Decimal("12.34"))
    _shift(ledger, "activity_amount", Decimal("12.34"))
    number = len(ledger["transactions"]) - 1
    assert _found(_verify(payload, *MID)) == {
        ("transaction_not_in_ledger", ledger["id"], f"$[0].transactions[{number}].amount",
         "12.34"),
        ("ending_vs_recomputed", ledger["id"], "$[0].ending_balance", "12.34")}


def test_a_changed_transaction_amount() -> None:
    payload = _window(*MID)
    ledger = payload[0]
    ledger["transactions"][0]["amount"] = str(
        Decimal(ledger["transactions"][0]["amount"]) + Decimal("0.07"))
    _resettle(ledger, 0, Decimal("0.07"))
    count = len(ledger["transactions"])
    assert _found(_verify(payload, *MID)) == {
        ("amount_vs_recomputed", ledger["id"], "$[0].transactions[0].amount", "0.07"),
        *{("balance_vs_recomputed", ledger["id"], f"$[0].transactions[{n}].balance", "0.07")
          for n in range(count)},
        ("ending_vs_recomputed", ledger["id"], "$[0].ending_balance", "0.07")}


def test_a_moved_starting_balance() -> None:
    payload = _window(*MID)
    ledger = payload[0]
    _shift(ledger, "starting_balance", Decimal("-5"))
    _resettle(ledger, 0, Decimal("-5"))
    _shift(ledger, "activity_amount", Decimal("5"))  # the activity itself is unchanged
    count = len(ledger["transactions"])
    assert _found(_verify(payload, *MID)) == {
        ("starting_vs_recomputed", ledger["id"], "$[0].starting_balance", "-5"),
        *{("balance_vs_recomputed", ledger["id"], f"$[0].transactions[{n}].balance",
           "-5") for n in range(count)},
        ("ending_vs_recomputed", ledger["id"], "$[0].ending_balance", "-5")}


def test_a_wrong_running_balance() -> None:
    payload = _window(*MID)
    ledger = payload[0]
    _shift(ledger["transactions"][0], "balance", Decimal("1"))
    assert _found(_verify(payload, *MID)) == {
        ("running_balance", ledger["id"], "$[0].transactions[0].balance", "1"),
        ("running_balance", ledger["id"], "$[0].transactions[1].balance", "-1"),
        ("balance_vs_recomputed", ledger["id"], "$[0].transactions[0].balance", "1")}


def test_a_wrong_last_balance_and_ending() -> None:
    payload = _window(*MID)
    ledger = payload[0]
    _shift(ledger, "ending_balance", Decimal("0.01"))
    _shift(ledger, "activity_amount", Decimal("0.01"))
    assert _found(_verify(payload, *MID)) == {
        ("transactions_total", ledger["id"], "$[0].ending_balance", "0.01"),
        ("last_balance", ledger["id"], "$[0].ending_balance", "0.01"),
        ("ending_vs_recomputed", ledger["id"], "$[0].ending_balance", "0.01")}


def test_an_activity_that_does_not_add_up() -> None:
    payload = _window(*MID)
    ledger = payload[0]
    _shift(ledger, "activity_amount", Decimal("100"))
    assert _found(_verify(payload, *MID)) == {
        ("starting_plus_activity", ledger["id"], "$[0].activity_amount", "100")}


# -- Layer ------------------------------------------------------------------------------

LAYER_WINDOWS = ((None, date(2024, 4, 1)), (date(2024, 2, 1), date(2024, 4, 1)),
                 (date(2024, 2, 10), date(2024, 3, 9)), (date(2024, 3, 1), None))


def _layer() -> tuple[ChartOfAccounts, tuple[JournalEntry, ...]]:
    chart_batch, _ = read_layer_balances(EXAMPLES / "layer_balances.json")
    chart = chart_batch.chart()
    return chart, read_layer_entries(EXAMPLES / "layer_entries.json", chart=chart).entries


@pytest.mark.parametrize(("first", "end"), LAYER_WINDOWS)
def test_a_clean_layer_window_raises_nothing(first: date | None, end: date | None) -> None:
    chart, entries = _layer()
    period = Period.of(first, end)
    own = balances(chart, entries, period)
    if first is not None:  # mid-way: something happened before the window
        assert any(b.starting for by in own.values() for b in by.values())
    document = export_layer_balances(chart, entries, period)
    report = verify_layer_balances(parse_layer_balances(json.loads(json.dumps(document))),
                                   roll_up(chart, own))
    assert report.discrepancies == () and report.notes == (), report.to_text()


def _nodes(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    stack = [(f"$.data.accounts[{i}]", node)
             for i, node in enumerate(document["data"]["accounts"])]
    while stack:
        path, node = stack.pop()
        out.append((path, node))
        stack += [(f"{path}.sub_accounts[{i}]", child)
                  for i, child in enumerate(node["sub_accounts"])]
    return out


def test_an_unknown_layer_account_is_named_at_its_id() -> None:
    chart, entries = _layer()
    period = Period.of(date(2024, 2, 1), date(2024, 4, 1))
    document = export_layer_balances(chart, entries, period)
    path, leaf = next((p, n) for p, n in _nodes(document) if not n["sub_accounts"]
                      and n["balance"])
    leaf["id"]["id"] = "not-in-the-ledger"
    report = verify_layer_balances(parse_layer_balances(document),
                                   roll_up(chart, balances(chart, entries, period)))
    (only,) = report.discrepancies
    assert (only.check, only.account_id, only.path, only.reported, only.recomputed,
            only.difference) == ("unknown_account", "not-in-the-ledger", f"{path}.id",
                                 leaf["balance"], None, None)


def test_a_wrong_layer_balance_in_a_mid_window() -> None:
    chart, entries = _layer()
    period = Period.of(date(2024, 2, 10), date(2024, 3, 9))
    document = export_layer_balances(chart, entries, period)
    path, leaf = next((p, n) for p, n in _nodes(document)
                      if not n["sub_accounts"] and ".sub_accounts[" in p)
    parent_path = path.rsplit(".sub_accounts[", 1)[0]
    parent = next(n for p, n in _nodes(document) if p == parent_path)
    leaf["balance"] += 250
    report = verify_layer_balances(parse_layer_balances(document),
                                   roll_up(chart, balances(chart, entries, period)))
    leaf_id, parent_id = leaf["id"]["id"], parent["id"]["id"]
    assert _found(report) == {
        ("balance_vs_recomputed", leaf_id, f"{path}.balance", 250),
        ("node_total", leaf_id, f"{path}.balance", 250),
        # The parent's own figure is right; its children now add up to 250 more (or
        # less, for a child of the other normality).
        ("node_total", parent_id, f"{parent_path}.balance",
         -250 if chart.get(leaf_id).normal is chart.get(parent_id).normal else 250)}


def test_the_mid_windows_differ_from_the_whole_history() -> None:
    # Guard for the windows above: reading `ending` where `activity` is meant would
    # give other figures on them (so the clean-window tests can fail).
    chart, entries = _layer()
    period = Period.of(date(2024, 2, 10), date(2024, 3, 9))
    rolled = roll_up(chart, balances(chart, entries, period))
    assert any(r.total["USD"].activity != r.total["USD"].ending
               for r in rolled.values() if "USD" in r.total)
