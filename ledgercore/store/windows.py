"""Opening balances from overlapping balance windows: one fact, at the earliest start.

A provider's balance window (an Alpaca JIT ``start_date``..``end_date`` response) reports
its ``starting_balance``: everything before the window, which the ledger cannot see. The
ledger's opening balance of an account is one fact: the starting balance of the
*earliest* window known, placed just before that window's start. A later window's
starting balance is then the opening plus the transactions between, which `verify`
checks; it posts nothing.

When an earlier window arrives after a later one, the opening is *re-placed*: the
opening entry posted for the later window is reversed at its own instant (so the pair
nets to zero in every range) and the earlier window's opening is posted. Posting the
difference as a dated adjustment instead would leave the later opening's amount in the
ranges between the two starts, where the earlier window says otherwise; re-placing gives
every range the figures of the earliest window, whatever order the windows came in.
Every window is recorded (``balance_windows``), with a zero starting balance too, so a
window with no transactions and nothing to post still fixes where the opening is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from ledgercore.domain.entries import JournalEntry
from ledgercore.store import journal
from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import to_micros
from ledgercore.store.posting import post
from ledgercore.store.schema import balance_windows

REPLACED_SUFFIX = ":replaced"


@dataclass(frozen=True, slots=True)
class OpeningBalance:
    """A window's reported starting balance of one account.

    Attributes:
        account_id: the account (already defined).
        start: the window's first instant (inclusive).
        starting: the reported balance before `start`, in minor units, normal sign.
        entry: the entry that brings it (dated before `start`); None when it is zero.
    """

    account_id: str
    start: datetime
    starting: int
    entry: JournalEntry | None


def place(connection: Connection, catalog: Catalog, openings: Iterable[OpeningBalance],
          ) -> tuple[tuple[str, ...], int]:
    """Record windows and keep each account's opening at its earliest window's start.

    Returns:
        The ids of the entries posted (openings and the reversals of re-placed ones), and
        how many openings were already in place as given.
    """
    written: list[str] = []
    unchanged = 0
    w = balance_windows.c
    for opening in openings:
        key = catalog.account_key[opening.account_id]
        start = to_micros(opening.start)
        mine = (w.ledger_id == catalog.ledger_id) & (w.account_id == key)
        earliest = connection.execute(select(func.min(w.start_at)).where(mine)).scalar()
        known = connection.execute(select(w.start_at).where(
            mine & (w.start_at == start))).first()
        if known is None:
            connection.execute(insert(balance_windows), {
                "ledger_id": catalog.ledger_id, "account_id": key, "start_at": start,
                "starting": opening.starting, "opening_entry_id": None})
        if earliest is not None and earliest <= start:
            # The opening already sits at an earlier (or this) start.
            unchanged += earliest == start and opening.entry is not None
            continue
        if earliest is not None:
            superseded = connection.execute(select(w.opening_entry_id).where(
                mine & (w.start_at == earliest))).scalar()
            if superseded is not None:
                original = journal.get_entry(connection, catalog, superseded)
                if original.reversal_id is None:
                    _, reversal = original.reverse(superseded + REPLACED_SUFFIX,
                                                   entry_at=original.entry_at,
                                                   created_at=original.created_at)
                    post(connection, catalog, [reversal])
                    written.append(reversal.id)
        if opening.entry is not None:
            done = post(connection, catalog, [opening.entry])
            written.extend(done.posted)
            unchanged += len(done.unchanged)
            connection.execute(update(balance_windows).where(mine & (w.start_at == start))
                               .values(opening_entry_id=opening.entry.id))
    return tuple(written), unchanged
