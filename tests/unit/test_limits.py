"""The limits of what a ledger holds (domain/limits.py): text, instants, amounts, filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from ledgercore.domain import (
    USD,
    Account,
    AccountType,
    Counterparty,
    CounterpartyKind,
    Direction,
    EndSemantics,
    EntryFilter,
    JournalEntry,
    LedgerError,
    LineItem,
    Period,
    parse_minor,
)
from ledgercore.domain.limits import MAX_ID_LENGTH, storable, text_problem

AT = datetime(2024, 1, 1, tzinfo=UTC)


def _lines() -> tuple[LineItem, LineItem]:
    return (LineItem("a", USD, 5, Direction.DEBIT), LineItem("b", USD, 5, Direction.CREDIT))


@pytest.mark.parametrize(("text", "limit", "ok"), [
    ("plain", 200, True), ("é" * 200, 200, True), ("\U0001f3e0", None, True),
    ("x" * 201, 200, False), ("a\x00b", None, False), ("\ud800", None, False),
    ("ok \udfff", None, False), ("", 0, True),
])
def test_text_a_store_keeps(text: str, limit: int | None, ok: bool) -> None:
    assert storable(text, limit) is ok
    assert (text_problem(text, limit) is None) is ok


@pytest.mark.parametrize("field", ["id", "description", "entry_type", "reversal_of_id",
                                   "tags", "counterparty"])
@pytest.mark.parametrize("bad", ["\ud800", "a\x00", "x" * (MAX_ID_LENGTH + 1)])
def test_an_entry_refuses_text_no_store_keeps(field: str, bad: str) -> None:
    fields: dict[str, object] = {"id": "e1"}
    if field == "tags":
        fields["tags"] = ((bad, "v"),)
    elif field == "counterparty":
        fields["counterparty"] = Counterparty(CounterpartyKind.CUSTOMER, bad)
    else:
        fields[field] = bad
    if field == "description" and len(bad) > MAX_ID_LENGTH:
        JournalEntry(entry_at=AT, line_items=_lines(), **fields)  # type: ignore[arg-type]
        return  # a description is unbounded text
    with pytest.raises(LedgerError) as caught:
        JournalEntry(entry_at=AT, line_items=_lines(), **fields)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_entry"


@pytest.mark.parametrize("bad", ["\ud800", "a\x00", "x" * (MAX_ID_LENGTH + 1)])
def test_an_account_and_a_line_refuse_text_no_store_keeps(bad: str) -> None:
    with pytest.raises(LedgerError) as caught:
        Account(bad, "name", AccountType.ASSET)
    assert caught.value.code == "invalid_account"
    with pytest.raises(LedgerError) as caught:
        LineItem(bad, USD, 1, Direction.DEBIT)
    assert caught.value.code == "invalid_entry"


def test_an_instant_utc_cannot_hold_is_refused() -> None:
    far = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=14)))
    early = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    for instant in (far, early):
        with pytest.raises(LedgerError) as caught:
            JournalEntry("e", instant, _lines())
        assert (caught.value.code, caught.value.path) == ("invalid_date", "$.entry_at")
        with pytest.raises(LedgerError):
            Period.of(instant)
    with pytest.raises(LedgerError) as caught:
        Period.of(None, date(9999, 12, 31), end_semantics=EndSemantics.INCLUSIVE)
    assert (caught.value.code, caught.value.path) == ("invalid_date", "$.end")
    last = datetime.max.replace(tzinfo=UTC)
    with pytest.raises(LedgerError):
        Period.of(None, last, end_semantics=EndSemantics.INCLUSIVE)
    assert Period.of(None, last).end == last
    assert Period.of(None, date(9999, 12, 30), end_semantics=EndSemantics.INCLUSIVE).end


def test_amount_text_past_64_characters_is_refused_before_conversion() -> None:
    with pytest.raises(LedgerError) as caught:
        parse_minor("9" * (50 << 20), 2)
    assert caught.value.code == "invalid_amount"
    assert len(caught.value.message) < 300


def test_a_filter_no_entry_could_match_is_refused() -> None:
    for fields in ({"tags": {"k": frozenset({"\ud800"})}}, {"customer_id": "a\x00"},
                   {"without_tags": {"\udfff": frozenset({"v"})}}, {"vendor_id": "\ud800"}):
        with pytest.raises(LedgerError) as caught:
            EntryFilter(**fields)
        assert caught.value.code == "invalid_filter"
