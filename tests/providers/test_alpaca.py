"""Alpaca JIT balances and journals: samples, sign rule, statuses, overdrafts, bad input."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgercore.domain import (
    USD,
    AccountType,
    Commodity,
    Direction,
    LedgerError,
    balances,
)
from ledgercore.providers import (
    import_alpaca_jit_balances,
    import_alpaca_journals,
    ledger_account_ids,
    parse_document,
    read_alpaca_jit_balances,
    read_alpaca_journals,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
JIT = FIXTURES / "alpaca_jit_balances_000.json"
JOURNALS = FIXTURES / "alpaca_journals_003.json"


def jit() -> list[dict[str, Any]]:
    return json.loads(JIT.read_text())  # type: ignore[no-any-return]


def journals() -> list[dict[str, Any]]:
    return json.loads(JOURNALS.read_text())  # type: ignore[no-any-return]


def refused(call: Any, *args: Any, **kwargs: Any) -> LedgerError:
    with pytest.raises(LedgerError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_the_jit_sample_becomes_ledger_contra_and_opening_entries() -> None:
    batch = read_alpaca_jit_balances(JIT)
    ledger_id = "06b9d76e-1733-460c-844e-48d1ae0f10c3"
    accounts = {a.id: a for a in batch.accounts}
    assert accounts[ledger_id].type is AccountType.ASSET
    assert accounts[ledger_id].account_number == "JTRJITS00"
    assert ledger_account_ids(batch.chart()) == (ledger_id,)
    contra = accounts["alpaca:contra:Just In Time Interest Income"]
    assert contra.type is AccountType.REVENUE
    (entry,) = batch.entries
    assert entry.id == f"alpaca-jit:{ledger_id}:2022-06-10:000000"
    assert [(i.account_id, i.amount, i.direction) for i in entry.line_items] == [
        (ledger_id, 100, Direction.DEBIT), (contra.id, 100, Direction.CREDIT)]
    (ledger,) = batch.ledgers
    assert (ledger.starting, ledger.ending, ledger.activity_amount) == (418536, 418636, "1")
    assert ledger.transactions[0].balance == 418636
    # with the opening entry the ledger adds up to the reported ending balance
    own = balances(batch.chart(), batch.entries + batch.opening_entries)
    assert own[ledger_id]["USD"].ending == 418636


@pytest.mark.parametrize("name", ["Just In Time Receivable - JITS", "Just In Time Payable"])
def test_a_positive_amount_raises_the_ledger_balance_whatever_its_normality(name: str) -> None:
    payload = jit()
    payload[0]["ledger_name"] = name
    payload[0]["transactions"].append(dict(payload[0]["transactions"][0], amount="-2.5",
                                           balance="4183.86"))
    payload[0]["ending_balance"] = "4183.86"
    batch = import_alpaca_jit_balances(payload)
    own = balances(batch.chart(), batch.entries + batch.opening_entries)
    assert own[payload[0]["id"]]["USD"].ending == 418386
    second = batch.entries[1]
    assert second.id.endswith(":2022-06-10:000001")


def test_same_day_transactions_keep_payload_order_in_their_ids_and_zero_posts_nothing() -> None:
    payload = jit()
    base = payload[0]["transactions"][0]
    payload[0]["transactions"] = [dict(base, amount="1", balance="4186.36"),
                                  dict(base, amount="0", balance="4186.36"),
                                  dict(base, amount="1", balance="4187.36")]
    payload[0]["ending_balance"] = "4187.36"
    batch = import_alpaca_jit_balances(payload)
    assert [e.id[-6:] for e in batch.entries] == ["000000", "000002"]
    assert batch.ledgers[0].transactions[1].entry_id is None


def test_a_single_ledger_object_is_accepted_and_ids_are_stable() -> None:
    assert import_alpaca_jit_balances(jit()[0]).entries == read_alpaca_jit_balances(JIT).entries


def test_paths_in_a_single_object_document_have_no_array_index() -> None:
    ledger = jit()[0]
    ledger["transactions"][0]["amount"] = "0.001"
    assert refused(import_alpaca_jit_balances, ledger).path == "$.transactions[0].amount"
    journal = dict(executed_jnlc(), net_amount=None)
    assert refused(import_alpaca_journals, journal).path == "$.net_amount"
    assert refused(import_alpaca_journals, dict(executed_jnlc(), qty=[])).path == "$.qty"


@pytest.mark.parametrize(("field", "value", "code"), [
    ("amount", "1.005", "invalid_amount"),
    ("amount", "1e3", "invalid_amount"),
    ("balance", "abc", "invalid_amount"),
    ("system_date", "2022-02-30", "invalid_date"),
    ("system_date", None, "invalid_date"),
])
def test_bad_jit_transactions_are_refused(field: str, value: Any, code: str) -> None:
    payload = jit()
    payload[0]["transactions"][0][field] = value
    error = refused(import_alpaca_jit_balances, payload, source="jit.json")
    assert (error.code, error.path) == (code, f"$[0].transactions[0].{field}")
    assert error.source == "jit.json"


def test_a_jit_ledger_listed_twice_is_refused() -> None:
    error = refused(import_alpaca_jit_balances, jit() + jit())
    assert (error.code, error.path) == ("invalid_account", "$[1].id")


def test_the_journals_sample_posts_the_executed_jnls_and_skips_the_canceled_jnlc() -> None:
    batch = read_alpaca_journals(JOURNALS)
    (entry,) = batch.entries
    assert entry.id == "f45g67h8-d1fc-4136-aa4f-cf4460aecdfc"
    aapl = Commodity("AAPL", 9)
    assert [(i.account_id, i.commodity, i.amount, i.direction) for i in entry.line_items] == [
        ("8k4f3d-4483-4199-840f-6c5fe0b7ca24", aapl, 2 * 10**9, Direction.CREDIT),
        ("g7h7rg66-6f2a-433c-8c33-17b66b8941fa", aapl, 2 * 10**9, Direction.DEBIT)]
    (skipped,) = batch.skipped_journals
    assert (skipped.journal_id, skipped.status) == ("h7h5g33f-ef01-4458-9a4b-9598727a406f",
                                                    "canceled")
    assert len(batch.accounts) == 4


def test_the_post_response_sample_without_system_date_is_read() -> None:
    batch = read_alpaca_journals(FIXTURES / "alpaca_journal_003_post_response.json")
    assert batch.entries[0].entry_at.date() == date(2020, 12, 24)


def executed_jnlc(amount: Any = "115.5", journal_id: str = "j1", source: str = "firm",
                  target: str = "customer") -> dict[str, Any]:
    return {"id": journal_id, "entry_type": "JNLC", "status": "executed",
            "from_account": source, "to_account": target, "net_amount": amount,
            "settle_date": "2024-06-03", "system_date": "2024-06-03"}


def test_jnlc_amounts_are_exact_even_as_json_numbers() -> None:
    document = parse_document('[{"id": "j1", "entry_type": "JNLC", "status": "executed", '
                              '"from_account": "a", "to_account": "b", "net_amount": 115.5, '
                              '"system_date": "2024-06-03"}]', parse_float=Decimal)
    (entry,) = import_alpaca_journals(document).entries
    assert entry.line_items[0].amount == 11550
    assert entry.line_items[0].commodity == USD
    request = dict(executed_jnlc(), amount="51")
    del request["net_amount"]
    assert import_alpaca_journals([request]).entries[0].line_items[0].amount == 5100


@pytest.mark.parametrize(("change", "code", "path"), [
    ({"net_amount": "1.001"}, "invalid_amount", "$[0].net_amount"),
    ({"net_amount": "-5"}, "invalid_amount", "$[0].net_amount"),
    ({"net_amount": "0"}, "invalid_amount", "$[0].net_amount"),
    ({"net_amount": None}, "invalid_payload", "$[0].net_amount"),
    ({"entry_type": "JNLX"}, "invalid_payload", "$[0].entry_type"),
    ({"settle_date": "2024-13-01"}, "invalid_date", "$[0].settle_date"),
    ({"settle_date": None, "system_date": None}, "invalid_payload", "$[0].settle_date"),
    ({"to_account": "firm"}, "invalid_entry", "$[0].to_account"),
    ({"entry_type": "JNLS", "symbol": "AAPL", "qty": "0.0000000001"}, "invalid_amount",
     "$[0].qty"),
    ({"entry_type": "JNLS", "symbol": "BTC/USD", "qty": "1"}, "invalid_commodity",
     "$[0].symbol"),
    ({"entry_type": "JNLS", "qty": "1"}, "invalid_payload", "$[0].symbol"),
])
def test_bad_journals_are_refused(change: dict[str, Any], code: str, path: str) -> None:
    journal = dict(executed_jnlc(), **change)
    error = refused(import_alpaca_journals, [journal])
    assert (error.code, error.path) == (code, path)


@pytest.mark.parametrize("status", ["pending", "canceled", "rejected", "deleted", "refused",
                                    "queued"])
def test_a_journal_that_is_not_executed_moves_nothing(status: str) -> None:
    batch = import_alpaca_journals([dict(executed_jnlc(amount=None), status=status)])
    assert batch.entries == ()
    assert batch.skipped_journals[0].status == status


def test_an_overdraft_of_a_known_account_is_refused_and_moves_nothing() -> None:
    payload = [executed_jnlc("60", "j1", "alice", "bob"), executed_jnlc("50", "j2", "alice",
                                                                         "bob")]
    error = refused(import_alpaca_journals, payload, known_balances={"alice": {"USD": 10000}})
    assert error.code == "insufficient_balance"
    assert (error.path, error.entry_id, error.account_id) == ("$[1].net_amount", "j2", "alice")
    assert (error.balance, error.amount) == (4000, 5000)
    # unknown accounts (firm / external) are never refused
    assert len(import_alpaca_journals(payload).entries) == 2
    # incoming transfers count before a later outgoing one
    funded = [executed_jnlc("50", "j0", "firm", "alice"), *payload]
    funded[0]["settle_date"] = "2024-06-01"
    assert len(import_alpaca_journals(funded, known_balances={"alice": {"USD": 10000}})
               .entries) == 3


def test_a_jnls_overdraft_is_checked_in_its_own_commodity() -> None:
    journal = {"id": "s1", "entry_type": "JNLS", "status": "executed", "from_account": "alice",
               "to_account": "bob", "symbol": "AAPL", "qty": "2", "system_date": "2024-06-03"}
    error = refused(import_alpaca_journals, [journal],
                    known_balances={"alice": {"USD": 10**9, "AAPL": 10**9}})
    assert (error.code, error.path, error.commodity) == ("insufficient_balance", "$[0].qty",
                                                         "AAPL")


@pytest.mark.parametrize("document", [{"data": []}, [{"id": "x", "starting_balance": "1"}],
                                      "journals", 3])
def test_a_file_of_another_kind_is_refused(document: Any) -> None:
    assert refused(import_alpaca_journals, document).code == "wrong_payload_kind"


@pytest.mark.parametrize("document", [{"data": []}, journals(), None])
def test_a_jit_file_of_another_kind_is_refused(document: Any) -> None:
    assert refused(import_alpaca_jit_balances, copy.deepcopy(document)).code == \
        "wrong_payload_kind"
