"""The ledgers (tenants) a database holds, with how many entries each has and when.

What `ledgercore ledgers` shows: the names to pass as ``--ledger``, so a typo is never a
silently empty report. Reading the directory creates nothing (as `Ledger.open` with
``create=False``): a missing file, a database that is not ledgercore's or an unmigrated
one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ledgercore.config import create_engine, resolve_database_url
from ledgercore.store import migrate, presence
from ledgercore.store.instants import from_micros
from ledgercore.store.schema import journal_entries, ledgers


@dataclass(frozen=True, slots=True)
class LedgerSummary:
    """One ledger of a database: its name, timezone, entry count and effective range.

    `first_entry_at` / `last_entry_at` are the earliest and latest effective instants of
    its entries (None when it has none).
    """

    name: str
    timezone: str
    entries: int
    first_entry_at: datetime | None
    last_entry_at: datetime | None

    def to_json(self) -> dict[str, str | int | None]:
        return {"name": self.name, "timezone": self.timezone, "entries": self.entries,
                "first_entry_at": _iso(self.first_entry_at),
                "last_entry_at": _iso(self.last_entry_at)}


def list_ledgers(url: str | None = None) -> list[LedgerSummary]:
    """Every ledger in the database at `url`, by name.

    Raises:
        DatabaseNotFound / NotALedgerDatabase / SchemaOutOfDate: as `Ledger.open` with
            ``create=False``; nothing is created.
    """
    resolved = resolve_database_url(url)
    presence.require_sqlite_file(resolved)
    engine = create_engine(resolved)
    try:
        with engine.connect() as connection:
            presence.require_schema(connection, migrate.current_revision(connection),
                                    engine.url.render_as_string())
            counted = (select(journal_entries.c.ledger_id,
                              func.count().label("entries"),
                              func.min(journal_entries.c.entry_at).label("first"),
                              func.max(journal_entries.c.entry_at).label("last"))
                       .group_by(journal_entries.c.ledger_id).subquery())
            rows = connection.execute(
                select(ledgers.c.name, ledgers.c.timezone, counted.c.entries, counted.c.first,
                       counted.c.last)
                .outerjoin(counted, counted.c.ledger_id == ledgers.c.id)
                .order_by(ledgers.c.name)).all()
    finally:
        engine.dispose()
    return [LedgerSummary(row.name, row.timezone, row.entries or 0,
                          None if row.first is None else from_micros(row.first),
                          None if row.last is None else from_micros(row.last))
            for row in rows]


def _iso(instant: datetime | None) -> str | None:
    return None if instant is None else instant.isoformat()
