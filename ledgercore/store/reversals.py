"""Reversals that do not mirror their originals.

An entry and its reversal net to zero on every account and commodity: that is what a
reversal is. One posted through the API must be exact (`reversal_mismatch`, nothing
written). One that arrives in a provider's payload is the provider's fact and is booked
as sent, but the import summary and `verify` name it, with each account and commodity
whose pair does not net to zero (`FalseReversal`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import Direction
from ledgercore.domain.entries import JournalEntry
from ledgercore.domain.errors import ReversalMismatch, UnknownEntry
from ledgercore.domain.money import Commodity
from ledgercore.store import journal
from ledgercore.store.catalog import Catalog
from ledgercore.store.schema import journal_entries, line_items


@dataclass(frozen=True, slots=True)
class FalseReversal:
    """One account and commodity on which a reversal pair does not net to zero.

    Attributes:
        residual: debits minus credits of the original and its reversal together, in
            minor units of `commodity`.
    """

    original_id: str
    reversal_id: str
    account_id: str
    commodity: Commodity
    residual: int

    def __str__(self) -> str:
        side = "debit" if self.residual > 0 else "credit"
        return (f"{self.reversal_id} (reversing {self.original_id}) leaves "
                f"{self.commodity.format(abs(self.residual))} {self.commodity.code} {side} "
                f"on account {self.account_id}")


def residuals(original: JournalEntry, reversal: JournalEntry) -> list[FalseReversal]:
    """Where `original` and `reversal` together do not net to zero."""
    net: dict[tuple[str, Commodity], int] = defaultdict(int)
    for item in (*original.line_items, *reversal.line_items):
        net[item.account_id, item.commodity] += (item.amount if item.direction is
                                                 Direction.DEBIT else -item.amount)
    return [FalseReversal(original.id, reversal.id, account, commodity, left)
            for (account, commodity), left in sorted(net.items(), key=lambda x: (
                x[0][0], x[0][1].code)) if left != 0]


def in_batch(connection: Connection, catalog: Catalog, batch: Sequence[JournalEntry],
             ) -> list[FalseReversal]:
    """The false reversals a batch would post: each pair it names, with either side
    in the batch or already posted (a side not found is left to posting to report)."""
    mine = {entry.id: entry for entry in batch}
    pairs = {(e.reversal_of_id, e.id) for e in batch if e.reversal_of_id is not None}
    pairs |= {(e.id, e.reversal_id) for e in batch if e.reversal_id is not None}
    out: list[FalseReversal] = []
    for original_id, reversal_id in sorted(pairs):
        original = mine.get(original_id) or _stored(connection, catalog, original_id)
        reversal = mine.get(reversal_id) or _stored(connection, catalog, reversal_id)
        if original is not None and reversal is not None:
            out.extend(residuals(original, reversal))
    return out


def refuse(found: list[FalseReversal]) -> None:
    """Raise `reversal_mismatch` naming every account and amount left over.

    Raises:
        ReversalMismatch: `found` is not empty.
    """
    if found:
        first = found[0]
        raise ReversalMismatch(
            f"entry {first.reversal_id} does not mirror {first.original_id}, so it is no "
            f"reversal: {'; '.join(map(str, found))}; post the exact reversal "
            f"(Ledger.reverse) or a separate correcting entry", entry_id=first.reversal_id,
            original_id=first.original_id, account_id=first.account_id,
            commodity=first.commodity.code, residual=first.residual)


def posted(connection: Connection, catalog: Catalog) -> list[FalseReversal]:
    """Every posted reversal pair of the ledger that does not net to zero."""
    reversal = journal_entries.alias("r")
    original = journal_entries.alias("o")
    li = line_items.c
    signed = case((li.direction == Direction.DEBIT.value, li.amount), else_=-li.amount)
    left = func.sum(signed)
    rows = connection.execute(
        select(original.c.external_id, reversal.c.external_id, li.account_id,
               li.commodity_id, left)
        .select_from(reversal)
        .join(original, and_(original.c.ledger_id == reversal.c.ledger_id,
                             original.c.external_id == reversal.c.reversal_of_id))
        .join(line_items, or_(li.entry_id == reversal.c.id, li.entry_id == original.c.id))
        .where(reversal.c.ledger_id == catalog.ledger_id)
        .group_by(original.c.external_id, reversal.c.external_id, li.account_id,
                  li.commodity_id)
        .having(left != 0)
        .order_by(reversal.c.external_id, li.account_id)).all()
    if any(row[2] not in catalog.account_id or row[3] not in catalog.commodity
           for row in rows):
        catalog.load(connection)
    return [FalseReversal(row[0], row[1], catalog.account_id[row[2]],
                          catalog.commodity[row[3]], int(row[4])) for row in rows]


def _stored(connection: Connection, catalog: Catalog, entry_id: str) -> JournalEntry | None:
    try:
        return journal.get_entry(connection, catalog, entry_id)
    except UnknownEntry:
        return None
