"""Properties of reports built on balances: statements, roll-ups and entry filters."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ledgercore.domain import (
    Balance,
    ChartOfAccounts,
    CounterpartyKind,
    EntryFilter,
    JournalEntry,
    Period,
    balances,
    roll_up,
    statement,
    statement_order,
)
from tests.property.strategies import (
    CUSTOMERS,
    TAG_KEYS,
    TAG_VALUES,
    VENDORS,
    PeriodSpec,
    add,
    entry_filters,
    ledgers,
    nonzero,
    period_specs,
    pick,
)

Ledger = tuple[ChartOfAccounts, list[JournalEntry]]


def utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


# --- statements -------------------------------------------------------------------------


@given(ledger=ledgers(), spec=period_specs(), entry_filter=entry_filters(), data=st.data())
def test_a_statement_runs_from_the_starting_to_the_ending_balance(
        ledger: Ledger, spec: PeriodSpec, entry_filter: EntryFilter, data: st.DataObject) -> None:
    chart, entries = ledger
    account_id = data.draw(st.sampled_from([a.id for a in chart]))
    period = spec.build()
    sheet = statement(chart, entries, account_id, period, entry_filter)
    figures = balances(chart, entries, period, entry_filter).get(account_id, {})
    assert {c: b.starting for c, b in figures.items()} == dict(sheet.starting)
    assert {c: b.ending for c, b in figures.items()} == dict(sheet.ending)
    running = dict(sheet.starting)
    for line in sheet.lines:
        running[line.commodity] = running.get(line.commodity, 0) + line.amount
        assert line.balance == running[line.commodity]
        assert period.contains(line.entry_at)
    # The last running balance of each commodity is the ending balance.
    last = {line.commodity: line.balance for line in sheet.lines}
    assert all(sheet.ending[code] == balance for code, balance in last.items())
    assert running == dict(sheet.ending)


@given(ledger=ledgers(), spec=period_specs())
def test_statement_lines_are_in_effective_then_recorded_order_and_cover_the_period(
        ledger: Ledger, spec: PeriodSpec) -> None:
    chart, entries = ledger
    period = spec.build()
    for account in chart:
        sheet = statement(chart, entries, account.id, period)
        by_id = {e.id: e for e in entries}
        keys = [statement_order(by_id[line.entry_id]) for line in sheet.lines]
        assert keys == sorted(keys)
        assert [k[0] for k in keys] == sorted(utc(k[0]) for k in keys)
        expected = sorted(
            (e.id, i.commodity.code) for e in entries if period.contains(e.entry_at)
            for i in e.line_items if i.account_id == account.id)
        assert sorted((line.entry_id, line.commodity) for line in sheet.lines) == expected


# --- roll-up ----------------------------------------------------------------------------


@given(ledger=ledgers(), spec=period_specs())
def test_a_parent_total_is_its_own_plus_its_childrens_totals_in_its_sign(
        ledger: Ledger, spec: PeriodSpec) -> None:
    chart, entries = ledger
    own = balances(chart, entries, spec.build())
    rolled = roll_up(chart, own)
    assert rolled.keys() == {a.id for a in chart}
    for account in chart:
        expected: dict[str, Balance] = defaultdict(Balance)
        for code, balance in own.get(account.id, {}).items():
            expected[code] += balance
        for child_id in chart.children(account.id):
            same = chart.get(child_id).normal is account.normal
            for code, balance in rolled[child_id].total.items():
                expected[code] += balance if same else -balance
        assert {c: b for c, b in rolled[account.id].total.items() if not b.is_zero()} == {
            c: b for c, b in expected.items() if not b.is_zero()}
        assert dict(rolled[account.id].own) == own.get(account.id, {})


@given(ledger=ledgers(), spec=period_specs())
def test_a_total_is_the_sum_of_its_subtree_in_its_own_normal_sign(
        ledger: Ledger, spec: PeriodSpec) -> None:
    chart, entries = ledger
    period = spec.build()
    rolled = roll_up(chart, balances(chart, entries, period))
    for account in chart:
        subtree = set(chart.subtree(account.id))
        # Oracle straight from the line items: each line's effect in the node's sign.
        expected: dict[str, int] = defaultdict(int)
        for entry in entries:
            if not period.by_end(entry.entry_at):
                continue
            for item in entry.line_items:
                if item.account_id in subtree:
                    expected[item.commodity.code] += account.effect(item.direction, item.amount)
        assert {c: b.ending for c, b in rolled[account.id].total.items() if b.ending} == {
            c: v for c, v in expected.items() if v}


# --- filters ----------------------------------------------------------------------------


@given(ledger=ledgers(), spec=period_specs(), key=st.sampled_from(TAG_KEYS),
       values=st.frozensets(st.sampled_from(TAG_VALUES), min_size=1))
def test_with_a_tag_value_plus_without_it_is_everything(
        ledger: Ledger, spec: PeriodSpec, key: str, values: frozenset[str]) -> None:
    chart, entries = ledger
    period = spec.build()
    tagged = balances(chart, entries, period, EntryFilter(tags={key: values}))
    untagged = balances(chart, entries, period, EntryFilter(without_tags={key: values}))
    assert add(tagged, untagged) == add(balances(chart, entries, period))
    carrying = [e for e in entries if e.tag_values(key) & values]
    assert add(tagged) == add(balances(chart, carrying, period))


@given(ledger=ledgers(), spec=period_specs(), customer=st.sampled_from(CUSTOMERS),
       vendor=st.sampled_from(VENDORS))
def test_a_counterparty_filter_plus_everything_else_is_everything(
        ledger: Ledger, spec: PeriodSpec, customer: str, vendor: str) -> None:
    chart, entries = ledger
    period = spec.build()
    everything = add(balances(chart, entries, period))
    for kind, party, only in ((CounterpartyKind.CUSTOMER, customer,
                               EntryFilter(customer_id=customer)),
                              (CounterpartyKind.VENDOR, vendor, EntryFilter(vendor_id=vendor))):
        theirs = [e for e in entries if e.counterparty is not None
                  and (e.counterparty.kind, e.counterparty.id) == (kind, party)]
        rest = [e for e in entries if e not in theirs]
        filtered = balances(chart, entries, period, only)
        assert add(filtered) == add(balances(chart, theirs, period))
        assert add(filtered, balances(chart, rest, period)) == everything


@given(ledger=ledgers(), data=st.data())
def test_not_before_drops_exactly_the_entries_before_activation(
        ledger: Ledger, data: st.DataObject) -> None:
    chart, entries = ledger
    activation = data.draw(pick([e.entry_at for e in entries]))
    after = balances(chart, entries, entry_filter=EntryFilter(not_before=activation))
    before = balances(chart, entries, Period(end=activation))
    assert add(after, before) == add(balances(chart, entries))
    kept = [e for e in entries if utc(e.entry_at) >= utc(activation)]
    assert add(after) == add(balances(chart, kept))


@given(ledger=ledgers(), spec=period_specs(), entry_filter=entry_filters())
def test_any_filter_counts_exactly_the_entries_it_describes(
        ledger: Ledger, spec: PeriodSpec, entry_filter: EntryFilter) -> None:
    chart, entries = ledger

    def described(entry: JournalEntry) -> bool:  # EntryFilter's documented meaning
        party = entry.counterparty
        return (
            (entry_filter.not_before is None
             or utc(entry.entry_at) >= utc(entry_filter.not_before))
            and all(set(values) & {v for k, v in entry.tags if k == key}
                    for key, values in entry_filter.tags.items())
            and not any(set(values) & {v for k, v in entry.tags if k == key}
                        for key, values in entry_filter.without_tags.items())
            and (entry_filter.customer_id is None or (
                party is not None and party.kind == "CUSTOMER"
                and party.id == entry_filter.customer_id))
            and (entry_filter.vendor_id is None or (
                party is not None and party.kind == "VENDOR"
                and party.id == entry_filter.vendor_id)))

    period = spec.build()
    assert nonzero(balances(chart, entries, period, entry_filter)) == nonzero(
        balances(chart, [e for e in entries if described(e)], period))


@given(ledger=ledgers(), spec=period_specs(), data=st.data())
def test_asking_for_some_accounts_restricts_the_full_answer(
        ledger: Ledger, spec: PeriodSpec, data: st.DataObject) -> None:
    chart, entries = ledger
    wanted = data.draw(st.sets(st.sampled_from([a.id for a in chart])))
    period = spec.build()
    full = balances(chart, entries, period)
    assert balances(chart, entries, period, accounts=wanted) == {
        a: by for a, by in full.items() if a in wanted}
