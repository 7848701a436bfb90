"""Balances on a small hand-worked ledger: the figures a reader can check on paper."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ledgercore.domain import (
    USD,
    Account,
    AccountType,
    Balance,
    ChartOfAccounts,
    Counterparty,
    CounterpartyKind,
    Direction,
    EndSemantics,
    EntryFilter,
    JournalEntry,
    LedgerError,
    LineItem,
    Normality,
    Period,
    balances,
    roll_up,
    statement,
    trial_balance,
)

D, C = Direction.DEBIT, Direction.CREDIT
CHART = ChartOfAccounts([
    Account("assets", "Assets", AccountType.ASSET),
    Account("cash", "Cash", AccountType.ASSET, parent_id="assets"),
    Account("equipment", "Equipment", AccountType.ASSET, parent_id="assets"),
    Account("accdep", "Accumulated depreciation", AccountType.ASSET,
            normality=Normality.CREDIT, parent_id="equipment"),
    Account("equity", "Owner's equity", AccountType.EQUITY),
    Account("sales", "Sales", AccountType.REVENUE),
    Account("depreciation", "Depreciation", AccountType.EXPENSE),
])


def entry(entry_id: str, when: datetime, *lines: tuple[str, Direction, int],
          **fields: object) -> JournalEntry:
    items = tuple(LineItem(a, USD, amount, d) for a, d, amount in lines)
    return JournalEntry(entry_id, when, items, **fields)  # type: ignore[arg-type]


JOURNAL = [
    entry("open", datetime(2024, 1, 1, tzinfo=UTC), ("cash", D, 500_00), ("equity", C, 500_00)),
    entry("buy", datetime(2024, 1, 10, tzinfo=UTC), ("equipment", D, 300_00),
          ("cash", C, 300_00)),
    entry("sale", datetime(2024, 2, 1, 15, tzinfo=UTC), ("cash", D, 120_00),
          ("sales", C, 120_00), tags={"region": "eu"},
          counterparty=Counterparty(CounterpartyKind.CUSTOMER, "cus-1")),
    entry("dep", datetime(2024, 2, 29, tzinfo=UTC), ("depreciation", D, 25_00),
          ("accdep", C, 25_00)),
]


def test_balances_in_normal_sign_over_february() -> None:
    february = Period.of(date(2024, 2, 1), date(2024, 2, 29),
                         end_semantics=EndSemantics.INCLUSIVE)
    figures = balances(CHART, JOURNAL, february)
    assert figures == {
        "cash": {"USD": Balance(200_00, 320_00)},
        "equity": {"USD": Balance(500_00, 500_00)},
        "equipment": {"USD": Balance(300_00, 300_00)},
        "sales": {"USD": Balance(0, 120_00)},
        "depreciation": {"USD": Balance(0, 25_00)},
        "accdep": {"USD": Balance(0, 25_00)},  # credit-normal: a positive figure
    }
    assert figures["cash"]["USD"].activity == 120_00


def test_roll_up_nets_the_contra_account_against_its_parent() -> None:
    rolled = roll_up(CHART, balances(CHART, JOURNAL))
    assert rolled["equipment"].total == {"USD": Balance(0, 275_00)}
    assert rolled["assets"].total == {"USD": Balance(0, 595_00)}  # 320 cash + 275 equipment
    assert rolled["assets"].own == {}
    assert rolled["accdep"].total == {"USD": Balance(0, 25_00)}


def test_statement_runs_the_cash_balance() -> None:
    sheet = statement(CHART, JOURNAL, "cash", Period.of(date(2024, 1, 5)))
    assert sheet.starting == {"USD": 500_00}
    assert [(line.entry_id, line.amount, line.balance) for line in sheet.lines] == [
        ("buy", -300_00, 200_00), ("sale", 120_00, 320_00)]
    assert sheet.ending == {"USD": 320_00}


def test_trial_balance_columns() -> None:
    trial = trial_balance(CHART, JOURNAL)
    assert {(r.account_id, r.debit, r.credit) for r in trial.rows} == {
        ("cash", 320_00, 0), ("equipment", 300_00, 0), ("accdep", 0, 25_00),
        ("equity", 0, 500_00), ("sales", 0, 120_00), ("depreciation", 25_00, 0)}
    assert trial.totals() == {"USD": (645_00, 645_00)}
    assert trial.is_balanced()


def test_filters() -> None:
    eu = balances(CHART, JOURNAL, entry_filter=EntryFilter(tags={"region": frozenset({"eu"})}))
    assert eu == {"cash": {"USD": Balance(0, 120_00)}, "sales": {"USD": Balance(0, 120_00)}}
    customer = balances(CHART, JOURNAL, entry_filter=EntryFilter(customer_id="cus-1"))
    assert customer == eu
    assert balances(CHART, JOURNAL, entry_filter=EntryFilter(vendor_id="cus-1")) == {}
    activated = EntryFilter(not_before=datetime(2024, 2, 1, tzinfo=UTC))
    assert balances(CHART, JOURNAL, entry_filter=activated)["cash"] == {"USD": Balance(0, 120_00)}


def test_a_naive_activation_date_is_refused() -> None:
    with pytest.raises(LedgerError) as caught:
        EntryFilter(not_before=datetime(2024, 2, 1))
    assert (caught.value.code, caught.value.path) == ("invalid_date", "$.not_before")


def test_statement_order_follows_real_time_across_a_dst_fold() -> None:
    new_york = ZoneInfo("America/New_York")
    first = entry("first", datetime(2024, 11, 3, 1, 40, tzinfo=new_york, fold=0),
                  ("cash", D, 1_00), ("sales", C, 1_00))   # 05:40 UTC
    second = entry("second", datetime(2024, 11, 3, 1, 30, tzinfo=new_york, fold=1),
                   ("cash", D, 2_00), ("sales", C, 2_00))  # 06:30 UTC
    sheet = statement(CHART, [second, first], "cash")
    assert [line.entry_id for line in sheet.lines] == ["first", "second"]
    assert [line.balance for line in sheet.lines] == [1_00, 3_00]
