"""Layer ledger entries: the published sample, every bad input, streaming, idempotence."""

from __future__ import annotations

import copy
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from ledgercore.domain import (
    USD,
    Account,
    AccountType,
    ChartOfAccounts,
    Direction,
    LedgerError,
)
from ledgercore.providers import (
    PayloadKind,
    import_layer_entries,
    iter_layer_entries,
    read_layer_entries,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
SAMPLE = FIXTURES / "layer_entries_004.json"
PUBLISHED = FIXTURES / "layer_entries_004_published.json"


def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text())


def entry(index: int, amount: int = 705000) -> dict[str, Any]:
    """A copy of the sample's entry with a new id and amount."""
    raw = copy.deepcopy(sample()["data"][0])
    raw["id"] = f"entry-{index}"
    for line in raw["line_items"]:
        line["amount"] = amount
        line["entry_id"] = raw["id"]
    return raw


def refused(document: Any) -> LedgerError:
    with pytest.raises(LedgerError) as caught:
        import_layer_entries(document, source="x.json")
    return caught.value


def test_the_published_sample_parses_into_domain_objects() -> None:
    batch = read_layer_entries(SAMPLE)
    assert batch.kind is PayloadKind.LAYER_ENTRIES
    (only,) = batch.entries
    assert only.id == "dda5d244-e04a-478a-bf84-c8328896d225"
    assert only.entry_type == "MATCH"
    assert only.entry_at.isoformat() == "2024-05-10T19:00:00+00:00"
    assert only.created_at is not None
    assert only.created_at.isoformat() == "2024-05-23T03:54:44.991823+00:00"
    assert [(i.account_id, i.amount, i.direction, i.commodity) for i in only.line_items] == [
        ("d7958e0f-770b-4389-8f14-aa48a72838d7", 705000, Direction.CREDIT, USD),
        ("5c114ae2-0e6f-4798-8e9a-f7e1c892e2fa", 705000, Direction.DEBIT, USD)]
    assert only.line_items[0].id == "fa6b8f20-cae0-4aaf-a3ec-c973dc9671a8"
    banking = {a.id: a for a in batch.accounts}["5c114ae2-0e6f-4798-8e9a-f7e1c892e2fa"]
    assert (banking.name, banking.type, banking.subtype, banking.stable_name) == (
        "Layer Demo Banking", AccountType.ASSET, "BANK_ACCOUNTS", None)


@pytest.mark.parametrize("read", [read_layer_entries, lambda p: list(iter_layer_entries(p))])
def test_the_sample_as_published_is_refused_for_its_trailing_comma(read: Any) -> None:
    with pytest.raises(LedgerError) as caught:
        read(PUBLISHED)
    error = caught.value
    assert error.code == "invalid_json"
    assert (error.line, error.column) == (61, 5)
    assert error.source == PUBLISHED.name


@pytest.mark.parametrize("cut", [1, 100, 1000, -40, -2])
def test_a_truncated_file_is_named_truncated(tmp_path: Path, cut: int) -> None:
    text = SAMPLE.read_text()
    path = tmp_path / "cut.json"
    path.write_text(text[:cut] if cut > 0 else text[:cut - 1].rstrip())
    for read in (read_layer_entries, lambda p: list(iter_layer_entries(p))):
        with pytest.raises(LedgerError) as caught:
            read(path)
        assert caught.value.code == "truncated_payload"


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    text = '{\n  "data": [\n    {"id": 1,,}\n  ]\n}'
    error = refused_json(text)
    assert error.code == "invalid_json"
    assert (error.line, error.column) == (3, 14)
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(LedgerError) as caught:
        list(iter_layer_entries(path, batch_size=1))
    assert (caught.value.code, caught.value.line, caught.value.column) == ("invalid_json", 3, 14)


def refused_json(text: str) -> LedgerError:
    from ledgercore.providers import parse_document
    with pytest.raises(LedgerError) as caught:
        import_layer_entries(parse_document(text, source="x.json"))
    return caught.value


def test_a_file_that_is_not_utf8_is_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"data": [\xff\xfe]}')
    for read in (read_layer_entries, lambda p: list(iter_layer_entries(p))):
        with pytest.raises(LedgerError) as caught:
            read(path)
        assert caught.value.code == "invalid_json"


