"""The statuses a provider's transfer (an Alpaca journal) was seen in, and when.

The books of a journal are a function of this set
(`ledgercore.providers.journal_timeline`): an import reads what is known, adds what it
sees, and posts what the whole history calls for, in one transaction. A status seen
again at the same instant is one row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import from_micros, to_micros
from ledgercore.store.schema import journal_statuses

StatusSeen = tuple[str, str, datetime]
"""(journal id, status, instant seen)."""


def read(connection: Connection, catalog: Catalog, journal_ids: Collection[str],
         ) -> dict[str, list[tuple[str, datetime]]]:
    """Each journal's (status, instant seen) pairs, oldest first."""
    s = journal_statuses.c
    out: dict[str, list[tuple[str, datetime]]] = defaultdict(list)
    wanted = sorted(set(journal_ids))
    for start in range(0, len(wanted), 500):
        rows = connection.execute(
            select(s.journal_id, s.status, s.seen_at)
            .where(s.ledger_id == catalog.ledger_id,
                   s.journal_id.in_(wanted[start:start + 500]))
            .order_by(s.journal_id, s.seen_at, s.status)).all()
        for row in rows:
            out[row.journal_id].append((row.status, from_micros(row.seen_at)))
    return dict(out)


def record(connection: Connection, catalog: Catalog, seen: Iterable[StatusSeen]) -> int:
    """Add the statuses not yet recorded. Returns how many were new."""
    rows = {(journal_id, status, to_micros(at)) for journal_id, status, at in seen}
    if not rows:
        return 0
    known = {(j, st, to_micros(at)) for j, pairs in read(
        connection, catalog, {j for j, _, _ in rows}).items() for st, at in pairs}
    fresh = sorted(rows - known)
    if fresh:
        connection.execute(insert(journal_statuses), [
            {"ledger_id": catalog.ledger_id, "journal_id": j, "status": st, "seen_at": at}
            for j, st, at in fresh])
    return len(fresh)
