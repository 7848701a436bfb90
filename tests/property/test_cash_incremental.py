"""Incremental settlement equals the batch one, including back-dated postings.

`SimulatedStore` does what docs/cash-basis.md asks of the SQL store: it posts entries in
the order they arrive, hands `settle_entry` only the state the contract names, and when an
entry sorts before something already posted on one of its clearing accounts, it replays
those clearing accounts from the start. Its allocations, items and view must equal
`settle` / `cash_view` on the finished journal.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from hypothesis import given

from ledgercore.domain import JournalEntry
from ledgercore.domain.balances import statement_order
from ledgercore.domain.cash import (
    Allocation,
    ItemKey,
    OpenItem,
    cash_entry,
    cash_view,
    clearing_accounts,
    open_items,
    settle,
    settle_entry,
)
from tests.property.cash_strategies import CashLedger, cash_ledgers


class SimulatedStore:
    """Allocations kept per clearing account, maintained at posting time."""

    def __init__(self, ledger: CashLedger) -> None:
        self.ledger = ledger
        self.chart = ledger.chart
        self.clearing = clearing_accounts(ledger.chart, ledger.clearing_subtypes)
        self.posted: dict[str, JournalEntry] = {}
        self.items: dict[ItemKey, OpenItem] = {}
        self.allocations: dict[str, list[Allocation]] = defaultdict(list)  # by clearing acct

    def touched(self, entry: JournalEntry) -> frozenset[str]:
        return entry.account_ids & self.clearing

    def original(self, entry: JournalEntry) -> JournalEntry | None:
        found = self.posted.get(entry.reversal_of_id or "")
        return found if found and statement_order(found) < statement_order(entry) else None

    def post(self, entry: JournalEntry) -> None:
        accounts = self.touched(entry)
        self.posted[entry.id] = entry
        if not accounts:
            return
        later = [e for e in self.posted.values() if e.id != entry.id and self.touched(e)
                 & accounts and statement_order(e) > statement_order(entry)]
        if later:  # back-dated: FIFO order may change, recompute these clearing accounts
            self.replay(accounts)
        else:
            self.apply(entry, accounts=None)

    def state_for(self, entry: JournalEntry, original: JournalEntry | None,
                  original_allocations: list[Allocation]) -> dict[ItemKey, OpenItem]:
        """Only what the contract promises: open items of the touched clearing accounts
        and commodities, the named items, the original's items, the items it settled."""
        state: dict[ItemKey, OpenItem] = {}
        codes = {(li.account_id, li.commodity.code) for li in entry.line_items
                 if li.account_id in self.clearing}
        names = (*self.ledger.settlements.get(entry.id, ()), *(
            [original.id] if original else []))
        for key, item in self.items.items():
            if (key[1], key[2]) in codes and (item.remaining > 0 or key[0] in names):
                state[key] = item
        for allocation in original_allocations:
            state[allocation.item_key] = self.items[allocation.item_key]
        return state

    def apply(self, entry: JournalEntry, accounts: frozenset[str] | None) -> None:
        original = self.original(entry)
        previous = [a for allocations in self.allocations.values() for a in allocations
                    if original is not None and a.settling_entry_id == original.id]
        made = settle_entry(self.chart, entry, self.state_for(entry, original, previous),
                            clearing=self.clearing, original=original,
                            original_allocations=previous,
                            settles=self.ledger.settlements.get(entry.id, ()),
                            accounts=accounts)
        for allocation in made:
            item = self.items[allocation.item_key]
            self.items[item.key] = dataclasses.replace(item, settled=item.settled
                                                       + allocation.amount)
            self.allocations[allocation.clearing_account_id].append(allocation)
        for item in open_items(self.chart, entry, clearing=self.clearing, original=original):
            if accounts is None or item.clearing_account_id in accounts:
                self.items[item.key] = item

    def replay(self, accounts: frozenset[str]) -> None:
        for account in accounts:
            self.allocations.pop(account, None)
        self.items = {k: v for k, v in self.items.items() if k[1] not in accounts}
        for entry in sorted((e for e in self.posted.values() if self.touched(e) & accounts),
                            key=statement_order):
            self.apply(entry, accounts=accounts)


def by_settler(allocations: list[Allocation] | tuple[Allocation, ...]
               ) -> dict[str, list[Allocation]]:
    out: dict[str, list[Allocation]] = defaultdict(list)
    for allocation in allocations:
        out[allocation.settling_entry_id].append(allocation)
    return {k: sorted(v, key=lambda a: (a.clearing_account_id, a.commodity))
            for k, v in out.items()}


@given(cash_ledgers())
def test_posting_in_ledger_order_with_the_whole_state_equals_batch(ledger: CashLedger) -> None:
    clearing = clearing_accounts(ledger.chart, ledger.clearing_subtypes)
    batch = settle(ledger.chart, ledger.entries, clearing_subtypes=ledger.clearing_subtypes,
                   settlements=ledger.settlements)
    items: dict[ItemKey, OpenItem] = {}
    made_by: dict[str, tuple[Allocation, ...]] = {}
    made: list[Allocation] = []
    for entry in batch.entries:
        original = batch.originals.get(entry.id)
        # Every item ever posted, even settled ones: the function must pick what is eligible.
        allocations = settle_entry(ledger.chart, entry, items, clearing=clearing,
                                   original=original,
                                   original_allocations=made_by.get(
                                       original.id, ()) if original else (),
                                   settles=ledger.settlements.get(entry.id, ()))
        for allocation in allocations:
            item = items[allocation.item_key]
            items[item.key] = dataclasses.replace(item, settled=item.settled + allocation.amount)
        items.update((i.key, i) for i in open_items(ledger.chart, entry, clearing=clearing,
                                                    original=original))
        made_by[entry.id] = allocations
        made.extend(allocations)
    assert tuple(made) == batch.allocations
    assert items == dict(batch.items)


@given(cash_ledgers())
def test_store_posting_in_arrival_order_equals_batch(ledger: CashLedger) -> None:
    store = SimulatedStore(ledger)
    for entry in sorted(ledger.entries, key=lambda e: (e.created_at, e.id)):
        store.post(entry)
    batch = settle(ledger.chart, ledger.entries, clearing_subtypes=ledger.clearing_subtypes,
                   settlements=ledger.settlements)
    stored = [a for allocations in store.allocations.values() for a in allocations]
    assert by_settler(stored) == by_settler(batch.allocations)
    assert store.items == dict(batch.items)
    # The projection of each entry (cash_entry on the stored allocations) is the view.
    projected = []
    grouped = by_settler(stored)
    for entry in batch.entries:
        seen = cash_entry(ledger.chart, entry, grouped.get(entry.id, ()), store.items,
                          clearing=store.clearing, original=store.original(entry))
        if seen is not None:
            projected.append(seen)
    assert tuple(projected) == cash_view(ledger.chart, ledger.entries,
                                         clearing_subtypes=ledger.clearing_subtypes,
                                         settlements=ledger.settlements)
