"""Fuzzing the importers: any JSON-ish input is imported or refused with a LedgerError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledgercore.domain import LedgerError
from ledgercore.providers import (
    ImportBatch,
    import_alpaca_jit_balances,
    import_alpaca_journals,
    import_layer_balances,
    import_layer_entries,
    iter_layer_entries,
    read_layer_entries,
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


def whole_and_streamed(path: Path, batch_size: int) -> None:
    """Read `path` whole and streamed: equal entries and accounts, or the same error code.

    Two known differences: a streamed read does not check repeated entry ids (documented:
    the store deduplicates them), nor the ``meta`` member (it is skipped), so a file
    refused for either alone streams.
    """
    whole: ImportBatch | LedgerError
    streamed: list[ImportBatch] | LedgerError
    try:
        whole = read_layer_entries(path)
    except LedgerError as error:
        whole = error
    try:
        streamed = list(iter_layer_entries(path, read_size=7, batch_size=batch_size))
    except LedgerError as error:
        streamed = error
    if isinstance(whole, LedgerError):
        if isinstance(streamed, LedgerError):
            assert streamed.code == whole.code, (streamed, whole)
            return
        ids = [entry.id for batch in streamed for entry in batch.entries]
        assert len(set(ids)) < len(ids) or (whole.path or "").startswith("$.meta"), whole
        return
    assert not isinstance(streamed, LedgerError), streamed
    assert [e for batch in streamed for e in batch.entries] == list(whole.entries)
    assert [a for batch in streamed for a in batch.accounts] == list(whole.accounts)
    assert all(0 < len(batch.entries) <= batch_size for batch in streamed[:-1])


@given(text=st.text(max_size=60) | st.binary(max_size=40).map(
    lambda b: b'{"data": [' + b) | st.sampled_from([
    '{"data": [', '{"data": [{"id": "x"},]}', '{"data": [] "meta": {}}', '[', '{"data": {}}',
    '{"data": [1, 2', '{"data": [], "meta": {}} trailing', '\ufeff{"data": []}']))
def test_random_text_is_read_or_refused_whole_and_streamed(tmp_path_factory: Any,
                                                           text: str | bytes) -> None:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    path = tmp_path_factory.mktemp("fuzz") / "text.json"
    path.write_bytes(data)
    whole_and_streamed(path, batch_size=2)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), batch_size=st.integers(1, 4))
def test_mutated_entries_files_read_alike_whole_and_streamed(
        tmp_path_factory: Any, data: st.DataObject, batch_size: int) -> None:
    document = VALID[0] if data.draw(st.integers(0, 3)) == 0 else mutate(VALID[0], data)
    path = tmp_path_factory.mktemp("fuzz") / "entries.json"
    path.write_text(json.dumps(document))
    whole_and_streamed(path, batch_size)


@pytest.mark.parametrize("text", [
    b"", b"  \n", b"3", b'"data"', b"[", b"[1, 2]", b"[1, 2] x", b'{"data": {}} x',
    b'{"data": {}, "meta": {}}', b'{"data": [0\x0b', b'{"data": []}\x0b', b"\xff"])
def test_these_files_read_alike_whole_and_streamed(tmp_path: Path, text: bytes) -> None:
    # Each of these once gave the streamed read another error code than the whole read
    # (an empty file, a scalar or array document, a kind error before a syntax error, a
    # stray non-JSON space read as truncation).
    path = tmp_path / "entries.json"
    path.write_bytes(text)
    whole_and_streamed(path, batch_size=1)


@pytest.mark.parametrize("read_size", [1, 2, 3, 5])
def test_a_number_cut_by_a_read_is_read_whole(tmp_path: Path, read_size: int) -> None:
    # "2." of "-2.25" decodes as -2 on its own: the streamed read refused valid files
    # whose reads ended inside a decimal or an exponent.
    path = tmp_path / "entries.json"
    path.write_text('{"data": [], "meta": {"x": -2.25, "y": 3e-7, "z": 10.5}}')
    batches = list(iter_layer_entries(path, read_size=read_size))
    assert [entry for batch in batches for entry in batch.entries] == []
    whole_and_streamed(path, batch_size=1)
