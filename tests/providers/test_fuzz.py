"""Fuzzing the importers: any JSON-ish input is imported or refused with a LedgerError."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgercore.domain import LedgerError
from ledgercore.providers import (
    import_alpaca_jit_balances,
    import_alpaca_journals,
    import_layer_balances,
    import_layer_entries,
    iter_layer_entries,
    parse_document,
)
from tests.providers.strategies import json_scalars, json_values

FIXTURES = Path(__file__).parent.parent / "fixtures"
EXAMPLES = Path(__file__).parent.parent.parent / "ledgercore" / "examples"
IMPORTERS = [import_layer_entries, import_layer_balances, import_alpaca_jit_balances,
             import_alpaca_journals]
VALID = [json.loads((EXAMPLES / name).read_text()) for name in (
    "layer_entries.json", "layer_balances.json", "alpaca_jit_balances.json",
    "alpaca_journals.json")]


def import_or_refuse(importer: Any, document: Any) -> None:
    try:
        importer(document, source="fuzz.json")
    except LedgerError as error:
        assert isinstance(error.code, str) and error.code
        assert error.path is None or error.path.startswith("$")


@pytest.mark.parametrize("importer", IMPORTERS)
@given(document=json_values)
def test_random_json_is_imported_or_refused(importer: Any, document: Any) -> None:
    import_or_refuse(importer, document)


def mutate(value: Any, data: st.DataObject, depth: int = 0) -> Any:
    """A copy of `value` with one node somewhere replaced, deleted or duplicated."""
    if isinstance(value, dict) and value and depth < 8 and data.draw(st.integers(0, 3)):
        key = data.draw(st.sampled_from(sorted(value)))
        out = dict(value)
        if data.draw(st.integers(0, 5)) == 0:
            del out[key]
        else:
            out[key] = mutate(value[key], data, depth + 1)
        return out
    if isinstance(value, list) and value and depth < 8 and data.draw(st.integers(0, 3)):
        index = data.draw(st.integers(0, len(value) - 1))
        out_list = list(value)
        choice = data.draw(st.integers(0, 6))
        if choice == 0:
            out_list.append(out_list[index])
        elif choice == 1:
            del out_list[index]
        else:
            out_list[index] = mutate(value[index], data, depth + 1)
        return out_list
    return data.draw(json_scalars | json_values)


@pytest.mark.parametrize("index", range(4))
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutations_of_valid_payloads_are_imported_or_refused(index: int,
                                                             data: st.DataObject) -> None:
    import_or_refuse(IMPORTERS[index], mutate(VALID[index], data))


@given(text=st.text(max_size=60) | st.binary(max_size=40).map(
    lambda b: b'{"data": [' + b) | st.sampled_from([
    '{"data": [', '{"data": [{"id": "x"},]}', '{"data": [] "meta": {}}', '[', '{"data": {}}',
    '{"data": [1, 2', '{"data": [], "meta": {}} trailing', '\ufeff{"data": []}']))
def test_random_text_is_read_or_refused_whole_and_streamed(tmp_path_factory: Any,
                                                           text: str | bytes) -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    with contextlib.suppress(LedgerError):
        import_layer_entries(parse_document(data))
    path = tmp_path_factory.mktemp("fuzz") / "text.json"
    path.write_bytes(data)
    with contextlib.suppress(LedgerError):
        list(iter_layer_entries(path, read_size=7))
