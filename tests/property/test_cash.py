"""Properties of the cash basis on random ledgers (tests/property/cash_strategies.py)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ledgercore.domain import (
    Balances,
    ChartOfAccounts,
    Direction,
    EntryFilter,
    JournalEntry,
    LineItem,
    Period,
    balances,
    trial_balance,
)
from ledgercore.domain.cash import (
    OpenItem,
    apportion,
    cash_view,
    clearing_accounts,
    recognised_lines,
    settle,
)
from tests.property.cash_strategies import START, CashLedger, cash_ledgers

DR = Direction.DEBIT


def view_of(ledger: CashLedger, entries: tuple[JournalEntry, ...] | None = None
            ) -> tuple[JournalEntry, ...]:
    return cash_view(ledger.chart, ledger.entries if entries is None else entries,
                     clearing_subtypes=ledger.clearing_subtypes,
                     settlements=ledger.settlements)


def figures(chart: ChartOfAccounts, entries: tuple[JournalEntry, ...], period: Period,
            accounts: set[str], entry_filter: EntryFilter | None = None
            ) -> dict[tuple[str, str], tuple[int, int]]:
    found: Balances = balances(chart, entries, period, entry_filter or EntryFilter())
    return {(a, c): (b.starting, b.ending) for a, by in found.items() if a in accounts
            for c, b in by.items() if not b.is_zero()}


def instants() -> st.SearchStrategy[datetime]:
    return st.integers(-2, 130 * 2).map(lambda h: START + timedelta(hours=12 * h))


def _period(start: datetime | None, end: datetime | None) -> Period:
    if start is not None and end is not None and start > end:
        start, end = end, start
    return Period(start, end)


def periods() -> st.SearchStrategy[Period]:
    return st.builds(_period, st.none() | instants(), st.none() | instants())


def net_against(lines: tuple[LineItem, ...], side: Direction) -> int:
    return sum(-li.amount if li.direction is side else li.amount for li in lines)


@given(cash_ledgers())
def test_cash_view_balances_and_its_trial_balance_is_zero(ledger: CashLedger) -> None:
    view = view_of(ledger)
    for entry in view:
        assert all(value == 0 for value in entry.residuals().values())
        assert len(entry.line_items) >= 2
    assert trial_balance(ledger.chart, view).is_balanced()
    totals: dict[str, int] = defaultdict(int)
    for entry in view:
        for line in entry.line_items:
            totals[line.commodity.code] += line.debit_signed()
    assert all(v == 0 for v in totals.values())


@given(cash_ledgers(), periods())
def test_balance_sheet_accounts_read_the_same_in_both_bases(ledger: CashLedger,
                                                            period: Period) -> None:
    clearing = clearing_accounts(ledger.chart, ledger.clearing_subtypes)
    kept = {a.id for a in ledger.chart if not a.type.is_profit_and_loss
            and a.id not in clearing}
    assert (figures(ledger.chart, view_of(ledger), period, kept)
            == figures(ledger.chart, ledger.entries, period, kept))


@given(cash_ledgers())
def test_fully_settled_means_the_same_profit_and_loss(ledger: CashLedger) -> None:
    outcome = settle(ledger.chart, ledger.entries, clearing_subtypes=ledger.clearing_subtypes,
                     settlements=ledger.settlements)
    pl = {a.id for a in ledger.chart if a.type.is_profit_and_loss}
    view = view_of(ledger)
    checked = 0
    for cutoff in sorted({e.entry_at + timedelta(hours=1) for e in ledger.entries}):
        settled: dict[tuple[str, str, str], int] = defaultdict(int)
        for allocation in outcome.allocations:
            if allocation.recognised_at < cutoff:
                settled[allocation.item_key] += allocation.amount
        if all(settled[key] == item.total for key, item in outcome.items.items()
               if item.entry_at < cutoff):
            checked += 1
            period = Period(end=cutoff)
            assert (figures(ledger.chart, view, period, pl)
                    == figures(ledger.chart, ledger.entries, period, pl))
    # Close every item with an exact, linked settlement: then the whole journal must agree.
    closing: list[JournalEntry] = []
    links = dict(ledger.settlements)
    end = max(e.entry_at for e in ledger.entries) + timedelta(days=1)
    for n, item in enumerate(sorted(outcome.items.values(), key=lambda i: i.key)):
        if item.remaining:
            decrease = item.side.opposite
            closing.append(JournalEntry(f"close{n}", end, (
                _leg(item.clearing_account_id, item, decrease),
                _leg("equity", item, item.side)), counterparty=item.counterparty))
            links[f"close{n}"] = (item.entry_id,)
    everything = (*ledger.entries, *closing)
    closed = cash_view(ledger.chart, everything, clearing_subtypes=ledger.clearing_subtypes,
                       settlements=links)
    assert figures(ledger.chart, closed, Period(), pl) == figures(ledger.chart, everything,
                                                                  Period(), pl)


def _leg(account_id: str, item: OpenItem, direction: Direction) -> LineItem:
    return LineItem(account_id, item.commodity, item.remaining, direction)


@given(cash_ledgers())
def test_nothing_is_recognised_before_its_settlement(ledger: CashLedger) -> None:
    outcome = settle(ledger.chart, ledger.entries, clearing_subtypes=ledger.clearing_subtypes,
                     settlements=ledger.settlements)
    by_id = {e.id: e for e in ledger.entries}
    made: dict[str, set[str]] = defaultdict(set)
    for allocation in outcome.allocations:
        settling = by_id[allocation.settling_entry_id]
        assert allocation.recognised_at == settling.entry_at
        assert outcome.items[allocation.item_key].entry_at <= settling.entry_at
        made[settling.id].add(allocation.open_item_id)
    for entry in view_of(ledger):
        assert entry.entry_at == by_id[entry.id].entry_at
        for line in entry.line_items:
            if line.id and "~" in line.id:
                settling_id, rest = line.id.split("~", 1)
                assert settling_id == entry.id
                assert rest.split(":", 1)[0] in made[entry.id]


@given(cash_ledgers(), st.lists(instants(), min_size=3, max_size=3))
def test_period_additivity_in_cash_basis(ledger: CashLedger, cuts: list[datetime]) -> None:
    first, middle, last = sorted(cuts)
    view = view_of(ledger)
    accounts = {a.id for a in ledger.chart}
    left = balances(ledger.chart, view, Period(first, middle))
    right = balances(ledger.chart, view, Period(middle, last))
    whole = balances(ledger.chart, view, Period(first, last))
    for account in accounts:
        codes = set(left.get(account, {})) | set(right.get(account, {})) | set(
            whole.get(account, {}))
        for code in codes:
            a, b, w = (x.get(account, {}).get(code) for x in (left, right, whole))
            activity = (a.activity if a else 0) + (b.activity if b else 0)
            assert activity == (w.activity if w else 0)
            assert (a.ending if a else 0) == (b.starting if b else 0)


@given(cash_ledgers())
def test_each_allocation_recognises_exactly_its_amount(ledger: CashLedger) -> None:
    outcome = settle(ledger.chart, ledger.entries, clearing_subtypes=ledger.clearing_subtypes,
                     settlements=ledger.settlements)
    recognised: dict[tuple[str, str, str], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for allocation in outcome.allocations:
        item = outcome.items[allocation.item_key]
        lines = recognised_lines(item, allocation)
        assert net_against(lines, item.side) == allocation.amount
        for line in lines:
            index = int(line.id.rsplit("#", 1)[1]) if line.id else -1
            basis = item.basis[index]
            share = (basis.amount if basis.direction is line.direction else -basis.amount)
            signed = line.amount if line.direction is basis.direction else -line.amount
            # within two units of the exact share line * a / T (one per running-total end)
            exact = share * abs(allocation.amount) / item.total
            assert abs(abs(signed) - abs(exact)) < 2
            recognised[item.key][index] += signed
    for key, item in outcome.items.items():
        weights = [b.amount if b.direction is not item.side else -b.amount for b in item.basis]
        expected = apportion(weights, item.settled)
        got = [recognised[key][i] * (1 if w >= 0 else -1) for i, w in enumerate(weights)]
        assert got == list(expected)
        assert net_against(item.basis, item.side) == item.total
        assert 0 <= item.settled <= item.total


@given(st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=6).filter(lambda w: sum(w)),
       st.integers(-10**6, 10**6))
def test_largest_remainder_loses_and_makes_up_nothing(weights: list[int], total: int) -> None:
    shares = apportion(weights, total)
    assert sum(shares) == total
    whole = sum(weights)
    for weight, share in zip(weights, shares, strict=True):
        assert abs(share * whole - weight * total) < abs(whole)


@given(cash_ledgers(), st.randoms(use_true_random=False))
def test_view_is_independent_of_input_order(ledger: CashLedger, rng: random.Random) -> None:
    shuffled = list(ledger.entries)
    rng.shuffle(shuffled)
    assert view_of(ledger, tuple(shuffled)) == view_of(ledger)
    subtypes, links = ledger.clearing_subtypes, ledger.settlements
    assert (settle(ledger.chart, shuffled, clearing_subtypes=subtypes, settlements=links)
            == settle(ledger.chart, ledger.entries, clearing_subtypes=subtypes,
                      settlements=links))

