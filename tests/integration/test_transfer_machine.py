"""A Hypothesis state machine over transfers and guards, SQL against a pure model.

Rules: fund and spend by `post`, create (held or executed at once), execute, void,
delete, settle, raise or lower a floor. After every step, on SQLite and PostgreSQL: each
account's posted balance, holds and available balance equal the model's, every
transfer's status equals the model's, the guard's kept balances equal the posted ones,
and no guarded account's available balance is negative (issue 16). The machine runs
over customers' assets (debit-normal) and over wallets the app owes (credit-normal): a
transfer lowers its source in the source's normal sign either way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from ledgercore.domain import USD, Account, AccountType, JournalEntry, LineItem
from ledgercore.domain.errors import LedgerError
from ledgercore.store import Ledger
from ledgercore.store import guards as store_guards
from tests.integration.conftest import unique_name

GUARDED = ("a", "b", "c")
T0 = datetime(2024, 1, 1, tzinfo=UTC)
amounts = st.integers(1, 2_000)
START = 2_000  # each guarded account's opening balance, so holds matter from the first step
accounts = st.sampled_from(GUARDED)


class TransferMachine(RuleBasedStateMachine):
    """One fresh ledger per run; `url` is set by the test that runs the machine."""

    url = ""
    kind = AccountType.ASSET  # the guarded accounts' type (and so their normality)
    transfers = Bundle("transfers")

    def __init__(self) -> None:
        super().__init__()
        self.book = Ledger.open(self.url, ledger=unique_name("machine"))
        self.book.define_accounts([Account("cap", "Capital", AccountType.EQUITY),
                                   *(Account(a, a.upper(), self.kind) for a in GUARDED)])
        self.normal = Account("x", "X", self.kind).normal
        self.book.post([self.entry(f"open-{a}", a, START) for a in GUARDED])
        self.book.set_floor(GUARDED, "0")
        self.posted = dict.fromkeys(GUARDED, START)
        self.floor = dict.fromkeys(GUARDED, 0)
        self.made: dict[str, list[object]] = {}  # id -> [source, target, amount, status]
        self.ids = count()

    def teardown(self) -> None:
        self.book.close()

    # -- the model ----------------------------------------------------------------------

    def entry(self, entry_id: str, account: str, change: int) -> JournalEntry:
        """An entry changing `account`'s balance by `change` (normal sign) against capital."""
        side = self.normal if change > 0 else self.normal.opposite
        return JournalEntry(entry_id, T0, (LineItem(account, USD, abs(change), side),
                                           LineItem("cap", USD, abs(change), side.opposite)))

    def held(self, account: str) -> int:
        return sum(int(t[2]) for t in self.made.values()  # type: ignore[call-overload]
                   if t[0] == account and t[3] == "pending")

    def available(self, account: str) -> int:
        return self.posted[account] - self.held(account)

    def refused(self, call: object, code: str) -> None:
        with pytest.raises(LedgerError) as caught:
            call()  # type: ignore[operator]
        assert caught.value.code == code

    # -- rules --------------------------------------------------------------------------

    @rule(account=accounts, amount=amounts)
    def fund(self, account: str, amount: int) -> None:
        self.book.post([self.entry(f"in{next(self.ids)}", account, amount)])
        self.posted[account] += amount

    @rule(account=accounts, amount=amounts)
    def spend(self, account: str, amount: int) -> None:
        entry = self.entry(f"out{next(self.ids)}", account, -amount)
        if self.available(account) - amount >= self.floor[account]:
            self.book.post([entry])
            self.posted[account] -= amount
        else:
            self.refused(lambda: self.book.post([entry]), "insufficient_balance")

    @rule(target=transfers, source=accounts, to=accounts, amount=amounts,
          hold=st.sampled_from([True, True, False]))
    def create(self, source: str, to: str, amount: int, hold: bool) -> object:
        if source == to:
            return multiple()
        transfer_id = f"t{next(self.ids)}"
        if self.available(source) - amount < self.floor[source]:
            self.refused(lambda: self.book.transfer(source, to, amount, hold=hold,
                                                    transfer_id=transfer_id),
                         "insufficient_balance")
            return multiple()
        made = self.book.transfer(source, to, amount, hold=hold, transfer_id=transfer_id)
        assert made.status.value == ("pending" if hold else "executed")
        self.made[transfer_id] = [source, to, amount, made.status.value]
        if not hold:
            self._move(transfer_id)
        return transfer_id

    def _move(self, transfer_id: str) -> None:
        source, to, amount, _ = self.made[transfer_id]
        self.posted[str(source)] -= int(amount)  # type: ignore[call-overload]
        self.posted[str(to)] += int(amount)  # type: ignore[call-overload]

    @rule(transfer_id=transfers)
    def execute(self, transfer_id: str) -> None:
        record = self.made[transfer_id]
        if record[3] != "pending":
            self.refused(lambda: self.book.execute_transfer(transfer_id), "invalid_transition")
        elif self.available(str(record[0])) < self.floor[str(record[0])]:
            self.refused(lambda: self.book.execute_transfer(transfer_id),
                         "insufficient_balance")
        else:
            assert self.book.execute_transfer(transfer_id).status.value == "executed"
            record[3] = "executed"
            self._move(transfer_id)

    @rule(transfer_id=transfers)
    def void(self, transfer_id: str) -> None:
        record = self.made[transfer_id]
        if record[3] != "pending":
            self.refused(lambda: self.book.void_transfer(transfer_id), "invalid_transition")
        else:
            self.book.void_transfer(transfer_id)
            record[3] = "canceled"

    @rule(transfer_id=transfers)
    def delete(self, transfer_id: str) -> None:
        record = self.made[transfer_id]
        if record[3] != "pending":
            self.refused(lambda: self.book.delete_transfer(transfer_id), "cannot_be_deleted")
        else:
            self.book.delete_transfer(transfer_id)
            record[3] = "deleted"

    @rule()
    def settle(self) -> None:
        moved = self.book.settle(datetime.now(UTC).date())
        expected = {}
        for transfer_id, record in self.made.items():  # in creation order
            if record[3] != "pending":
                continue
            source = str(record[0])
            if self.available(source) < self.floor[source]:
                record[3] = "refused"
            else:
                record[3] = "executed"
                self._move(transfer_id)
            expected[transfer_id] = record[3]
        assert {t.id: t.status.value for t in moved} == expected

    @rule(account=accounts, floor=st.sampled_from([0, 1_000]))
    def set_floor(self, account: str, floor: int) -> None:
        self.book.set_floor(account, USD.format(floor))
        self.floor[account] = floor

    # -- invariants ---------------------------------------------------------------------

    @invariant()
    def figures_equal_the_model(self) -> None:
        figures = self.book.available(GUARDED)
        for account in GUARDED:
            found = figures.get(account, {}).get("USD")
            posted, held = (0, 0) if found is None else (found.posted, found.held)
            assert (posted, held) == (self.posted[account], self.held(account))
            assert self.available(account) >= 0
            if found is not None:
                assert found.available == self.available(account)

    @invariant()
    def statuses_equal_the_model(self) -> None:
        listed = self.book.list_transfers(limit=1_000).transfers
        assert {t.id: t.status.value for t in listed} == {k: v[3] for k, v in self.made.items()}
        assert [t.id for t in listed] == list(reversed(self.made))  # newest first

    @invariant()
    def kept_balances_equal_posted(self) -> None:
        kept = self.book._read(lambda c: store_guards.guarded_balances(c, self.book._catalog))
        assert {a: kept.get((a, "USD"), 0) for a in GUARDED} == self.posted


def _run(url: str, kind: AccountType, examples: int) -> None:
    machine = type("Machine", (TransferMachine,), {"url": url, "kind": kind})
    run_state_machine_as_test(machine, settings=settings(
        settings(), max_examples=examples, stateful_step_count=20))


KINDS = pytest.mark.parametrize("kind", [AccountType.ASSET, AccountType.LIABILITY])


@KINDS
def test_transfers_against_the_model_on_sqlite(sqlite_url: str, kind: AccountType) -> None:
    _run(sqlite_url, kind, 60)


@KINDS
def test_transfers_against_the_model_on_postgresql(pg_url: str, kind: AccountType) -> None:
    _run(pg_url, kind, 15)
