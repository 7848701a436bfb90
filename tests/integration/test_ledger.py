"""The `Ledger` facade's promises: atomic, idempotent posting with located errors,
reversals that link both ways, accounts that cannot change, settings, restarts, tenants."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgercore.domain import (
    USD,
    Account,
    AccountType,
    Commodity,
    Direction,
    JournalEntry,
    LedgerError,
    LineItem,
    Period,
    ReportingBasis,
    balances,
    statement,
)
from ledgercore.domain.cash import cash_view
from ledgercore.store import Ledger, PostResult
from tests.conftest import scaled
from tests.integration.conftest import unique_name
from tests.integration.ledgers import GeneratedLedger, ledgers, periods

T0 = datetime(2024, 3, 1, 9, tzinfo=UTC)
CHART = (Account("cash", "Cash", AccountType.ASSET),
         Account("revenue", "Revenue", AccountType.REVENUE),
         Account("sales", "Sales", AccountType.REVENUE, parent_id="revenue"))


def sale(entry_id: str, amount: int, *, days: int = 0, account: str = "sales",
         commodity: Commodity = USD) -> JournalEntry:
    return JournalEntry(entry_id, T0 + timedelta(days=days), (
        LineItem("cash", commodity, amount, Direction.DEBIT),
        LineItem(account, commodity, amount, Direction.CREDIT)))


@pytest.fixture
def book(database_url: str) -> Ledger:
    opened = Ledger.open(database_url, ledger=unique_name())
    opened.define_accounts(CHART)
    return opened


def test_a_bad_batch_writes_nothing_and_names_every_problem(book: Ledger) -> None:
    batch = [sale("s0", 100), sale("s1", 200), sale("s2", 300),
             sale("s3", 400, account="nowhere"), sale("s4", 500, account="elsewhere")]
    with pytest.raises(LedgerError) as caught:
        book.post(batch)
    assert caught.value.code == "unknown_account"
    assert caught.value.path == "$[3].line_items[1].account"
    assert [p["path"] for p in caught.value.details["problems"]] == [
        "$[3].line_items[1].account", "$[4].line_items[1].account"]
    assert book.entries().entries == ()
    assert book.balances() == {}


def test_posting_is_idempotent_and_a_changed_entry_is_a_conflict(book: Ledger) -> None:
    assert book.post([sale("s0", 100), sale("s1", 200)]).posted == ("s0", "s1")
    again = book.post([sale("s0", 100), sale("s1", 200), sale("s2", 300)])
    assert again.posted == ("s2",) and again.unchanged == ("s0", "s1")
    with pytest.raises(LedgerError) as caught:
        book.post([sale("s3", 1), sale("s1", 201)])
    assert caught.value.code == "conflict" and caught.value.path == "$[1]"
    assert caught.value.entry_id == "s1"
    assert [e.id for e in book.entries().entries] == ["s0", "s1", "s2"]
    with pytest.raises(LedgerError) as twice:
        book.post([sale("s5", 1), sale("s5", 2)])
    assert twice.value.code == "conflict" and twice.value.path == "$[1]"
    assert book.post([sale("s6", 1), sale("s6", 1)]) == PostResult(("s6",), ("s6",))


def test_a_commodity_keeps_its_scale(book: Ledger) -> None:
    book.post([sale("s0", 100)])
    with pytest.raises(LedgerError) as caught:
        book.post([sale("s1", 5, commodity=Commodity("USD", 3))])
    assert caught.value.code == "invalid_commodity"
    assert caught.value.path == "$[0].line_items[0].commodity"
    assert book.commodities() == (USD,)


def test_reversal_links_both_ways_nets_to_zero_and_refuses_twice(book: Ledger) -> None:
    book.post([sale("s0", 100), sale("s1", 50)])
    reversal = book.reverse("s0", "r0", entry_at=T0 + timedelta(days=2))
    assert reversal.reversal_of_id == "s0"
    assert book.get_entry("s0").reversal_id == "r0"
    assert book.get_entry("r0") == reversal
    assert book.balances()["cash"]["USD"].ending == 50
    with pytest.raises(LedgerError) as caught:
        book.reverse("s0", "r1")
    assert caught.value.code == "already_reversed"
    with pytest.raises(LedgerError) as missing:
        book.reverse("nope", "r2")
    assert missing.value.code == "unknown_entry"


def test_an_imported_entry_and_its_reversal_post_in_one_batch(book: Ledger) -> None:
    original, reversal = sale("s0", 100).reverse("r0")
    assert book.post([reversal, original]).posted == ("r0", "s0")
    assert book.get_entry("s0").reversal_id == "r0"
    assert book.post([original, reversal]).unchanged == ("s0", "r0")
    _, other = sale("s0", 100).reverse("r9")
    with pytest.raises(LedgerError) as caught:
        book.post([other])
    assert caught.value.code == "already_reversed" and caught.value.path == "$[0].reversal_of_id"


def test_accounts_are_idempotent_and_posted_meaning_is_fixed(book: Ledger) -> None:
    assert book.define_accounts(CHART) == 0
    assert book.define_accounts([Account("fees", "Fees", AccountType.EXPENSE)]) == 1
    book.post([sale("s0", 100)])
    with pytest.raises(LedgerError) as caught:
        book.define_accounts([Account("cash", "Petty cash", AccountType.LIABILITY)])
    assert caught.value.code == "conflict" and caught.value.account_id == "cash"
    assert caught.value.field == "type"
    assert book.chart().get("cash").name == "Cash"
    assert book.define_accounts([Account("cash", "Petty cash", AccountType.ASSET)]) == 0
    assert book.chart().get("cash").name == "Petty cash"
    with pytest.raises(LedgerError) as orphan:
        book.define_accounts([Account("x", "X", AccountType.ASSET, parent_id="none")])
    assert orphan.value.code == "unknown_account"
    assert {a.id for a in book.chart()} == {"cash", "revenue", "sales", "fees"}


def test_settings_timezone_and_activation(database_url: str) -> None:
    name = unique_name()
    with Ledger.open(database_url, ledger=name, timezone="America/New_York") as book:
        assert book.settings.timezone == "America/New_York"
        assert book.period(date(2024, 1, 1)).start == datetime(
            2024, 1, 1, tzinfo=ZoneInfo("America/New_York"))
        book.set_activation(T0)
    with Ledger.open(database_url, ledger=name) as book:
        assert book.settings.activation_at == T0
        assert book.settings.timezone == "America/New_York"
    with pytest.raises(LedgerError) as caught:
        Ledger.open(database_url, ledger=name, timezone="UTC")
    assert caught.value.code == "conflict"
    with pytest.raises(LedgerError) as missing:
        Ledger.open(database_url, ledger=unique_name(), create=False)
    assert missing.value.code == "unknown_ledger"


def test_bad_cursor_and_limit(book: Ledger) -> None:
    for after, limit in (("not-a-cursor", 10), (None, 0)):
        with pytest.raises(LedgerError) as caught:
            book.entries(after=after, limit=limit)
        assert caught.value.code == "invalid_payload"


def test_load_streams_batches_all_or_nothing(book: Ledger) -> None:
    good = ((CHART, [sale("s0", 1)]), ([Account("fees", "Fees", AccountType.EXPENSE)],
                                       [sale("s1", 2, account="fees")]))
    result = book.load(iter(good))
    assert (result.accounts, result.posted, result.unchanged) == (1, 2, 0)
    with pytest.raises(LedgerError) as caught:
        book.load(iter([((), [sale("s2", 3)]), ((), [sale("s3", 4, account="nowhere")])]))
    assert caught.value.code == "unknown_account" and caught.value.batch == 1
    assert [e.id for e in book.entries().entries] == ["s0", "s1"]


def _post_in_child(url: str, name: str) -> None:
    with Ledger.open(url, ledger=name) as book:
        book.define_accounts(CHART)
        book.post([sale("s0", 100), sale("s1", 250, days=3)])


def test_books_survive_a_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'books.db'}"
    child = multiprocessing.get_context("fork").Process(target=_post_in_child,
                                                         args=(url, "main"))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    with Ledger.open(url, ledger="main") as book:
        assert book.balances()["cash"]["USD"].ending == 350
        book.post([sale("s2", 1)])
    with Ledger.open(url, ledger="main", upgrade=False) as book:
        assert book.balances(Period.of(T0 + timedelta(days=1)))["cash"]["USD"].starting == 101


@scaled(15)
@given(generated=st.lists(ledgers(max_entries=8), min_size=2, max_size=3), data=st.data())
def test_tenants_never_see_each_other(database_url: str, generated: list[GeneratedLedger],
                                      data: st.DataObject) -> None:
    books = [Ledger.open(database_url, ledger=unique_name()) for _ in generated]
    try:
        for book, one in zip(books, generated, strict=True):
            book.define_accounts(one.accounts)
            book.post(one.entries)  # the same entry ids in several ledgers are fine
        period = data.draw(periods())
        for book, one in zip(books, generated, strict=True):
            chart = book.chart()
            assert {a.id for a in chart} == {a.id for a in one.accounts}
            assert book.balances(period) == balances(chart, one.entries, period)
            assert len(book.entries(limit=1000).entries) == len(one.entries)
            account = one.accounts[0].id
            assert book.statement(account, period) == statement(chart, one.entries, account,
                                                                period)
    finally:
        for book in books:
            book.close()


@scaled(10)
@given(generated=ledgers(max_entries=10), data=st.data())
def test_cash_basis_equals_the_domain_cash_view(database_url: str,
                                                generated: GeneratedLedger,
                                                data: st.DataObject) -> None:
    with Ledger.open(database_url, ledger=unique_name()) as book:
        book.define_accounts(generated.accounts)
        entries = generated.entries
        book.post(entries)
        chart = book.chart()
        period = data.draw(periods())
        view = cash_view(chart, sorted(entries, key=lambda e: (e.entry_at, e.created_at, e.id)))
        assert book.balances(period, basis=ReportingBasis.CASH) == balances(chart, view, period)

