"""Properties of balances: the reference computation every store must reproduce."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ledgercore.domain import (
    AccountType,
    ChartOfAccounts,
    Direction,
    EndSemantics,
    EntryFilter,
    InvalidPeriod,
    JournalEntry,
    Period,
    balances,
    trial_balance,
)
from tests.property.strategies import (
    PeriodSpec,
    add,
    days,
    endings,
    entry_filters,
    ledgers,
    nonzero,
    own_effects,
    period_specs,
    pick,
)

Ledger = tuple[ChartOfAccounts, list[JournalEntry]]


def utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def effective_before(entries: list[JournalEntry], bound: datetime | None) -> list[JournalEntry]:
    return [e for e in entries if bound is None or utc(e.entry_at) < utc(bound)]


@given(ledger=ledgers(), spec=period_specs())
def test_balances_equal_the_naive_sum_of_line_effects(ledger: Ledger, spec: PeriodSpec) -> None:
    chart, entries = ledger
    period = spec.build()
    figures = balances(chart, entries, period)
    starting = own_effects(chart, effective_before(entries, period.start)) \
        if period.start is not None else {}
    ending = own_effects(chart, effective_before(entries, period.end))
    assert {k: b.starting for k, b in nonzero(figures).items() if b.starting} == starting
    assert endings(figures) == ending


@given(ledger=ledgers(), spec=period_specs())
def test_debit_signed_balances_sum_to_zero_per_commodity(ledger: Ledger,
                                                         spec: PeriodSpec) -> None:
    chart, entries = ledger
    figures = balances(chart, entries, spec.build())
    for column in ("starting", "ending"):
        total: dict[str, int] = defaultdict(int)
        for account_id, by_code in figures.items():
            sign = 1 if chart.get(account_id).normal is Direction.DEBIT else -1
            for code, balance in by_code.items():
                total[code] += sign * getattr(balance, column)
        assert set(total.values()) <= {0}


@given(ledger=ledgers(), spec=period_specs(), entry_filter=entry_filters())
def test_the_trial_balance_balances_and_matches_the_ending_balances(
        ledger: Ledger, spec: PeriodSpec, entry_filter: EntryFilter) -> None:
    chart, entries = ledger
    period = spec.build()
    trial = trial_balance(chart, entries, period, entry_filter)
    assert trial.is_balanced()
    debits_minus_credits = {(r.account_id, r.commodity): r.debit - r.credit for r in trial.rows}
    assert all((r.debit == 0) != (r.credit == 0) for r in trial.rows)
    expected = {}
    for (account_id, code), ending in endings(
            balances(chart, entries, period, entry_filter)).items():
        normal_debit = chart.get(account_id).normal is Direction.DEBIT
        expected[(account_id, code)] = ending if normal_debit else -ending
    assert debits_minus_credits == expected


@given(ledger=ledgers(), spec=period_specs())
def test_the_accounting_equation_holds_per_commodity(ledger: Ledger, spec: PeriodSpec) -> None:
    chart, entries = ledger
    by_type: dict[tuple[AccountType, str], int] = defaultdict(int)
    for (account_id, code), ending in endings(balances(chart, entries, spec.build())).items():
        account = chart.get(account_id)
        # A contra account's normal-sign figure counts against its type (accumulated
        # depreciation reduces assets): convert to the type's default sign.
        sign = 1 if account.normal is account.type.default_normality else -1
        by_type[(account.type, code)] += sign * ending
    for code in {code for _, code in by_type}:
        def total(type_: AccountType, code: str = code) -> int:
            return by_type.get((type_, code), 0)
        assert total(AccountType.ASSET) == (
            total(AccountType.LIABILITY) + total(AccountType.EQUITY)
            + total(AccountType.REVENUE) - total(AccountType.COGS) - total(AccountType.EXPENSE))


@given(ledger=ledgers(), data=st.data())
def test_activity_is_additive_over_adjacent_periods(ledger: Ledger, data: st.DataObject) -> None:
    chart, entries = ledger
    times = [e.entry_at for e in entries]
    a, b, c = sorted((data.draw(pick(times)) for _ in range(3)), key=utc)
    a_open, c_open = data.draw(st.booleans()), data.draw(st.booleans())
    first = Period(None if a_open else a, b)
    second = Period(b, None if c_open else c)
    whole = Period(first.start, second.end)

    def activity(period: Period) -> dict[tuple[str, str], int]:
        return {k: v.activity for k, v in nonzero(balances(chart, entries, period)).items()
                if v.activity}

    combined: dict[tuple[str, str], int] = defaultdict(int)
    for part in (first, second):
        for key, amount in activity(part).items():
            combined[key] += amount
    assert activity(whole) == {k: v for k, v in combined.items() if v}


@given(ledger=ledgers(), spec=period_specs())
def test_starting_is_everything_before_and_ending_everything_by_the_end(
        ledger: Ledger, spec: PeriodSpec) -> None:
    chart, entries = ledger
    period = spec.build()
    figures = nonzero(balances(chart, entries, period))
    before = endings(balances(chart, entries, Period(None, period.start))) \
        if period.start is not None else {}
    by_end = endings(balances(chart, entries, Period(None, period.end)))
    assert {k: b.starting for k, b in figures.items() if b.starting} == before
    assert {k: b.ending for k, b in figures.items() if b.ending} == by_end
    for balance in figures.values():
        assert balance.starting + balance.activity == balance.ending


@given(ledger=ledgers(min_size=1), data=st.data())
def test_an_inclusive_end_adds_exactly_the_entries_at_that_instant(
        ledger: Ledger, data: st.DataObject) -> None:
    chart, entries = ledger
    moment = data.draw(st.sampled_from([e.entry_at for e in entries]))
    inclusive = balances(chart, entries,
                         Period.of(end=moment, end_semantics=EndSemantics.INCLUSIVE))
    exclusive = balances(chart, entries, Period.of(end=moment))
    at_moment = own_effects(chart, [e for e in entries if utc(e.entry_at) == utc(moment)])
    difference = add(inclusive, {a: {c: -b for c, b in by.items()}
                                 for a, by in exclusive.items()})
    assert {k: b.ending for k, b in difference.items() if b.ending} == at_moment


@given(ledger=ledgers(), day=days(), spec=period_specs())
def test_inclusive_date_end_balances_equal_exclusive_next_day(
        ledger: Ledger, day: date, spec: PeriodSpec) -> None:
    chart, entries = ledger
    start = spec.start
    try:
        inclusive = Period.of(start, day, end_semantics=EndSemantics.INCLUSIVE, tz=spec.tz)
    except InvalidPeriod:  # the drawn start is after the day: open it instead
        start = None
        inclusive = Period.of(start, day, end_semantics=EndSemantics.INCLUSIVE, tz=spec.tz)
    exclusive = Period.of(start, day + timedelta(days=1), tz=spec.tz)
    assert balances(chart, entries, inclusive) == balances(chart, entries, exclusive)
    # And what counts is decided by the entry's local day in the ledger's timezone.
    local = PeriodSpec(start, day, EndSemantics.INCLUSIVE, spec.tz)
    counted = [e for e in entries if utc(e.entry_at) < utc(inclusive.end)]  # type: ignore[arg-type]
    assert counted == [e for e in entries if local.local_day(e.entry_at) <= day]


@given(ledger=ledgers(), data=st.data())
def test_shuffling_the_journal_changes_no_balance(ledger: Ledger, data: st.DataObject) -> None:
    chart, entries = ledger
    spec = data.draw(period_specs())
    shuffled = data.draw(st.permutations(entries))
    period = spec.build()
    assert nonzero(balances(chart, shuffled, period)) == nonzero(
        balances(chart, entries, period))
    assert trial_balance(chart, shuffled, period) == trial_balance(chart, entries, period)


@given(ledger=ledgers(), spec=period_specs())
def test_reversed_pairs_net_to_zero_in_any_period_that_holds_both(
        ledger: Ledger, spec: PeriodSpec) -> None:
    chart, entries = ledger
    period = spec.build()
    unreversed = [e for e in entries if e.reversal_id is None and e.reversal_of_id is None]
    by_id = {e.id: e for e in entries}
    # A pair counts only if both halves fall on the same side of each bound.
    for reversal in (e for e in entries if e.reversal_of_id is not None):
        original = by_id[reversal.reversal_of_id]  # type: ignore[index]
        if period.before_start(original.entry_at) != period.before_start(reversal.entry_at) \
                or period.by_end(original.entry_at) != period.by_end(reversal.entry_at):
            unreversed += [original, reversal]
    assert add(balances(chart, entries, period)) == add(balances(chart, unreversed, period))


@given(ledger=ledgers(), spec=period_specs())
def test_commodities_never_mix(ledger: Ledger, spec: PeriodSpec) -> None:
    chart, entries = ledger
    period = spec.build()
    full = nonzero(balances(chart, entries, period))
    for code in {i.commodity.code for e in entries for i in e.line_items}:
        # Each entry balances per commodity, so its lines in one commodity alone are an
        # entry too: the figures in that commodity must not depend on the others.
        projected = [dataclasses.replace(e, line_items=tuple(
            i for i in e.line_items if i.commodity.code == code)) for e in entries
            if any(i.commodity.code == code for i in e.line_items)]
        alone = nonzero(balances(chart, projected, period))
        assert alone == {k: v for k, v in full.items() if k[1] == code}
