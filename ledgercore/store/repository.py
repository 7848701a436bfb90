"""Translation between journal entries and their rows, in both directions.

Writing, an entry becomes one `journal_entries` row, one `line_items` row per line
(carrying the denormalised ledger, instant and signed effect) and its tag rows; its
`digest` hashes the posted content so re-posting the same entry is recognised without
reading it back. Reading, rows become frozen `JournalEntry` values again; rows never
leave the store. `reversal_id` is not part of the digest: it is the one link set after
posting, when the entry is reversed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from json.encoder import encode_basestring_ascii
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import Direction
from ledgercore.domain.entries import Counterparty, CounterpartyKind, JournalEntry, LineItem
from ledgercore.domain.money import Commodity
from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import from_micros, to_micros
from ledgercore.store.schema import entry_tags, journal_entries, line_items

# SQLite's default limit on bound parameters is far above this; PostgreSQL has none.
CHUNK = 500


# The json module's (C) string escaper, as `json.dumps` applies it (ASCII only).
_quote: Callable[[str], str] = encode_basestring_ascii
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Plain strings for the driver (an enum member's `.value` is a slow descriptor).
_SIDE = {Direction.DEBIT: "DEBIT", Direction.CREDIT: "CREDIT"}
_SIDE_JSON = {side: f'"{text}"' for side, text in _SIDE.items()}

ENTRY_COLUMNS = ("id", "ledger_id", "external_id", "entry_type", "entry_at", "created_at",
                 "description", "counterparty_kind", "counterparty_id", "reversal_of_id",
                 "reversal_id", "digest", "line_count")
LINE_COLUMNS = ("entry_id", "position", "ledger_id", "account_id", "commodity_id", "amount",
                "direction", "effect", "entry_at", "external_id")
TAG_COLUMNS = ("entry_id", "key", "value")


def digest(entry: JournalEntry) -> str:
    """A hash of everything posting fixes about `entry` (not the later `reversal_id`)."""
    assert entry.created_at is not None
    return digest_at(entry, to_micros(entry.entry_at), to_micros(entry.created_at))


def digest_at(entry: JournalEntry, entry_at: int, created_at: int) -> str:
    """`digest` of `entry` whose instants (`instants_of`) are already known."""
    # The stored digests of existing databases are of exactly this JSON text, the
    # compact ``json.dumps`` (ASCII-escaped) of
    #   [id, entry_at, created_at, entry_type, description, [kind, party id] | null,
    #    tags, reversal_of_id, [[account, code, scale, amount, side, line id], ...]],
    # so its form never changes. It is spelled out here with the json module's own
    # C string escaper: a third of the time of encoding the nested lists.
    party = entry.counterparty
    description = entry.description
    reversal_of_id = entry.reversal_of_id
    parts = [
        "[", _quote(entry.id), ",", str(entry_at), ",", str(created_at), ",",
        _quote(entry.entry_type), ",",
        "null" if description is None else _quote(description), ",",
        "null" if party is None else f"[{_quote(party.kind)},{_quote(party.id)}]", ",[",
        ",".join([f"[{_quote(key)},{_quote(value)}]" for key, value in entry.tags]), "],",
        "null" if reversal_of_id is None else _quote(reversal_of_id), ",[",
        ",".join([
            f"{_line_head(i.account_id, i.commodity)}{i.amount:d},{_SIDE_JSON[i.direction]},"
            f"{'null' if i.id is None else _quote(i.id)}]" for i in entry.line_items]),
        "]]"]
    return sha256("".join(parts).encode()).hexdigest()


# ``["account","code",scale,`` of each (account, commodity) seen: the same few per ledger.
_LINE_HEADS: dict[tuple[str, Commodity], str] = {}


def _line_head(account_id: str, commodity: Commodity) -> str:
    head = _LINE_HEADS.get((account_id, commodity))
    if head is None:
        if len(_LINE_HEADS) >= 100_000:  # a long-lived process with many charts
            _LINE_HEADS.clear()
        head = _LINE_HEADS[(account_id, commodity)] = (
            f"[{_quote(account_id)},{_quote(commodity.code)},{commodity.scale:d},")
    return head


def instants_of(entry: JournalEntry) -> tuple[int, int]:
    """`entry`'s effective and recorded instants in microseconds (validated aware)."""
    created_at = entry.created_at
    assert created_at is not None
    return ((entry.entry_at - _EPOCH) // _MICROSECOND, (created_at - _EPOCH) // _MICROSECOND)


def entry_tuple(key: int | None, ledger_id: int, entry: JournalEntry, entry_at: int,
                created_at: int, entry_digest: str, reversal_id: str | None) -> tuple[Any, ...]:
    """The `journal_entries` row of `entry` in `ENTRY_COLUMNS` order."""
    party = entry.counterparty
    return (key, ledger_id, entry.id, entry.entry_type, entry_at, created_at,
            entry.description, None if party is None else str(party.kind),
            None if party is None else party.id, entry.reversal_of_id, reversal_id,
            entry_digest, len(entry.line_items))


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
