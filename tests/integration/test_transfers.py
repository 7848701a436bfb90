"""Transfers and balance guards through `Ledger`, on SQLite and PostgreSQL (issue 16)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ledgercore.domain import USD, Account, AccountType, Direction, JournalEntry, LineItem
from ledgercore.domain.errors import LedgerError
from ledgercore.domain.transfers import TransferStatus, security
from ledgercore.store import Ledger
from ledgercore.store.transfer_queries import TransferFilter
from tests.integration.conftest import unique_name

T0 = datetime(2024, 1, 1, tzinfo=UTC)
AAPL = security("AAPL")


@pytest.fixture
def book(database_url: str) -> Ledger:
    ledger = Ledger.open(database_url, ledger=unique_name("transfers"))
    ledger.define_accounts([Account("capital", "Capital", AccountType.EQUITY),
                            Account("loan", "Loan", AccountType.LIABILITY),
                            Account("a", "A", AccountType.ASSET),
                            Account("b", "B", AccountType.ASSET)])
    ledger.post([JournalEntry("fund", T0, (LineItem("a", USD, 10_000, Direction.DEBIT),
                                           LineItem("capital", USD, 10_000, Direction.CREDIT))),
                 JournalEntry("shares", T0, (LineItem("a", AAPL, 2 * 10**9, Direction.DEBIT),
                                             LineItem("capital", AAPL, 2 * 10**9,
                                                      Direction.CREDIT)))])
    return ledger


def _code(call: object) -> LedgerError:
    with pytest.raises(LedgerError) as caught:
        call()  # type: ignore[operator]
    return caught.value


def test_a_hold_is_visible_at_the_instants_it_was_pending(book: Ledger) -> None:
    held = book.transfer("a", "b", 4_000, hold=True)
    book.execute_transfer(held.id)
    events = book.transfer_events(held.id)
    assert [e.status for e in events] == [TransferStatus.PENDING, TransferStatus.EXECUTED]
    made, executed = events[0].at, events[1].at
    during = made + (executed - made) / 2 if executed > made else made
    before = book.available(["a"], at=made - timedelta(microseconds=1))["a"]["USD"]
    pending = book.available(["a", "b"], at=during, include_incoming=True)
    after = book.available(["a"])["a"]["USD"]
    assert (before.posted, before.held, before.available) == (10_000, 0, 10_000)
    if executed > made:
        assert (pending["a"]["USD"].held, pending["a"]["USD"].available) == (4_000, 6_000)
        assert (pending["b"]["USD"].incoming, pending["b"]["USD"].available) == (4_000, 4_000)
    assert (after.posted, after.held, after.available) == (6_000, 0, 6_000)
    entry = book.get_entry(held.id)  # exactly one entry, with the transfer's id
    assert [(i.account_id, i.direction, i.amount) for i in entry.line_items] == [
        ("a", Direction.CREDIT, 4_000), ("b", Direction.DEBIT, 4_000)]


def test_securities_keep_price_and_refuse_as_insufficient_assets(book: Ledger) -> None:
    made = book.transfer("a", "b", 1_500_000_000, AAPL, price="128.23")
    assert made.to_alpaca()["qty"] == "1.5" and book.get_transfer(made.id).price == "128.23"
    error = _code(lambda: book.transfer("a", "b", 500_000_001, AAPL))
    assert (error.code, error.account_id, error.commodity, error.shortfall) == (
        "insufficient_assets", "a", "AAPL", 1)
    error = _code(lambda: book.post([JournalEntry("sell", T0, (
        LineItem("a", AAPL, 10**9, Direction.CREDIT),
        LineItem("capital", AAPL, 10**9, Direction.DEBIT)))]))
    assert error.code == "insufficient_assets"


def test_every_write_is_guarded_and_refusals_list_every_problem(book: Ledger) -> None:
    book.set_floor(["a", "b"], "0")
    spend = JournalEntry("spend", T0, (LineItem("a", USD, 10_001, Direction.CREDIT),
                                       LineItem("b", USD, 1, Direction.CREDIT),
                                       LineItem("capital", USD, 10_002, Direction.DEBIT)))
    error = _code(lambda: book.post([spend]))
    assert (error.code, error.account_id, error.shortfall) == ("insufficient_balance", "a", 1)
    assert sorted(p["account_id"] for p in error.problems) == ["a", "b"]
    assert "spend" not in {e.id for e in book.entries().entries}
    # Paying in is never refused, even below the floor.
    book.post([JournalEntry("in", T0, (LineItem("b", USD, 5, Direction.DEBIT),
                                       LineItem("capital", USD, 5, Direction.CREDIT)))])


def test_a_negative_floor_is_a_credit_limit_and_a_guard_counts_past_lines(book: Ledger) -> None:
    book.set_floor("a", "-10")  # guarded after its lines: counted from them
    book.transfer("a", "b", 11_000)
    assert book.available(["a"])["a"]["USD"].available == -1_000
    error = _code(lambda: book.transfer("a", "b", 1))
    assert (error.code, error.shortfall) == ("insufficient_balance", 1)
    book.set_floor("a", None)
    book.transfer("a", "b", 1)
    assert book.floors()["a"] is None


def test_a_credit_normal_account_is_guarded_in_its_own_sign(book: Ledger) -> None:
    book.post([JournalEntry("borrow", T0, (LineItem("a", USD, 300, Direction.DEBIT),
                                           LineItem("loan", USD, 300, Direction.CREDIT)))])
    book.set_floor("loan", "0")
    error = _code(lambda: book.post([JournalEntry("repay", T0, (
        LineItem("loan", USD, 301, Direction.DEBIT), LineItem("a", USD, 301, Direction.CREDIT)))]))
    assert (error.code, error.account_id) == ("insufficient_balance", "loan")


def test_idempotency_key_and_unknown_things(book: Ledger) -> None:
    first = book.transfer("a", "b", 100, idempotency_key="k")
    assert book.transfer("a", "b", 100, idempotency_key="k") == first
    assert _code(lambda: book.transfer("a", "b", 101, idempotency_key="k")).code == "conflict"
    assert _code(lambda: book.transfer("a", "zz", 1)).code == "not_found"
    assert _code(lambda: book.execute_transfer("nope")).code == "not_found"
    assert _code(lambda: book.transfer("a", "a", 1)).code == "invalid_request"
    assert _code(lambda: book.transfer("a", "b", 1, description="x" * 1025)).code == (
        "invalid_request")
    assert len(book.list_transfers().transfers) == 1


def test_pages_are_newest_first_and_filters_hold(book: Ledger) -> None:
    made = [book.transfer("a", "b", 10 + n, hold=n % 2 == 0) for n in range(5)]
    seen, cursor = [], None
    while True:
        page = book.list_transfers(after=cursor, limit=2)
        seen.extend(t.id for t in page.transfers)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [t.id for t in reversed(made)]
    pending = book.list_transfers(TransferFilter(status=TransferStatus.PENDING)).transfers
    assert [t.id for t in pending] == [made[4].id, made[2].id, made[0].id]
    assert book.list_transfers(TransferFilter(from_account="b")).transfers == ()
    assert _code(lambda: book.list_transfers(after="garbage")).code == "invalid_request"


def test_settlement_refuses_a_transfer_whose_source_fell_below_its_floor(book: Ledger) -> None:
    book.set_floor("a", None)
    early = book.transfer("a", "b", 7_000, hold=True)  # unguarded: no check
    late = book.transfer("a", "b", 2_000, hold=True)
    book.set_floor("a", "20")  # 2,000 cents; available 1,000: below the new floor
    moved = {t.id: t.status for t in book.settle(datetime.now(UTC).date())}
    # The first is refused (its hold released, available 8,000), the second then fits.
    assert moved == {early.id: TransferStatus.REFUSED, late.id: TransferStatus.EXECUTED}
    assert [e.status for e in book.transfer_events(early.id)] == [
        TransferStatus.PENDING, TransferStatus.REFUSED]
    assert book.available(["a"])["a"]["USD"].available == 8_000
    assert _code(lambda: book.delete_transfer(early.id)).code == "cannot_be_deleted"


def _fund(book: Ledger, entry_id: str, wallet: str, amount: int) -> None:
    """The app takes `amount` into its bank and owes it to `wallet`."""
    book.post([JournalEntry(entry_id, T0, (LineItem("bank", USD, amount, Direction.DEBIT),
                                           LineItem(wallet, USD, amount, Direction.CREDIT)))])


@pytest.fixture
def wallets(database_url: str) -> Iterator[Ledger]:
    """A bank account and two wallets an app owes its customers (credit-normal)."""
    with Ledger.open(database_url, ledger=unique_name()) as book:
        book.define_accounts([Account("bank", "Bank", AccountType.ASSET),
                              Account("w1", "Wallet 1", AccountType.LIABILITY),
                              Account("w2", "Wallet 2", AccountType.LIABILITY)])
        yield book


def test_wallets_the_app_owes_move_as_balances_do(wallets: Ledger) -> None:
    """Between two credit-normal accounts (wallets an app owes its customers) a transfer
    lowers the sender's balance and raises the receiver's, and the sender is guarded; a
    transfer between accounts of different normality is refused, nothing written."""
    _fund(wallets, "fund", "w1", 500)
    wallets.transfer("w1", "w2", 200)
    ending = {a: b["USD"].ending for a, b in wallets.balances().items()}
    assert (ending["w1"], ending["w2"]) == (300, 200)
    refused = _code(lambda: wallets.transfer("w2", "w1", 201))
    assert (refused.code, refused.account_id) == ("insufficient_balance", "w2")
    assert _code(lambda: wallets.transfer("bank", "w2", 1)).code == "invalid_request"
    assert len(wallets.list_transfers().transfers) == 1


def test_a_wallets_pending_transfers_hold_what_it_sends_not_what_it_receives(
        wallets: Ledger) -> None:
    """A credit-normal sender's holds are its own pending transfers out: two holds that
    together exceed its balance cannot both be made, and a transfer pending into it
    neither lowers nor raises what it may send."""
    _fund(wallets, "fund", "w1", 100)
    wallets.transfer("w1", "w2", 80, hold=True)
    second = _code(lambda: wallets.transfer("w1", "w2", 80, hold=True))
    assert (second.code, second.account_id) == ("insufficient_balance", "w1")
    wallets.transfer("w1", "w2", 20, hold=True)  # exactly what is left
    _fund(wallets, "fund2", "w2", 50)
    wallets.transfer("w2", "w1", 50, hold=True)  # pending into w1 holds nothing of w1's
    assert wallets.available(["w1"])["w1"]["USD"].held == 100


def test_a_transfer_too_large_to_post_is_refused_when_asked_not_held(book: Ledger) -> None:
    """Every transfer accepted can be posted: one larger than a line may hold is refused
    at creation (held or not), never left pending to fail at execution."""
    book.set_floor("a", None)
    for hold in (True, False):
        refused = _code(lambda hold=hold: book.transfer("a", "b", 10**17 + 1, hold=hold))
        assert (refused.code, refused.path) == ("invalid_request", "$.amount")
    largest = book.transfer("a", "b", 10**17, hold=True)
    assert book.execute_transfer(largest.id).status is TransferStatus.EXECUTED
