"""The Layer fast path's shortcuts keep every check: prechecked construction equals the
validating constructors, and a warm account cache decides exactly as the model path.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from ledgercore.domain import JournalEntry, LedgerError, LineItem
from ledgercore.domain.entries import normalize_tags, prechecked_entry, prechecked_line
from ledgercore.providers import layer_entries_response
from ledgercore.providers.layer_accounts import AccountBook
from ledgercore.providers.layer_entries import entry_from_model
from ledgercore.providers.layer_fast import FastEntries
from ledgercore.providers.layer_models import LedgerEntry
from tests.providers.strategies import charts, heavy, journal_entry, json_scalars, ledgers


@given(st.data())
def test_prechecked_construction_equals_the_validating_constructors(
        data: st.DataObject) -> None:
    chart = data.draw(charts())
    entry = data.draw(journal_entry(chart, "e-1"))
    lines = tuple(prechecked_line(i.account_id, i.commodity, i.amount, i.direction, i.id)
                  for i in entry.line_items)
    assert lines == entry.line_items
    assert all(type(a) is LineItem for a in lines)
    assert lines == tuple(LineItem(i.account_id, i.commodity, i.amount, i.direction, i.id)
                          for i in entry.line_items)
    assert entry.created_at is not None
    built = prechecked_entry(entry.id, entry.entry_at, entry.created_at, lines,
                             entry.entry_type, entry.description, entry.counterparty,
                             normalize_tags(entry.tags), entry.reversal_of_id,
                             entry.reversal_id)
    assert type(built) is JournalEntry
    assert built == entry
    assert hash(built) == hash(entry)


def _exported(chart: Any, entries: Any) -> list[Any]:
    document = json.loads(json.dumps(layer_entries_response(chart, entries)))
    return document["data"]  # type: ignore[no-any-return]


def _model_path(raws: list[Any]) -> list[JournalEntry | None]:
    book = AccountBook()
    out: list[JournalEntry | None] = []
    for raw in raws:
        try:
            out.append(entry_from_model(LedgerEntry.model_validate(raw), book))
        except (ValidationError, LedgerError):
            out.append(None)
    return out


def _fast_then_model(raws: list[Any]) -> list[JournalEntry | None]:
    """As the importer: the fast path first (one warm cache), the model path on doubt."""
    book = AccountBook()
    fast = FastEntries(book)
    out: list[JournalEntry | None] = []
    for raw in raws:
        entry = fast.entry(raw)
        if entry is None:
            try:
                entry = entry_from_model(LedgerEntry.model_validate(raw), book)
            except (ValidationError, LedgerError):
                entry = None
        out.append(entry)
    return out


_ACCOUNT_FIELDS = ("name", "stable_name", "normality", "account_type", "account_subtype",
                   "account_number")


@heavy
@given(ledgers(max_entries=4).filter(lambda ledger: bool(ledger[1])), st.data())
def test_a_warm_account_cache_decides_as_the_model_path(ledger: Any,
                                                        data: st.DataObject) -> None:
    raws = _exported(*ledger)
    if data.draw(st.booleans()):  # account ids as plain strings, as some payloads have
        for raw in raws:
            for line in raw["line_items"]:
                line["account"]["id"] = line["account"]["id"]["id"]
    # Later entries describe an account seen before, differently: same id, one field
    # changed (a new value, a non-string, or gone). The cache must not answer for them.
    for _ in range(data.draw(st.integers(1, 4))):
        raw = copy.deepcopy(data.draw(st.sampled_from(raws)))
        account = raw["line_items"][data.draw(
            st.integers(0, len(raw["line_items"]) - 1))]["account"]
        field = data.draw(st.sampled_from(_ACCOUNT_FIELDS))
        if data.draw(st.booleans()):
            account.pop(field, None)
        elif isinstance(account.get(field), dict):
            inner = account[field]
            key = data.draw(st.sampled_from(sorted(inner)))
            inner[key] = data.draw(json_scalars | st.sampled_from(["DEBIT", "ASSET", "X"]))
        else:
            account[field] = data.draw(json_scalars | st.sampled_from(
                ["DEBIT", "CREDIT", "Renamed", "OTHER_STABLE"]))
        raw["id"] = f"{raw['id']}-again-{len(raws)}"
        raws.append(raw)
    assert _fast_then_model(raws) == _model_path(raws)


def test_an_unbalanced_or_short_entry_is_left_to_the_model_path() -> None:
    chart_entries = _exported(*_one_ledger())
    raw = copy.deepcopy(chart_entries[0])
    raw["line_items"][0]["amount"] += 1
    assert FastEntries(AccountBook()).entry(raw) is None
    short = copy.deepcopy(chart_entries[0])
    short["line_items"] = short["line_items"][:1]
    assert FastEntries(AccountBook()).entry(short) is None
    assert FastEntries(AccountBook()).entry(chart_entries[0]) == _model_path(
        [chart_entries[0]])[0]


def _one_ledger() -> Any:
    from datetime import UTC, datetime

    from ledgercore.domain import USD, Account, AccountType, ChartOfAccounts, Direction

    chart = ChartOfAccounts([Account("cash", "Cash", AccountType.ASSET),
                             Account("sales", "Sales", AccountType.REVENUE)])
    entry = JournalEntry("e1", datetime(2024, 3, 1, tzinfo=UTC), (
        LineItem("cash", USD, 500, Direction.DEBIT),
        LineItem("sales", USD, 500, Direction.CREDIT)), tags=(("k", "b"), ("k", "a")))
    return chart, (entry,)
