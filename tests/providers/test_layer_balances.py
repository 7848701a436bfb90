"""Layer ledger balances: the chart it brings, its id forms, and what it never posts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledgercore.domain import AccountSubtype, AccountType, LedgerError, Normality
from ledgercore.providers import import_layer_balances, parse_layer_balances, read_layer_balances

FIXTURES = Path(__file__).parent.parent / "fixtures"


def node(account_id: Any, name: str, kind: str = "ASSET", **extra: Any) -> dict[str, Any]:
    out = {"id": account_id, "name": name, "account_type": {"value": kind},
           "balance": 0, "entries": [], "sub_accounts": []}
    out.update(extra)
    return out


def document(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"data": {"type": "Ledger_Balances", "accounts": list(nodes)}}


def test_the_published_sample_parses_once_its_placeholder_is_filled() -> None:
    batch, model = read_layer_balances(FIXTURES / "layer_balances_002.json")
    (account,) = batch.accounts
    assert account.id == "3c90c3cc-0d44-4b50-8888-8dd25736052a"
    assert (account.type, account.subtype, account.stable_name) == (
        AccountType.ASSET, AccountSubtype.CURRENT_ASSET, "CURRENT_ASSETS")
    assert batch.entries == ()
    assert model.data.accounts[0].balance == 123
    assert model.data.accounts[0].entries[0].amount == 123


def test_the_sample_as_published_is_refused_for_its_placeholder() -> None:
    with pytest.raises(LedgerError) as caught:
        read_layer_balances(FIXTURES / "layer_balances_002_published.json")
    assert caught.value.code == "invalid_payload"
    assert caught.value.path == "$.data.accounts[0].sub_accounts"


def test_nesting_gives_parents_and_every_id_form_is_read() -> None:
    child = node("child", "Checking", stable_name="CHECKING", account_number="1010",
                 account_subtype={"value": "BANK_ACCOUNTS"})
    contra = node({"type": "AccountId", "id": "contra"}, "Accumulated Depreciation",
                  normality="CREDIT",
                  stable_name={"type": "StableName", "stable_name": "ACC_DEP"})
    parent = node({"type": "AccountId", "id": "parent"}, "Assets", stable_name=None,
                  sub_accounts=[child, contra])
    batch = import_layer_balances(document(parent, node("rev", "Sales", "REVENUE")))
    by_id = {a.id: a for a in batch.accounts}
    assert [a.id for a in batch.accounts] == ["parent", "child", "contra", "rev"]
    assert by_id["child"].parent_id == by_id["contra"].parent_id == "parent"
    assert by_id["child"].stable_name == "CHECKING"
    assert by_id["child"].account_number == "1010"
    assert by_id["contra"].stable_name == "ACC_DEP"
    assert by_id["contra"].normality is Normality.CREDIT
    assert by_id["rev"].normality is Normality.CREDIT
    batch.chart()  # a valid chart


def test_the_balances_entries_are_never_posted() -> None:
    line = {"id": "l1", "entry_id": "e1", "amount": 500, "direction": "DEBIT",
            "entry_at": "2024-01-01T00:00:00Z"}
    batch = import_layer_balances(document(node("a", "Cash", balance=500, entries=[line])))
    assert batch.entries == ()
    assert batch.opening_entries == ()


@pytest.mark.parametrize(("mutate", "code", "path"), [
    (lambda n: n.update(account_type={"display_name": "Bananas"}), "invalid_account",
     "$.data.accounts[0].account_type"),
    (lambda n: n.update(balance=1.5), "invalid_payload", "$.data.accounts[0].balance"),
    (lambda n: n.update(balance=2**63), "invalid_payload", "$.data.accounts[0].balance"),
    (lambda n: n.update(normality="UP"), "invalid_entry", "$.data.accounts[0].normality"),
    (lambda n: n.update(id={"type": "AccountId"}), "invalid_payload", "$.data.accounts[0].id"),
    (lambda n: n["sub_accounts"].append(node("a", "Its own child")), "invalid_account",
     "$.data.accounts[0].sub_accounts[0]"),
    (lambda n: n["sub_accounts"].append(node("b", "B", sub_accounts=[node("a", "Again")])),
     "invalid_account", "$.data.accounts[0].sub_accounts[0].sub_accounts[0].id"),
])
def test_bad_nodes_are_refused_with_code_and_path(mutate: Any, code: str, path: str) -> None:
    bad = node("a", "Cash")
    mutate(bad)
    with pytest.raises(LedgerError) as caught:
        import_layer_balances(document(bad))
    assert (caught.value.code, caught.value.path) == (code, path)


def test_a_display_name_stands_in_for_a_missing_type_value() -> None:
    batch = import_layer_balances(document(
        node("a", "Card", account_type={"display_name": "Liabilities"},
             account_subtype={"display_name": "Credit Card"}),
        node("b", "Odd", account_subtype={"value": "SOMETHING_LAYER_ADDS_LATER"})))
    card, odd = batch.accounts
    assert (card.type, card.subtype) == (AccountType.LIABILITY, AccountSubtype.CREDIT_CARD)
    assert odd.subtype is None


@pytest.mark.parametrize("other", [{"data": []}, [{"id": "x", "starting_balance": "1"}],
                                   {"data": {"type": "Ledger_Balances"}}])
def test_a_file_of_another_kind_is_refused(other: Any) -> None:
    with pytest.raises(LedgerError) as caught:
        parse_layer_balances(other)
    assert caught.value.code == "wrong_payload_kind"


def test_a_repeated_stable_name_is_refused() -> None:
    with pytest.raises(LedgerError) as caught:
        import_layer_balances(json.loads(json.dumps(document(
            node("a", "One", stable_name="SAME"), node("b", "Two", stable_name="SAME")))))
    assert caught.value.code == "invalid_account"
    assert caught.value.path == "$.data.accounts[1]"
