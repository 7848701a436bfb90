"""The lock of closed periods, as every write path checks it, and the record of closes.

`ledgers.closed_until` is the first instant a write may be dated at while a close stands
(`ledgercore.domain.closing`). Posting calls `refuse_closed` once per batch, inside its
write transaction and before it writes anything; so do a load's batches and a reversal,
which post through the same function. On PostgreSQL the read takes a share lock on the
ledger's row, and a close or reopening updates that row: a posting and a close of the same
ledger therefore never interleave (a posting either commits before the close computes its
closing entry, or sees the close and is refused). SQLite writers are serialised anyway.
Re-posting an entry already posted as given writes nothing and is not refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from ledgercore.domain.closing import PeriodClose
from ledgercore.domain.closing import refuse_closed as refuse
from ledgercore.domain.entries import JournalEntry
from ledgercore.store.catalog import Catalog
from ledgercore.store.driver import fetch_all
from ledgercore.store.instants import from_micros
from ledgercore.store.schema import journal_entries, ledgers, period_closes

_LOCK = {"postgresql": "SELECT closed_until, chart_version FROM ledgers WHERE id = :ledger "
                       "FOR {mode}"}
_READ = "SELECT closed_until, chart_version FROM ledgers WHERE id = :ledger"


def closed_until(connection: Connection, ledger_id: int, *, exclusive: bool = False) -> int | None:
    """The ledger's lock in microseconds (None: nothing closed), read under a row lock
    on PostgreSQL: a share lock for a writer, an update lock (`exclusive`) for a close."""
    return _ledger_row(connection, ledger_id, exclusive)[0]


def _ledger_row(connection: Connection, ledger_id: int,
                exclusive: bool) -> tuple[int | None, int]:
    sql = _READ
    if connection.dialect.name in _LOCK:
        sql = _LOCK[connection.dialect.name].format(mode="UPDATE" if exclusive else "SHARE")
    # The driver's cursor: SQLAlchemy's own execution would cost a one-entry post a
    # fifth of its time for this one-row read.
    until, version = fetch_all(connection, sql, {"ledger": ledger_id})[0]
    return None if until is None else int(until), int(version)


def refuse_closed(connection: Connection, catalog: Catalog,
                  batch: Iterable[tuple[int, JournalEntry]]) -> None:
    """Refuse the entries about to be written if one is dated inside a closed period.

    Args:
        connection: the writer's connection, in its transaction.
        catalog: the ledger's catalog.
        batch: the entries to write, each with its index in the posted batch.

    Raises:
        PeriodClosed: nothing may be written; the `problems` detail lists every entry.
    """
    written = list(batch)
    if not written:  # an idempotent re-post writes nothing
        return
    until, version = _ledger_row(connection, catalog.ledger_id, exclusive=False)
    # The same row, read under the same lock, counts the chart's changes: a handle whose
    # chart is behind (another process changed it) reads it again before it writes, so
    # the cash accounts and clearing accounts its derived rows depend on are current. A
    # chart change updates this row, so on PostgreSQL it waits for the writers holding
    # it, and they for it.
    catalog.ensure_chart(connection, version)
    if until is not None:
        refuse(from_micros(until), written)


def set_closed_until(connection: Connection, ledger_id: int, until: int | None) -> None:
    connection.execute(update(ledgers).where(ledgers.c.id == ledger_id)
                       .values(closed_until=until))


def closes(connection: Connection, catalog: Catalog) -> tuple[PeriodClose, ...]:
    """Every close of the ledger, standing or reopened, oldest first."""
    pc = period_closes.c
    closing = journal_entries.alias("closing")
    reopening = journal_entries.alias("reopening")
    rows = connection.execute(
        select(pc.through, pc.closed_until, pc.retained_earnings_id, closing.c.external_id,
               pc.closed_at, pc.reopened_at, reopening.c.external_id)
        .select_from(period_closes
                     .outerjoin(closing, closing.c.id == pc.closing_entry_id)
                     .outerjoin(reopening, reopening.c.id == pc.reopening_entry_id))
        .where(pc.ledger_id == catalog.ledger_id).order_by(pc.id)).all()
    if any(row[2] not in catalog.account_id for row in rows):
        catalog.load(connection)
    return tuple(PeriodClose(date.fromisoformat(through), from_micros(until),
                             catalog.account_id[account], closing_id, from_micros(closed_at),
                             None if reopened is None else from_micros(reopened), reopening_id)
                 for through, until, account, closing_id, closed_at, reopened, reopening_id
                 in rows)


def standing_keys(connection: Connection, ledger_id: int) -> list[tuple[int, str, int, int | None]]:
    """(row id, through, closed_until, closing entry key) of each standing close."""
    pc = period_closes.c
    return [(row[0], row[1], int(row[2]), row[3]) for row in connection.execute(
        select(pc.id, pc.through, pc.closed_until, pc.closing_entry_id)
        .where(pc.ledger_id == ledger_id, pc.reopened_at.is_(None)).order_by(pc.id))]

