"""Properties of the chart of accounts: hierarchy validation and the normality convention."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgercore.domain import (
    Account,
    AccountType,
    ChartOfAccounts,
    Direction,
    LedgerError,
)
from tests.property.strategies import MAX_DEPTH, account_lists, amounts, charts, contra


@given(accounts=account_lists())
def test_random_forests_validate_and_cover_every_account_type(accounts: list[Account]) -> None:
    chart = ChartOfAccounts(accounts)
    assert len(chart) == len(accounts)
    assert {a.type for a in chart} == set(AccountType)
    for account in accounts:
        assert chart.get(account.id) == account
        assert len(chart.ancestors(account.id)) < MAX_DEPTH
        if account.stable_name is not None:
            assert chart.by_stable_name(account.stable_name) == account


@given(chart=charts())
def test_ancestors_and_descendants_mirror_each_other(chart: ChartOfAccounts) -> None:
    ids = [a.id for a in chart]
    for x in ids:
        ancestors = chart.ancestors(x)
        descendants = chart.descendants(x)
        assert x not in ancestors and x not in descendants
        assert len(set(descendants)) == len(descendants)
        for y in ids:
            assert (x in chart.descendants(y)) == (y in ancestors)
        # Parent first, root last; the root has no parent.
        parent = chart.get(x).parent_id
        assert ancestors[:1] == ((parent,) if parent else ())
        if ancestors:
            assert chart.get(ancestors[-1]).parent_id is None
            assert ancestors[-1] in chart.roots()
        assert set(chart.subtree(x)) == {x, *descendants}
        assert set(chart.children(x)) == {a.id for a in chart if a.parent_id == x}


@given(chart=charts())
def test_the_roots_subtrees_partition_the_chart(chart: ChartOfAccounts) -> None:
    seen: list[str] = []
    for root in chart.roots():
        seen.extend(chart.subtree(root))
    assert sorted(seen) == sorted(a.id for a in chart)


@given(accounts=account_lists(), data=st.data())
def test_an_injected_cycle_is_refused(accounts: list[Account], data: st.DataObject) -> None:
    chart = ChartOfAccounts(accounts)
    # Re-parent a node under one of its descendants: that closes a loop. A leaf instead
    # swaps parenthood with some other account: a loop of two.
    node = data.draw(st.sampled_from(accounts))
    below = chart.descendants(node.id)
    if below:
        target = data.draw(st.sampled_from(below))
        loop = set(chart.subtree(node.id))
        changes = {node.id: target}
    else:
        target = data.draw(st.sampled_from([a.id for a in accounts if a.id != node.id]))
        loop = {node.id, target}
        changes = {node.id: target, target: node.id}
    broken = [dataclasses.replace(a, parent_id=changes[a.id]) if a.id in changes else a
              for a in data.draw(st.permutations(accounts))]
    with pytest.raises(LedgerError) as caught:
        ChartOfAccounts(broken)
    assert caught.value.code == "invalid_account"
    assert caught.value.account_id in loop


@given(accounts=account_lists(), data=st.data())
def test_a_duplicate_id_is_refused(accounts: list[Account], data: st.DataObject) -> None:
    original = data.draw(st.sampled_from(accounts))
    twin = Account(original.id, "Another name", AccountType.EXPENSE)
    position = data.draw(st.integers(0, len(accounts)))
    with pytest.raises(LedgerError) as caught:
        ChartOfAccounts([*accounts[:position], twin, *accounts[position:]])
    assert caught.value.code == "invalid_account"
    assert caught.value.account_id == original.id


@given(accounts=account_lists(), data=st.data())
def test_a_duplicate_stable_name_is_refused(accounts: list[Account],
                                            data: st.DataObject) -> None:
    named = [a for a in accounts if a.stable_name is not None]
    taken = data.draw(st.sampled_from(named)) if named else None
    stable_name = taken.stable_name if taken else "shared_name"
    first = [] if taken else [Account("first-holder", "First", AccountType.ASSET,
                                      stable_name=stable_name)]
    copycat = Account("copycat", "Copycat", AccountType.REVENUE, stable_name=stable_name)
    with pytest.raises(LedgerError) as caught:
        ChartOfAccounts([*accounts, *first, copycat])
    assert caught.value.code == "invalid_account"
    assert caught.value.account_id == "copycat"


@given(accounts=account_lists(), data=st.data())
def test_an_unknown_parent_is_refused(accounts: list[Account], data: st.DataObject) -> None:
    orphan = Account("orphan", "Orphan", data.draw(st.sampled_from(AccountType)),
                     parent_id="no-such-parent")
    with pytest.raises(LedgerError) as caught:
        ChartOfAccounts([*accounts, orphan])
    assert caught.value.code == "unknown_account"
    assert caught.value.account_id == "no-such-parent"


@given(chart=charts(), direction=st.sampled_from(Direction), amount=amounts())
def test_a_line_raises_the_balance_exactly_when_its_direction_is_the_normality(
        chart: ChartOfAccounts, direction: Direction, amount: int) -> None:
    for account in chart:
        effect = account.effect(direction, amount)
        assert effect == (amount if direction is account.normality else -amount)
        assert account.effect(direction.opposite, amount) == -effect
        # The convention from DESIGN.md: defaults by type, explicit normality wins.
        expected = (Direction.DEBIT if account.type in
                    (AccountType.ASSET, AccountType.EXPENSE, AccountType.COGS)
                    else Direction.CREDIT)
        assert account.normal is (expected.opposite if contra(account) else expected)


@given(type_=st.sampled_from(AccountType), normality=st.sampled_from(Direction),
       direction=st.sampled_from(Direction), amount=amounts())
def test_string_fields_behave_exactly_like_the_enums(
        type_: AccountType, normality: Direction, direction: Direction, amount: int) -> None:
    from_enums = Account("a", "A", type_, normality=normality)
    from_strings = Account("a", "A", type_.value, normality=normality.value)  # type: ignore[arg-type]
    assert from_strings == from_enums
    assert from_strings.effect(direction, amount) == from_enums.effect(direction, amount)


@given(chart=charts(), data=st.data())
def test_adding_a_child_keeps_the_chart_valid_and_extends_the_ancestry(
        chart: ChartOfAccounts, data: st.DataObject) -> None:
    parent = data.draw(st.sampled_from(list(chart)))
    child = Account("new-child", "New child", parent.type, parent_id=parent.id)
    grown = chart.with_accounts([child])
    assert len(grown) == len(chart) + 1
    assert grown.ancestors(child.id) == (parent.id, *chart.ancestors(parent.id))
    for ancestor in grown.ancestors(child.id):
        assert child.id in grown.descendants(ancestor)
    assert "new-child" not in chart
