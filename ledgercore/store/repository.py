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


def digest(entry: JournalEntry) -> str:
    """A hash of everything posting fixes about `entry` (not the later `reversal_id`)."""
    assert entry.created_at is not None
    party = entry.counterparty
    content = [
        entry.id, to_micros(entry.entry_at), to_micros(entry.created_at), entry.entry_type,
        entry.description, None if party is None else [party.kind.value, party.id],
        entry.tags, entry.reversal_of_id,
        [[i.account_id, i.commodity.code, i.commodity.scale, i.amount, i.direction.value, i.id]
         for i in entry.line_items],
    ]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def entry_row(ledger_id: int, entry: JournalEntry, entry_digest: str) -> dict[str, Any]:
    """The `journal_entries` row of `entry`."""
    assert entry.created_at is not None
    party = entry.counterparty
    return {
        "ledger_id": ledger_id, "external_id": entry.id, "entry_type": entry.entry_type,
        "entry_at": to_micros(entry.entry_at), "created_at": to_micros(entry.created_at),
        "description": entry.description,
        "counterparty_kind": None if party is None else party.kind.value,
        "counterparty_id": None if party is None else party.id,
        "reversal_of_id": entry.reversal_of_id, "reversal_id": entry.reversal_id,
        "digest": entry_digest,
    }


def line_rows(catalog: Catalog, entry_key: int, entry: JournalEntry,
              entry_at: int) -> list[dict[str, Any]]:
    """The `line_items` rows of `entry`, whose row key is `entry_key`."""
    rows = []
    chart = catalog.chart
    for position, item in enumerate(entry.line_items):
        effect = chart.get(item.account_id).effect(item.direction, item.amount)
        rows.append({
            "entry_id": entry_key, "position": position, "ledger_id": catalog.ledger_id,
            "account_id": catalog.account_key[item.account_id],
            "commodity_id": catalog.commodity_key[item.commodity.code],
            "amount": item.amount, "direction": item.direction.value, "effect": effect,
            "entry_at": entry_at, "external_id": item.id,
        })
    return rows


def tag_rows(entry_key: int, entry: JournalEntry) -> list[dict[str, Any]]:
    return [{"entry_id": entry_key, "key": key, "value": value} for key, value in entry.tags]


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