def test_an_unbalanced_entry_is_refused_at_its_path() -> None:
    document = {"data": [entry(0), entry(1)], "meta": {}}
    document["data"][1]["line_items"][0]["amount"] = 705001
    error = refused(document)
    assert error.code == "unbalanced_entry"
    assert error.path == "$.data[1].line_items"
    assert error.entry_id == "entry-1"
    assert error.residual == -1


@pytest.mark.parametrize("amount", [0, -5])
def test_a_zero_or_negative_amount_is_refused(amount: int) -> None:
    document = {"data": [entry(0)]}
    document["data"][0]["line_items"][1]["amount"] = amount
    error = refused(document)
    assert error.code == "invalid_amount"
    assert error.path == "$.data[0].line_items[1].amount"


@pytest.mark.parametrize("amount", [1.5, "705000", 7050.0, True])
def test_an_amount_that_is_not_an_integer_is_refused(amount: Any) -> None:
    document = {"data": [entry(0)]}
    document["data"][0]["line_items"][0]["amount"] = amount
    error = refused(document)
    assert error.code in {"invalid_payload", "invalid_amount"}
    assert error.path == "$.data[0].line_items[0].amount"


@pytest.mark.parametrize("direction", ["SIDEWAYS", "debit", None, [], {"x": 1}, 1])
def test_an_unknown_direction_is_refused(direction: Any) -> None:
    document = {"data": [entry(0)]}
    document["data"][0]["line_items"][0]["direction"] = direction
    error = refused(document)
    assert error.code in {"invalid_entry"}
    assert error.path == "$.data[0].line_items[0].direction"


@pytest.mark.parametrize(("field", "value"), [("entry_at", []), ("createdAt", {}),
                                              ("account", []), ("id", 7), ("amount", {})])
def test_unhashable_or_mistyped_line_fields_are_refused(field: str, value: Any) -> None:
    document = {"data": [entry(0)]}
    document["data"][0]["line_items"][1][field] = value
    error = refused(document)
    assert error.path is not None
    assert error.path.startswith(f"$.data[0].line_items[1].{field}")


@pytest.mark.parametrize("value", ["2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z",
                                   "2024-05-10T25:00:00Z", "yesterday",
                                   "2024-05-10T19:00:00"])
def test_an_impossible_or_naive_date_is_refused(value: str) -> None:
    document = {"data": [entry(0)]}
    document["data"][0]["entry_at"] = value
    error = refused(document)
    assert error.code == "invalid_date"
    assert error.path == "$.data[0].entry_at"


@pytest.mark.parametrize("document", [
    [{"id": "j", "from_account": "a", "to_account": "b"}],
    {"data": {"type": "Ledger_Balances", "accounts": []}},
    {"id": "l", "starting_balance": "1", "ending_balance": "1"},
    {"entries": []},
    "data",
])
def test_a_file_of_another_kind_is_refused(document: Any) -> None:
    error = refused(document)
    assert error.code == "wrong_payload_kind"
    assert error.expected == "layer-entries"


def test_a_missing_field_is_an_invalid_payload_with_its_path() -> None:
    document = {"data": [entry(0)]}
    del document["data"][0]["line_items"][1]["account"]
    error = refused(document)
    assert error.code == "invalid_payload"
    assert error.path == "$.data[0].line_items[1].account"


def test_every_problem_of_the_file_is_collected_and_nothing_is_accepted() -> None:
    document = {"data": [entry(i) for i in range(6)]}
    document["data"][1]["line_items"][0]["amount"] = -1
    document["data"][4]["entry_at"] = "2024-02-30T00:00:00Z"
    document["data"][5]["line_items"][0]["direction"] = "UP"
    error = refused(document)
    assert error.code == "invalid_amount"
    assert error.problem_count == 3
    assert [(p.code, p.path) for p in error.problems] == [
        ("invalid_amount", "$.data[1].line_items[0].amount"),
        ("invalid_date", "$.data[4].entry_at"),
        ("invalid_entry", "$.data[5].line_items[0].direction")]


def test_only_one_bad_entry_refuses_the_whole_streamed_file(tmp_path: Path) -> None:
    document = {"data": [entry(i) for i in range(30)], "meta": {}}
    document["data"][25]["line_items"][0]["amount"] = 0
    path = tmp_path / "one-bad.json"
    path.write_text(json.dumps(document))
    yielded = []
    with pytest.raises(LedgerError) as caught:
        for batch in iter_layer_entries(path, batch_size=10):
            yielded.append(batch)
    assert caught.value.code == "invalid_amount"
    assert caught.value.path == "$.data[25].line_items[0].amount"
    # batches before the bad one may be yielded; the caller's transaction rolls them back
    assert sum(len(b.entries) for b in yielded) <= 20


