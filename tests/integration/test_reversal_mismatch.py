"""A reversal posted through the API must mirror its original (issue 15, failure 6)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledgercore.domain import USD, Account, AccountType, Direction, JournalEntry, LineItem
from ledgercore.domain.errors import LedgerError
from ledgercore.store import Ledger
from tests.integration.conftest import unique_name

T0 = datetime(2024, 3, 1, 9, tzinfo=UTC)


def sale(entry_id: str, amount: int, side: Direction = Direction.DEBIT, *,
         reversal_of_id: str | None = None) -> JournalEntry:
    return JournalEntry(entry_id, T0, (LineItem("cash", USD, amount, side),
                                       LineItem("sales", USD, amount, side.opposite)),
                        reversal_of_id=reversal_of_id)


@pytest.mark.parametrize("false", [
    sale("r1", 90, Direction.CREDIT, reversal_of_id="s1"),   # another amount
    sale("r1", 100, Direction.DEBIT, reversal_of_id="s1"),   # the same direction
])
def test_a_reversal_that_does_not_mirror_is_refused(database_url: str,
                                                    false: JournalEntry) -> None:
    with Ledger.open(database_url, ledger=unique_name()) as book:
        book.define_accounts([Account("cash", "Cash", AccountType.ASSET),
                              Account("sales", "Sales", AccountType.REVENUE)])
        book.post([sale("s1", 100)])
        before = (book.entries().entries, book.balances())
        for batch in ([false], [sale("s2", 5), false]):
            with pytest.raises(LedgerError) as caught:
                book.post(batch)
            assert caught.value.code == "reversal_mismatch"
            assert caught.value.entry_id == "r1" and caught.value.original_id == "s1"
            assert (book.entries().entries, book.balances()) == before
        exact = sale("r1", 100, Direction.CREDIT, reversal_of_id="s1")
        assert book.post([exact]).posted == ("r1",)
        assert book.false_reversals() == ()
