"""Properties of journal entries: the double-entry invariant and exact reversals."""

from __future__ import annotations

import dataclasses
import pickle
from collections import Counter, defaultdict

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ledgercore.domain import (
    ChartOfAccounts,
    Direction,
    JournalEntry,
    LedgerError,
    LineItem,
    balances,
    normalize_tags,
)
from tests.property.strategies import (
    charts,
    instants,
    journal_entries,
    own_effects,
    tags,
)


def debit_signed_totals(entry: JournalEntry) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for item in entry.line_items:
        totals[item.commodity.code] += item.amount if item.direction is Direction.DEBIT \
            else -item.amount
    return dict(totals)


@st.composite
def charted_entries(draw: st.DrawFn) -> tuple[ChartOfAccounts, JournalEntry]:
    chart = draw(charts())
    return chart, draw(journal_entries(chart))


@given(charted=charted_entries())
def test_every_valid_entry_balances_per_commodity(
        charted: tuple[ChartOfAccounts, JournalEntry]) -> None:
    chart, entry = charted
    assert all(total == 0 for total in debit_signed_totals(entry).values())
    assert set(entry.residuals().values()) == {0}
    assert 2 <= len(entry.line_items) <= 4
    for code in debit_signed_totals(entry):
        sides = {i.direction for i in entry.line_items if i.commodity.code == code}
        assert sides == {Direction.DEBIT, Direction.CREDIT}
    entry.check_accounts(chart)


@given(charted=charted_entries(), data=st.data())
def test_perturbing_one_amount_is_refused_with_the_perturbation_as_residual(
        charted: tuple[ChartOfAccounts, JournalEntry], data: st.DataObject) -> None:
    _, entry = charted
    index = data.draw(st.integers(0, len(entry.line_items) - 1))
    item = entry.line_items[index]
    delta = data.draw(st.integers(1 - item.amount, 10**9).filter(lambda d: d != 0))
    items = list(entry.line_items)
    items[index] = dataclasses.replace(item, amount=item.amount + delta)
    with pytest.raises(LedgerError) as caught:
        dataclasses.replace(entry, line_items=tuple(items))
    error = caught.value
    assert error.code == "unbalanced_entry"
    assert error.commodity == item.commodity.code
    assert error.entry_id == entry.id
    assert error.residual == (delta if item.direction is Direction.DEBIT else -delta)
    assert error.path == "$.line_items"


@given(charted=charted_entries(), data=st.data())
def test_dropping_a_line_or_flipping_one_direction_is_refused(
        charted: tuple[ChartOfAccounts, JournalEntry], data: st.DataObject) -> None:
    _, entry = charted
    index = data.draw(st.integers(0, len(entry.line_items) - 1))
    item = entry.line_items[index]
    flipped = dataclasses.replace(item, direction=item.direction.opposite)
    for items in (entry.line_items[:index] + entry.line_items[index + 1:],
                  (*entry.line_items[:index], flipped, *entry.line_items[index + 1:])):
        with pytest.raises(LedgerError) as caught:
            dataclasses.replace(entry, line_items=items)
        assert caught.value.code in ("unbalanced_entry", "invalid_entry")
        if len(items) >= 2:
            assert caught.value.code == "unbalanced_entry"


@given(charted=charted_entries(), reversal_at=st.one_of(st.none(), instants()))
def test_a_reversal_mirrors_every_line_and_links_both_ways(
        charted: tuple[ChartOfAccounts, JournalEntry], reversal_at: object) -> None:
    _, entry = charted
    original, reversal = entry.reverse("rev-1", entry_at=reversal_at)  # type: ignore[arg-type]
    assert original.reversal_id == "rev-1" and reversal.reversal_of_id == entry.id
    assert dataclasses.replace(original, reversal_id=None) == entry
    assert reversal.reversal_id is None
    assert reversal.entry_at == (reversal_at or entry.entry_at)
    assert [(i.account_id, i.commodity, i.amount, i.direction.opposite)
            for i in entry.line_items] == [
        (i.account_id, i.commodity, i.amount, i.direction) for i in reversal.line_items]
    assert (reversal.tags, reversal.counterparty) == (entry.tags, entry.counterparty)


