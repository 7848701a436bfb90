"""A transfer's journal entry is built without the entry's checks (they hold by
construction, `ledgercore.store.transfers._entry`): it equals the checked one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ledgercore.domain import Direction, JournalEntry, LineItem
from ledgercore.domain.errors import LedgerError
from ledgercore.domain.limits import MAX_AMOUNT
from ledgercore.domain.money import Commodity
from ledgercore.domain.transfers import Transfer, TransferRequest, TransferStatus, cash, security
from ledgercore.store.catalog import Catalog
from ledgercore.store.transfers import _entry

texts = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"),
                min_size=1, max_size=40)


@given(source=texts, target=texts, amount=st.integers(1, MAX_AMOUNT),
       commodity=st.sampled_from([cash("USD"), cash("JPY"), security("AAPL")]),
       description=st.none() | st.text(max_size=1024).filter(lambda t: "\x00" not in t),
       normal=st.sampled_from(list(Direction)), seconds=st.integers(0, 10**9))
def test_the_prechecked_entry_equals_the_checked_one(
        source: str, target: str, amount: int, commodity: Commodity, description: str | None,
        normal: Direction, seconds: int) -> None:
    request = TransferRequest(source, target, commodity, amount, description=description)
    try:
        request.validate()
    except LedgerError:  # only requests a transfer accepts are built
        return
    catalog = Catalog(ledger_id=1, posting_key={source: (1, normal), target: (2, normal)})
    at = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    transfer = Transfer("t-1", source, target, request.commodity, amount,
                        TransferStatus.EXECUTED, at, at.date(), at.date(), None, description)
    checked = JournalEntry("t-1", at, (
        LineItem(source, request.commodity, amount, normal.opposite),
        LineItem(target, request.commodity, amount, normal)), created_at=at,
        entry_type=transfer.entry_type.value, description=description)
    assert _entry(catalog, transfer, at) == checked
