"""import(export(x)) == x for the three exported shapes."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

from hypothesis import given

from ledgercore.domain import EndSemantics, Period
from ledgercore.providers import (
    export_alpaca_jit_balances,
    export_layer_balances,
    import_alpaca_jit_balances,
    import_layer_balances,
    import_layer_entries,
    layer_entries_response,
)
from tests.providers.strategies import heavy, jit_payloads, ledgers


def over_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


@heavy
@given(ledgers())
def test_layer_entries_round_trip(ledger: Any) -> None:
    chart, entries = ledger
    batch = import_layer_entries(over_json(layer_entries_response(chart, entries)))
    assert batch.entries == entries
    used = {item.account_id for entry in entries for item in entry.line_items}
    assert set(batch.accounts) == {dataclasses.replace(chart.get(a), parent_id=None)
                                   for a in used}


@heavy
@given(ledgers())
def test_layer_balances_round_trip_the_chart(ledger: Any) -> None:
    chart, entries = ledger
    batch = import_layer_balances(over_json(export_layer_balances(chart, entries)))
    assert set(batch.accounts) == set(chart.accounts)
    assert batch.entries == ()


@given(jit_payloads())
def test_alpaca_jit_round_trip(payload: list[dict[str, Any]]) -> None:
    days = [date.fromisoformat(t["system_date"]) for ledger in payload
            for t in ledger["transactions"]] or [date(2024, 1, 1)]
    start, end = min(days), max(days)
    batch = import_alpaca_jit_balances(payload, start_date=start)
    period = Period.of(start, end, end_semantics=EndSemantics.INCLUSIVE)
    exported = export_alpaca_jit_balances(batch.chart(), batch.entries + batch.opening_entries,
                                          [ledger["id"] for ledger in payload], period)
    again = import_alpaca_jit_balances(over_json(exported), start_date=start)
    assert again == batch
    assert over_json(exported) == payload