@given(charted=charted_entries())
def test_an_entry_and_its_reversal_net_to_zero_on_every_account(
        charted: tuple[ChartOfAccounts, JournalEntry]) -> None:
    chart, entry = charted
    original, reversal = entry.reverse("rev-1")
    assert own_effects(chart, [original, reversal]) == {}
    figures = balances(chart, [original, reversal])
    assert all(b.is_zero() for by_code in figures.values() for b in by_code.values())
    assert figures.keys() == entry.account_ids


@given(charted=charted_entries())
def test_reversing_twice_is_refused(charted: tuple[ChartOfAccounts, JournalEntry]) -> None:
    _, entry = charted
    original, _ = entry.reverse("rev-1")
    with pytest.raises(LedgerError) as caught:
        original.reverse("rev-2")
    assert caught.value.code == "already_reversed"
    assert caught.value.entry_id == entry.id


@given(charted=charted_entries(), data=st.data())
def test_an_entry_naming_an_account_outside_the_chart_is_refused_at_its_line(
        charted: tuple[ChartOfAccounts, JournalEntry], data: st.DataObject) -> None:
    chart, entry = charted
    index = data.draw(st.integers(0, len(entry.line_items) - 1))
    items = list(entry.line_items)
    items[index] = dataclasses.replace(items[index], account_id="ghost")
    stray = dataclasses.replace(entry, line_items=tuple(items))
    with pytest.raises(LedgerError) as caught:
        stray.check_accounts(chart)
    assert caught.value.code == "unknown_account"
    assert caught.value.account_id == "ghost"
    assert caught.value.path == f"$.line_items[{index}].account"
    with pytest.raises(LedgerError) as caught:
        balances(chart, [stray])
    assert caught.value.code == "unknown_account"


@given(charted=charted_entries(), data=st.data())
def test_line_order_does_not_matter(charted: tuple[ChartOfAccounts, JournalEntry],
                                    data: st.DataObject) -> None:
    chart, entry = charted
    shuffled = dataclasses.replace(
        entry, line_items=tuple(data.draw(st.permutations(entry.line_items))))
    assert shuffled.residuals() == entry.residuals()
    assert balances(chart, [shuffled]) == balances(chart, [entry])


@given(raw=tags(), data=st.data())
def test_tags_normalise_to_sorted_unique_pairs(raw: dict[str, frozenset[str]],
                                               data: st.DataObject) -> None:
    pairs = [(k, v) for k, values in raw.items() for v in values]
    assume(pairs or not raw)
    doubled = data.draw(st.permutations(pairs + pairs))
    normal = normalize_tags(raw)
    assert normal == normalize_tags(doubled) == tuple(sorted(set(pairs)))
    assert normalize_tags(normal) == normal
    assert not [p for p, n in Counter(normal).items() if n > 1]


@given(charted=charted_entries())
def test_reversing_the_reversal_restores_the_original_movement(
        charted: tuple[ChartOfAccounts, JournalEntry]) -> None:
    chart, entry = charted
    _, reversal = entry.reverse("rev-1")
    reversal, again = reversal.reverse("rev-2")
    assert reversal.reversal_id == "rev-2" and again.reversal_of_id == "rev-1"
    assert own_effects(chart, [again]) == own_effects(chart, [entry])
    assert own_effects(chart, [entry, reversal, again]) == own_effects(chart, [entry])


@given(charted=charted_entries())
def test_an_entry_pickles_to_an_equal_entry(
        charted: tuple[ChartOfAccounts, JournalEntry]) -> None:
    # Entries cross a process boundary when a reader process parses a big import.
    _, entry = charted
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        copy = pickle.loads(pickle.dumps(entry, protocol=protocol))
        assert copy == entry and hash(copy) == hash(entry)
        assert [type(item) for item in copy.line_items] == [LineItem] * len(entry.line_items)