def test_a_repeated_entry_id_is_refused_in_a_whole_document() -> None:
    error = refused({"data": [entry(0), entry(0)]})
    assert (error.code, error.path) == ("invalid_entry", "$.data[1].id")


def test_reimport_gives_identical_entries_with_the_provider_ids() -> None:
    first = read_layer_entries(SAMPLE)
    again = read_layer_entries(SAMPLE)
    assert first.entries == again.entries
    assert [e.id for e in first.entries] == [e["id"] for e in sample()["data"]]


def test_streaming_yields_the_same_entries_as_reading_whole(tmp_path: Path) -> None:
    document = {"meta": {"page": 1}, "data": [entry(i, 100 + i) for i in range(23)]}
    path = tmp_path / "many.json"
    path.write_text(json.dumps(document, indent=1))
    whole = import_layer_entries(document)
    batches = list(iter_layer_entries(path, batch_size=5))
    assert [len(b.entries) for b in batches] == [5, 5, 5, 5, 3]
    assert tuple(e for b in batches for e in b.entries) == whole.entries
    assert tuple(a for b in batches for a in b.accounts) == whole.accounts
    sooner = list(iter_layer_entries(path, batch_size=5, first_batch_size=2))
    assert [len(b.entries) for b in sooner] == [2, 5, 5, 5, 5, 1]
    assert tuple(e for b in sooner for e in b.entries) == whole.entries


def peak_streaming(path: Path, entries: int) -> int:
    with path.open("w") as out:
        out.write('{"data": [')
        for i in range(entries):
            out.write(("," if i else "") + json.dumps(entry(i, 1 + i)))
        out.write('], "meta": {}}')
    tracemalloc.start()
    count = sum(len(b.entries) for b in iter_layer_entries(path, batch_size=100,
                                                            read_size=1 << 15))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == entries
    return peak


def test_streaming_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small = peak_streaming(tmp_path / "small.json", 250)
    large = peak_streaming(tmp_path / "large.json", 2000)
    assert (tmp_path / "large.json").stat().st_size > 2 * 1024 * 1024
    assert large < small * 1.5, (small, large)


def test_a_line_item_may_name_its_account_by_stable_name_from_a_known_chart() -> None:
    chart = ChartOfAccounts([Account("acct-1", "Undeposited Funds", AccountType.ASSET,
                                     stable_name="UNDEPOSITED_FUNDS")])
    document = {"data": [entry(0)]}
    document["data"][0]["line_items"][0]["account"] = {
        "id": {"type": "StableName", "stable_name": "UNDEPOSITED_FUNDS"}}
    batch = import_layer_entries(document, chart=chart)
    assert batch.entries[0].line_items[0].account_id == "acct-1"
    error = refused(document)
    assert (error.code, error.path) == ("unknown_account", "$.data[0].line_items[0].account")


def test_one_account_described_two_ways_is_refused() -> None:
    document = {"data": [entry(0), entry(1)]}
    account = document["data"][1]["line_items"][0]["account"]
    account["account_type"] = {"value": "LIABILITY", "display_name": "Liabilities"}
    account["normality"] = "CREDIT"
    error = refused(document)
    assert (error.code, error.path) == ("invalid_account",
                                        "$.data[1].line_items[0].account.account_type")
    assert error.field == "type"


def test_tags_counterparty_memo_and_reversal_links_are_kept() -> None:
    raw = entry(0)
    raw.update(memo="Deposit", tags=[{"key": "dept", "value": "sales", "id": "t1"}],
               customer={"id": "cust-1", "external_id": "C-1"}, reversal_of_id="entry-x",
               unknown_field={"kept": False})
    (imported,) = import_layer_entries({"data": [raw]}).entries
    assert imported.description == "Deposit"
    assert imported.tags == (("customer_external_id", "C-1"), ("dept", "sales"))
    assert imported.counterparty is not None
    assert (imported.counterparty.kind, imported.counterparty.id) == ("CUSTOMER", "cust-1")
    assert imported.reversal_of_id == "entry-x"
