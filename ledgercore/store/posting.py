"""Posting a batch of journal entries: validate everything, then write everything.

A batch is all or nothing. Every problem is found before the first write: unknown
accounts (with the JSON path of the bad line, ``$[3].line_items[0].account``), a
commodity code used with another scale, an entry id already posted with other content
or twice in the batch with different content (`conflict`), a reversal of an entry that
is already reversed. Posting is idempotent: an entry whose id and content are already
posted is reported `unchanged` and not written again. The write itself is a handful of
multi-row statements (entries, lines, tags, period totals) whatever the batch size, so
importers post thousands of entries per call and an app posts one entry per call cheaply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, insert, select, update
from sqlalchemy.engine import Connection

from ledgercore.domain.entries import JournalEntry
from ledgercore.domain.errors import (
    AlreadyReversed,
    Conflict,
    InvalidCommodity,
    LedgerError,
    UnknownAccount,
)
from ledgercore.store import cash_projection
from ledgercore.store.catalog import Catalog
from ledgercore.store.driver import fetch_all, insert_keyed, insert_rows
from ledgercore.store.repository import chunks, digest, entry_row, line_rows, tag_rows
from ledgercore.store.schema import journal_entries
from ledgercore.store.totals import add_deltas, bucket_deltas


@dataclass(frozen=True, slots=True)
class PostResult:
    """What a `post` did: the ids it wrote and the ids that were already posted as given."""

    posted: tuple[str, ...]
    unchanged: tuple[str, ...]


@dataclass(slots=True)
class _Stored:
    key: int
    digest: str
    reversal_id: str | None


def post(connection: Connection, catalog: Catalog,
         entries: Sequence[JournalEntry]) -> PostResult:
    """Validate and write a batch inside the caller's (write) transaction.

    Raises:
        LedgerError: the first problem found (its `path` locates it in the batch); the
            error's `problems` detail lists every problem, as dicts. Nothing is written.
    """
    problems: list[LedgerError] = []
    digests = [digest(entry) for entry in entries]
    _check_catalog(connection, catalog, entries, problems)
    stored = _stored(connection, catalog.ledger_id,
                     {e.id for e in entries} | {e.reversal_of_id for e in entries
                                                if e.reversal_of_id is not None})
    fresh: dict[str, int] = {}  # entry id -> index in the batch, for entries to write
    unchanged: list[str] = []
    links: dict[str, str] = {}  # entry id -> reversal id to record
    for index, entry in enumerate(entries):
        seen = stored.get(entry.id)
        earlier = fresh.get(entry.id)
        if seen is None and earlier is None:
            fresh[entry.id] = index
        elif (seen.digest if seen is not None else digests[earlier or 0]) != digests[index]:
            problems.append(Conflict(
                f"entry {entry.id} is already {'posted' if seen else 'in this batch'} with "
                f"different content; posted entries are immutable (reverse it instead)",
                entry_id=entry.id, path=f"$[{index}]"))
            continue
        else:
            unchanged.append(entry.id)
        if entry.reversal_id is not None:
            _link(entry.id, entry.reversal_id, index, links, stored, entries, fresh, problems,
                  path="reversal_id")
    for entry_id, index in fresh.items():
        original = entries[index].reversal_of_id
        if original is not None:
            _link(original, entry_id, index, links, stored, entries, fresh, problems,
                  path="reversal_of_id")
    if problems:
        first = problems[0]
        first.details = {**first.details, "problems": [p.to_dict() for p in problems]}
        raise first
    catalog.ensure_commodities(connection, {item.commodity for index in fresh.values()
                                            for item in entries[index].line_items})
    _write(connection, catalog, [entries[i] for i in fresh.values()],
           [digests[i] for i in fresh.values()], links)
    for entry_id, reversal_id in links.items():
        if entry_id in fresh or entry_id not in stored:
            continue
        done = connection.execute(
            update(journal_entries).where(and_(
                journal_entries.c.id == stored[entry_id].key,
                journal_entries.c.reversal_id.is_(None))).values(reversal_id=reversal_id))
        if done.rowcount != 1:  # reversed by a concurrent writer since we read it
            raise AlreadyReversed(f"entry {entry_id} is already reversed",
                                  entry_id=entry_id)
    cash_projection.on_posted(connection, catalog, [entries[i] for i in fresh.values()])
    return PostResult(tuple(fresh), tuple(unchanged))


def _check_catalog(connection: Connection, catalog: Catalog,
                   entries: Sequence[JournalEntry], problems: list[LedgerError]) -> None:
    refreshed = False
    for index, entry in enumerate(entries):
        for position, item in enumerate(entry.line_items):
            missing = item.account_id not in catalog.account_key
            if (missing or catalog.scale_conflict(item.commodity)) and not refreshed:
                catalog.load(connection)  # another process may have defined it since
                refreshed = True
                missing = item.account_id not in catalog.account_key
            if missing:
                problems.append(UnknownAccount(
                    f"entry {entry.id} line {position} posts to unknown account "
                    f"{item.account_id}", entry_id=entry.id, account_id=item.account_id,
                    path=f"$[{index}].line_items[{position}].account"))
            elif catalog.scale_conflict(item.commodity):
                problems.append(InvalidCommodity(
                    f"entry {entry.id} uses {item.commodity.code} with scale "
                    f"{item.commodity.scale}; this ledger records it with another scale",
                    entry_id=entry.id, commodity=item.commodity.code,
                    path=f"$[{index}].line_items[{position}].commodity"))


# Statements built once and reused: building one costs more than running it.
_je = journal_entries.c
_STORED = select(_je.external_id, _je.id, _je.digest, _je.reversal_id).where(
    _je.ledger_id == bindparam("ledger"), _je.external_id.in_(bindparam("ids", expanding=True)))
_STORED_ONE = ("SELECT external_id, id, digest, reversal_id FROM journal_entries "
               "WHERE ledger_id = :ledger AND external_id = :id")
_INSERT_ENTRIES = insert(journal_entries).returning(_je.id, sort_by_parameter_order=True)


def _stored(connection: Connection, ledger_id: int, ids: set[str]) -> dict[str, _Stored]:
    out: dict[str, _Stored] = {}
    if len(ids) == 1:  # the hot path: one entry posted per call
        for external_id, key, entry_digest, reversal_id in fetch_all(
                connection, _STORED_ONE, {"ledger": ledger_id, "id": next(iter(ids))}):
            out[external_id] = _Stored(key, entry_digest, reversal_id)
        return out
    for part in chunks(sorted(ids)):
        for row in connection.execute(_STORED, {"ledger": ledger_id, "ids": list(part)}):
            out[row.external_id] = _Stored(row.id, row.digest, row.reversal_id)
    return out


def _link(entry_id: str, reversal_id: str, index: int, links: dict[str, str],
          stored: dict[str, _Stored], entries: Sequence[JournalEntry], fresh: dict[str, int],
          problems: list[LedgerError], *, path: str) -> None:
    """Record that `reversal_id` reverses `entry_id`, unless it is reversed otherwise."""
    current = links.get(entry_id)
    if current is None and entry_id in stored:
        current = stored[entry_id].reversal_id
    if current is None and entry_id in fresh:
        current = entries[fresh[entry_id]].reversal_id
    if current is not None and current != reversal_id:
        problems.append(AlreadyReversed(
            f"entry {entry_id} is already reversed by {current}, not {reversal_id}",
            entry_id=entry_id, reversal_id=reversal_id, path=f"$[{index}].{path}"))
        return
    if current is None or (entry_id in stored and stored[entry_id].reversal_id is None):
        links[entry_id] = reversal_id


def _write(connection: Connection, catalog: Catalog, entries: Sequence[JournalEntry],
           digests: Sequence[str], links: dict[str, str]) -> None:
    if not entries:
        return
    rows = [entry_row(catalog.ledger_id, entry, entry_digest)
            for entry, entry_digest in zip(entries, digests, strict=True)]
    for row in rows:
        if row["reversal_id"] is None and row["external_id"] in links:
            row["reversal_id"] = links[row["external_id"]]
    keys = _insert_entries(connection, rows)
    lines: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    for key, entry, row in zip(keys, entries, rows, strict=True):
        lines.extend(line_rows(catalog, key, entry, row["entry_at"]))
        tags.extend(tag_rows(key, entry))
    insert_rows(connection, "line_items", lines)
    insert_rows(connection, "entry_tags", tags)
    add_deltas(connection, bucket_deltas(lines))


def _insert_entries(connection: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert entry rows, returning their keys in order."""
    keys = insert_keyed(connection, "journal_entries", rows)
    if keys is None:
        # Multi-row INSERT ... RETURNING in pages: one round trip per page, not per row.
        keys = list(connection.execute(_INSERT_ENTRIES, rows).scalars().all())
    return keys
