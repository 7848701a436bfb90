"""Translation between journal entries and their rows, in both directions.

Writing, an entry becomes one `journal_entries` row, one `line_items` row per line
(carrying the denormalised ledger, instant and signed effect) and its tag rows; its
`digest` hashes the posted content so re-posting the same entry is recognised without
reading it back. Reading, rows become frozen `JournalEntry` values again; rows never
leave the store. `reversal_id` is not part of the digest: it is the one link set after
posting, when the entry is reversed.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import Direction
from ledgercore.domain.entries import Counterparty, CounterpartyKind, JournalEntry, LineItem
from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import from_micros, to_micros
from ledgercore.store.schema import entry_tags, journal_entries, line_items

# SQLite's default limit on bound parameters is far above this; PostgreSQL has none.
CHUNK = 500


# One encoder for every digest: `json.dumps` with separators builds a new one per call.
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Plain strings for the driver (an enum member's `.value` is a slow descriptor).
_SIDE = {Direction.DEBIT: "DEBIT", Direction.CREDIT: "CREDIT"}

ENTRY_COLUMNS = ("id", "ledger_id", "external_id", "entry_type", "entry_at", "created_at",
                 "description", "counterparty_kind", "counterparty_id", "reversal_of_id",
                 "reversal_id", "digest")
LINE_COLUMNS = ("entry_id", "position", "ledger_id", "account_id", "commodity_id", "amount",
                "direction", "effect", "entry_at", "external_id")
TAG_COLUMNS = ("entry_id", "key", "value")


def digest(entry: JournalEntry) -> str:
    """A hash of everything posting fixes about `entry` (not the later `reversal_id`)."""
    assert entry.created_at is not None
    return _digest(entry, to_micros(entry.entry_at), to_micros(entry.created_at))


def _digest(entry: JournalEntry, entry_at: int, created_at: int) -> str:
    # The stored digests of existing databases are of exactly this JSON text, so its
    # form never changes; enum members encode as their string values (StrEnum).
    party = entry.counterparty
    content = [
        entry.id, entry_at, created_at, entry.entry_type, entry.description,
        None if party is None else [str(party.kind), party.id],
        entry.tags, entry.reversal_of_id,
        [[i.account_id, i.commodity.code, i.commodity.scale, i.amount, _SIDE[i.direction], i.id]
         for i in entry.line_items],
    ]
    return hashlib.sha256(_ENCODE(content).encode()).hexdigest()


def instants_of(entry: JournalEntry) -> tuple[int, int]:
    """`entry`'s effective and recorded instants in microseconds (validated aware)."""
    created_at = entry.created_at
    assert created_at is not None
    return ((entry.entry_at - _EPOCH) // _MICROSECOND, (created_at - _EPOCH) // _MICROSECOND)


def entry_tuple(key: int, ledger_id: int, entry: JournalEntry, entry_at: int, created_at: int,
                entry_digest: str, reversal_id: str | None) -> tuple[Any, ...]:
    """The `journal_entries` row of `entry` in `ENTRY_COLUMNS` order."""
    party = entry.counterparty
    return (key, ledger_id, entry.id, entry.entry_type, entry_at, created_at,
            entry.description, None if party is None else str(party.kind),
            None if party is None else party.id, entry.reversal_of_id, reversal_id,
            entry_digest)


def line_tuples(catalog: Catalog, key: int, entry: JournalEntry, entry_at: int,
                out: list[tuple[Any, ...]]) -> None:
    """Append the `line_items` rows of `entry` (row key `key`) in `LINE_COLUMNS` order."""
    ledger_id = catalog.ledger_id
    posting = catalog.posting_key
    commodity_key = catalog.commodity_key
    for position, item in enumerate(entry.line_items):
        account_key, normality = posting[item.account_id]
        amount = item.amount
        out.append((key, position, ledger_id, account_key, commodity_key[item.commodity.code],
                    amount, _SIDE[item.direction],
                    amount if item.direction is normality else -amount, entry_at, item.id))


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def load_entries(connection: Connection, catalog: Catalog,
                 keys: Sequence[int]) -> list[JournalEntry]:
    """The entries with these row keys, as domain values, in the order of `keys`."""
    heads: dict[int, Any] = {}
    lines: dict[int, list[LineItem]] = defaultdict(list)
    tags: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for part in chunks(keys):
        for row in connection.execute(select(journal_entries)
                                      .where(journal_entries.c.id.in_(part))):
            heads[row.id] = row
        for row in connection.execute(
                select(line_items.c.entry_id, line_items.c.account_id,
                       line_items.c.commodity_id, line_items.c.amount, line_items.c.direction,
                       line_items.c.external_id)
                .where(line_items.c.entry_id.in_(part))
                .order_by(line_items.c.entry_id, line_items.c.position)):
            if row.account_id not in catalog.account_id or (
                    row.commodity_id not in catalog.commodity):
                catalog.load(connection)  # defined by another process since we cached
            lines[row.entry_id].append(LineItem(
                catalog.account_id[row.account_id], catalog.commodity[row.commodity_id],
                row.amount, Direction(row.direction), row.external_id))
        for row in connection.execute(select(entry_tags).where(entry_tags.c.entry_id.in_(part))):
            tags[row.entry_id].append((row.key, row.value))
    out = []
    for key in keys:
        head = heads[key]
        party = None if head.counterparty_kind is None else Counterparty(
            CounterpartyKind(head.counterparty_kind), head.counterparty_id)
        out.append(JournalEntry(
            id=head.external_id, entry_at=from_micros(head.entry_at),
            created_at=from_micros(head.created_at), line_items=tuple(lines[key]),
            entry_type=head.entry_type, description=head.description, counterparty=party,
            tags=tuple(tags[key]), reversal_of_id=head.reversal_of_id,
            reversal_id=head.reversal_id))
    return out
