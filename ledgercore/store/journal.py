"""Reading the journal: one entry by id, or pages of entries in statement order.

Entries are listed in the order statements use (effective time, recorded time, entry
id) and paged by keyset: a page ends with an opaque cursor naming its last entry, and
the next page starts strictly after it. Unlike offsets, a cursor stays exact while other
processes keep posting, and each page costs one index range scan.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, literal, select, tuple_
from sqlalchemy.engine import Connection

from ledgercore.domain.balances import EntryFilter
from ledgercore.domain.entries import JournalEntry
from ledgercore.domain.errors import InvalidPayload, UnknownEntry
from ledgercore.domain.periods import Period
from ledgercore.store.catalog import Catalog
from ledgercore.store.filters import filter_conditions
from ledgercore.store.instants import to_micros
from ledgercore.store.repository import load_entries
from ledgercore.store.schema import journal_entries, line_items


@dataclass(frozen=True, slots=True)
class Page:
    """A page of entries and the cursor of the next page (None on the last page)."""

    entries: tuple[JournalEntry, ...]
    next_cursor: str | None


def entry_order_key(connection: Connection) -> Any:
    """The entry id as the domain orders it: by code point (``COLLATE "C"`` on PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        return journal_entries.c.external_id.collate("C")
    return journal_entries.c.external_id


def get_entry(connection: Connection, catalog: Catalog, entry_id: str) -> JournalEntry:
    """The posted entry with this id. Raises UnknownEntry."""
    key = connection.execute(select(journal_entries.c.id).where(
        journal_entries.c.ledger_id == catalog.ledger_id,
        journal_entries.c.external_id == entry_id)).scalar_one_or_none()
    if key is None:
        raise UnknownEntry(f"no entry {entry_id} in this ledger", entry_id=entry_id)
    return load_entries(connection, catalog, [key])[0]


def list_entries(connection: Connection, catalog: Catalog, period: Period,
                 entry_filter: EntryFilter, account_id: str | None, after: str | None,
                 limit: int) -> Page:
    """One page of entries effective in `period`, accepted by `entry_filter`.

    Args:
        connection: an open connection.
        catalog: the ledger's catalog.
        period: effective-time range (half-open).
        entry_filter: which entries to list.
        account_id: only entries with a line on this account.
        after: the cursor returned with the previous page.
        limit: the most entries on a page (>= 1).

    Raises:
        InvalidPayload: the cursor is not one this function returned, or limit < 1.
    """
    key = None
    if account_id is not None:
        key = catalog.account_key.get(account_id)
        if key is None:
            return Page((), None)
    je = journal_entries.c
    where = [] if key is None else [exists(select(line_items.c.entry_id).where(
        line_items.c.entry_id == je.id, line_items.c.account_id == key))]
    keys, cursor = page_keys(connection, catalog, period, entry_filter, after, limit, where)
    return Page(tuple(load_entries(connection, catalog, keys)), cursor)


def page_keys(connection: Connection, catalog: Catalog, period: Period,
              entry_filter: EntryFilter, after: str | None, limit: int,
              where: list[Any]) -> tuple[list[int], str | None]:
    """The row keys of one page of entries in ledger order, and the next page's cursor.

    `where` adds conditions on `journal_entries` to the period, filter and cursor ones.
    """
    if limit < 1:
        raise InvalidPayload(f"limit must be at least 1, got {limit}", path="$.limit")
    je = journal_entries.c
    order = (je.entry_at, je.created_at, entry_order_key(connection))
    where = [je.ledger_id == catalog.ledger_id, *where,
             *filter_conditions(entry_filter, je.id, je.entry_at)]
    if period.start is not None:
        where.append(je.entry_at >= to_micros(period.start))
    if period.end is not None:
        where.append(je.entry_at < to_micros(period.end))
    if after is not None:
        where.append(tuple_(*order) > tuple_(*map(literal, decode_cursor(after))))
    rows = connection.execute(select(je.id, je.entry_at, je.created_at, je.external_id)
                              .where(and_(*where)).order_by(*order).limit(limit + 1)).all()
    last = rows[limit - 1] if len(rows) > limit else None
    cursor = None if last is None else encode_cursor(last.entry_at, last.created_at,
                                                     last.external_id)
    return [row.id for row in rows[:limit]], cursor


def encode_cursor(entry_at: int, created_at: int, entry_id: str) -> str:
    raw = json.dumps([entry_at, created_at, entry_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        entry_at, created_at, entry_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidPayload(f"{cursor!r} is not a page cursor", path="$.after") from exc
    if not (type(entry_at) is int and type(created_at) is int and isinstance(entry_id, str)):
        raise InvalidPayload(f"{cursor!r} is not a page cursor", path="$.after")
    return entry_at, created_at, entry_id
