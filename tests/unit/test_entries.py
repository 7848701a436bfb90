"""Entry and account validation: each refusal with its code, path and fields."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from ledgercore.domain import (
    JPY,
    USD,
    Account,
    AccountType,
    ChartOfAccounts,
    Commodity,
    Direction,
    JournalEntry,
    LedgerError,
    LineItem,
    Normality,
)

AT = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
CHART = ChartOfAccounts([
    Account("cash", "Cash", AccountType.ASSET),
    Account("sales", "Sales", AccountType.REVENUE),
])


def debit(account: str, amount: int, commodity: Commodity = USD) -> LineItem:
    return LineItem(account, commodity, amount, Direction.DEBIT)


def credit(account: str, amount: int, commodity: Commodity = USD) -> LineItem:
    return LineItem(account, commodity, amount, Direction.CREDIT)


def sale(*items: LineItem) -> JournalEntry:
    return JournalEntry("e1", AT, items)


def test_a_sale_is_valid_and_defaults_created_at() -> None:
    entry = sale(debit("cash", 1000), credit("sales", 1000))
    entry.check_accounts(CHART)
    assert entry.created_at == AT
    assert entry.residuals() == {"USD": 0}


def test_one_line_item_is_invalid_entry() -> None:
    with pytest.raises(LedgerError) as caught:
        sale(debit("cash", 1000))
    assert caught.value.code == "invalid_entry"
    assert (caught.value.path, caught.value.entry_id) == ("$.line_items", "e1")


@pytest.mark.parametrize("amount", [0, -1, -1000, True])
def test_zero_negative_or_bool_amounts_are_invalid_amount(amount: int) -> None:
    with pytest.raises(LedgerError) as caught:
        debit("cash", amount)
    assert caught.value.code == "invalid_amount"
    assert caught.value.account_id == "cash"


def test_float_amounts_raise_type_error() -> None:
    with pytest.raises(TypeError):
        debit("cash", 10.0)  # type: ignore[arg-type]


def test_a_string_direction_is_invalid_entry() -> None:
    with pytest.raises(LedgerError) as caught:
        LineItem("cash", USD, 5, "DEBIT")  # type: ignore[arg-type]
    assert caught.value.code == "invalid_entry"


def test_unbalanced_in_one_commodity_names_it_and_the_residual() -> None:
    with pytest.raises(LedgerError) as caught:
        sale(debit("cash", 1000), credit("sales", 1000), debit("cash", 7, JPY),
             credit("sales", 5, JPY))
    error = caught.value
    assert (error.code, error.commodity, error.residual) == ("unbalanced_entry", "JPY", 2)


def test_one_code_with_two_scales_is_invalid_commodity() -> None:
    with pytest.raises(LedgerError) as caught:
        sale(debit("cash", 1000), credit("sales", 1000, Commodity("USD", 3)))
    assert (caught.value.code, caught.value.commodity) == ("invalid_commodity", "USD")


def test_an_unknown_account_is_refused_with_the_path_of_its_line() -> None:
    entry = sale(debit("cash", 1000), credit("salez", 1000))
    with pytest.raises(LedgerError) as caught:
        entry.check_accounts(CHART)
    error = caught.value
    assert error.code == "unknown_account"
    assert (error.path, error.account_id, error.entry_id) == (
        "$.line_items[1].account", "salez", "e1")


@pytest.mark.parametrize("field", ["entry_at", "created_at"])
def test_naive_timestamps_are_invalid_date(field: str) -> None:
    entry = sale(debit("cash", 1), credit("sales", 1))
    with pytest.raises(LedgerError) as caught:
        dataclasses.replace(entry, **{field: datetime(2024, 5, 1)})  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.path) == ("invalid_date", f"$.{field}")


def test_an_empty_id_is_invalid_entry() -> None:
    with pytest.raises(LedgerError) as caught:
        JournalEntry("", AT, (debit("cash", 1), credit("sales", 1)))
    assert caught.value.code == "invalid_entry"


def test_tags_accept_a_mapping_with_single_or_many_values() -> None:
    entry = JournalEntry("e1", AT, (debit("cash", 1), credit("sales", 1)),
                         tags={"region": "eu", "project": ["b", "a", "a"]})  # type: ignore[arg-type]
    assert entry.tags == (("project", "a"), ("project", "b"), ("region", "eu"))
    assert entry.tag_values("project") == {"a", "b"}


def test_account_strings_are_coerced_and_unknown_values_refused() -> None:
    contra = Account("accdep", "Accumulated depreciation", "ASSET",  # type: ignore[arg-type]
                     subtype="ACCUMULATED_DEPRECIATION", normality="CREDIT")  # type: ignore[arg-type]
    assert contra.normality is Normality.CREDIT and contra.type is AccountType.ASSET
    assert contra.effect(Direction.CREDIT, 300) == 300
    for field, value in (("type", "ASSETS"), ("normality", "LEFT"), ("subtype", "CASHH")):
        kwargs: dict[str, object] = {"type": "ASSET", field: value}
        with pytest.raises(LedgerError) as caught:
            Account("x", "X", **kwargs)  # type: ignore[arg-type]
        assert (caught.value.code, caught.value.path) == ("invalid_account", f"$.{field}")


def test_an_account_cannot_be_its_own_parent_and_lookups_name_the_missing_id() -> None:
    with pytest.raises(LedgerError) as caught:
        Account("a", "A", AccountType.ASSET, parent_id="a")
    assert (caught.value.code, caught.value.account_id) == ("invalid_account", "a")
    for lookup in (CHART.get, CHART.by_stable_name, CHART.children, CHART.ancestors):
        with pytest.raises(LedgerError) as caught:
            lookup("nope")
        assert (caught.value.code, caught.value.account_id) == ("unknown_account", "nope")
