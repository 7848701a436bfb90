"""The Layer entries fast path equals the pydantic model path wherever it answers."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ledgercore.domain import JournalEntry, LedgerError
from ledgercore.providers import layer_entries_response
from ledgercore.providers.layer_accounts import AccountBook
from ledgercore.providers.layer_entries import entry_from_model
from ledgercore.providers.layer_fast import FastEntries
from ledgercore.providers.layer_models import LedgerEntry
from tests.providers.strategies import heavy, json_scalars, ledgers


def model_path(raw: Any) -> tuple[JournalEntry | None, AccountBook]:
    book = AccountBook()
    try:
        return entry_from_model(LedgerEntry.model_validate(raw), book), book
    except (ValidationError, LedgerError):
        return None, book


def fast_path(raw: Any) -> tuple[JournalEntry | None, AccountBook]:
    book = AccountBook()
    return FastEntries(book).entry(raw), book


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            out += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            out += paths(inner, (*prefix, index))
    return out


@st.composite
def exported_entries(draw: st.DrawFn) -> list[Any]:
    chart, entries = draw(ledgers(max_entries=3))
    document = json.loads(json.dumps(layer_entries_response(chart, entries)))
    return document["data"]  # type: ignore[no-any-return]


@heavy
@given(exported_entries())
def test_valid_entries_take_the_fast_path_and_equal_the_model_path(raws: list[Any]) -> None:
    for raw in raws:
        fast, fast_book = fast_path(raw)
        slow, slow_book = model_path(raw)
        assert fast is not None
        assert fast == slow
        assert fast_book.accounts == slow_book.accounts


# How often the fast path answered for a mutated entry, and how often it declined.
OUTCOMES: Counter[str] = Counter()


@heavy
@given(exported_entries().filter(bool), st.data())
def _mutated_entries_agree(raws: list[Any], data: st.DataObject) -> None:
    raw = copy.deepcopy(data.draw(st.sampled_from(raws)))
    target = data.draw(st.sampled_from(paths(raw)[1:]))
    parent = raw
    for step in target[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[target[-1]]
    else:
        parent[target[-1]] = data.draw(json_scalars | st.just({}) | st.just([]))
    fast, fast_book = fast_path(raw)
    slow, slow_book = model_path(raw)
    if fast is None:
        OUTCOMES["declined"] += 1
        return
    OUTCOMES["accepted"] += 1
    assert fast == slow
    assert fast_book.accounts == slow_book.accounts


def test_a_mutated_entry_is_never_accepted_by_the_fast_path_alone() -> None:
    OUTCOMES.clear()
    _mutated_entries_agree()
    # A comparison that never ran proves nothing: the mutations must leave some entries
    # the fast path still accepts (a changed description, a tag) and refuse others.
    assert OUTCOMES["accepted"] > 0, OUTCOMES
    assert OUTCOMES["declined"] > 0, OUTCOMES
