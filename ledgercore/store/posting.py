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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, update
from sqlalchemy.engine import Connection

from ledgercore.domain.entries import JournalEntry
from ledgercore.domain.errors import (
    AlreadyReversed,
    Conflict,
    InvalidCommodity,
    LedgerError,
    UnknownAccount,
)
from ledgercore.domain.money import Commodity
from ledgercore.store import guards, periods
from ledgercore.store.cash import projection as cash_projection
from ledgercore.store.cash_flow_totals import FlowIncrements
from ledgercore.store.catalog import Catalog
from ledgercore.store.driver import (
    fetch_all,
    insert_one,
    insert_tuples,
    list_value,
    members,
    reserve_keys,
)
from ledgercore.store.instants import MICROS_PER_DAY
from ledgercore.store.journal import get_entry
from ledgercore.store.repository import (
    ENTRY_COLUMNS,
    LINE_COLUMNS,
    TAG_COLUMNS,
    digest_at,
    entry_tuple,
    instants_of,
    line_tuples,
)
from ledgercore.store.schema import journal_entries
from ledgercore.store.totals import DaySums, PendingTotals, add_deltas, day_deltas


@dataclass(frozen=True, slots=True)
class PostResult:
    """What a `post` did: the ids it wrote and the ids that were already posted as given."""

    posted: tuple[str, ...]
    unchanged: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PreparedEntries:
    """A batch with what posting computes of each entry without the database (`prepare`).

    Attributes:
        entries: the batch.
        instants: each entry's effective and recorded instants in microseconds.
        digests: each entry's content digest (how re-posting it is recognised).
    """

    entries: tuple[JournalEntry, ...]
    instants: tuple[tuple[int, int], ...]
    digests: tuple[str, ...]


def prepare(entries: Iterable[JournalEntry]) -> PreparedEntries:
    """The database-free part of posting `entries`, to pass to `post` or `Ledger.load`.

    An importer prepares its batches where it reads the file (the reading process of a
    big import), so the writing process, the slower one, does not: a twentieth of it.
    """
    batch = tuple(entries)
    instants = tuple(instants_of(entry) for entry in batch)
    return PreparedEntries(batch, instants, tuple(
        digest_at(entry, *at) for entry, at in zip(batch, instants, strict=True)))


@dataclass(slots=True)
class _Stored:
    key: int
    digest: str
    reversal_id: str | None


def post(connection: Connection, catalog: Catalog,
         batch: Sequence[JournalEntry] | PreparedEntries, *,
         pending: PendingTotals | None = None,
         backlog: cash_projection.Backlog | None = None,
         fresh_ids: bool = False) -> PostResult:
    """Validate and write a batch inside the caller's (write) transaction.

    Args:
        connection: the caller's connection, in its write transaction.
        catalog: the ledger's catalog.
        batch: the entries, or the entries prepared (`prepare`).
        pending: where a long write (`Ledger.load`) gathers the period-total increments
            (accrual and cash) to write them once at its end; None writes them now.
        backlog: a load's cash projection, carried across its batches (see
            `cash_projection.Backlog`); None projects the entries now.
        fresh_ids: the caller made every entry's id just now (a random UUID) and none
            reverses another: no stored entry can have it, so it is not looked up (a
            transfer's entry; one statement fewer).

    Raises:
        LedgerError: the first problem found (its `path` locates it in the batch); the
            error's `problems` detail lists every problem, as dicts. Nothing is written.
    """
    prepared = batch if isinstance(batch, PreparedEntries) else prepare(batch)
    entries, instants, digests = prepared.entries, prepared.instants, prepared.digests
    problems: list[LedgerError] = []
    _check_catalog(connection, catalog, entries, problems)
    stored = {} if fresh_ids else _stored(
        connection, catalog.ledger_id, {e.id for e in entries} | {
            e.reversal_of_id for e in entries if e.reversal_of_id is not None})
    fresh: dict[str, int] = {}  # entry id -> index in the batch, for entries to write
    unchanged: list[str] = []
    links: dict[str, str] = {}  # entry id -> reversal id to record
    for index, entry in enumerate(entries):
        seen = stored.get(entry.id)
        earlier = fresh.get(entry.id)
        if seen is None and earlier is None:
            fresh[entry.id] = index
        elif (seen.digest if seen is not None else digests[earlier or 0]) != digests[index]:
            before = (_stored_entry(connection, catalog, entry.id) if seen is not None
                      else entries[earlier or 0])
            field = _differing_field(before, entry)
            differs = f" ({field} differs)" if field else ""
            problems.append(Conflict(
                f"entry {entry.id} is already {'posted' if seen else 'in this batch'} with "
                f"different content{differs}; posted entries are immutable (reverse it "
                f"instead)", entry_id=entry.id, path=f"$[{index}]", field=field))
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
    periods.refuse_closed(connection, catalog, [(i, entries[i]) for i in fresh.values()])
    catalog.ensure_commodities(connection, {item.commodity for index in fresh.values()
                                            for item in entries[index].line_items})
    written = [entries[i] for i in fresh.values()]
    guards.enforce(connection, catalog, written)  # balance guards: lock, check, count
    keys = _write(connection, catalog, written, [instants[i] for i in fresh.values()],
                  [digests[i] for i in fresh.values()], links, pending)
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
    flows = FlowIncrements(catalog, pending)  # the direct cash flow's kept totals
    flows.add_posted(written)
    cash_projection.on_posted(connection, catalog, written,
                              dict(zip(fresh, keys, strict=True)), pending, backlog,
                              flows=flows)
    flows.write(connection)
    return PostResult(tuple(fresh), tuple(unchanged))


# The fields a conflict names, in the order a reader looks for them.
_ENTRY_FIELDS = ("entry_at", "line_items", "entry_type", "description", "counterparty",
                 "tags", "reversal_of_id", "reversal_id", "created_at")


def _stored_entry(connection: Connection, catalog: Catalog, entry_id: str
                  ) -> JournalEntry | None:
    try:
        return get_entry(connection, catalog, entry_id)
    except LedgerError:
        return None


def _differing_field(before: JournalEntry | None, after: JournalEntry) -> str | None:
    """The first field in which a posted (or earlier) entry and a new one differ."""
    if before is None:
        return None
    for name in _ENTRY_FIELDS:
        if name == "line_items":
            mine = [(i.account_id, i.commodity, i.amount, i.direction)
                    for i in before.line_items]
            theirs = [(i.account_id, i.commodity, i.amount, i.direction)
                      for i in after.line_items]
        else:
            mine, theirs = getattr(before, name), getattr(after, name)
        if name == "reversal_id" and (mine is None or theirs is None):
            continue  # a link recorded later is not a difference
        if name == "created_at" and theirs is None:
            continue
        if mine != theirs:
            return name
    return None


def _check_catalog(connection: Connection, catalog: Catalog,
                   entries: Sequence[JournalEntry], problems: list[LedgerError]) -> None:
    refreshed = False
    known = catalog.account_key
    conflicting: dict[Commodity, bool] = {}  # each commodity's scale checked once
    for index, entry in enumerate(entries):
        for position, item in enumerate(entry.line_items):
            missing = item.account_id not in known
            clash = conflicting.get(item.commodity)
            if clash is None:
                clash = conflicting[item.commodity] = catalog.scale_conflict(item.commodity)
            if (missing or clash) and not refreshed:
                catalog.load(connection)  # another process may have defined it since
                refreshed = True
                known = catalog.account_key
                conflicting.clear()
                missing = item.account_id not in known
                clash = conflicting[item.commodity] = catalog.scale_conflict(item.commodity)
            if missing:
                problems.append(UnknownAccount(
                    f"entry {entry.id} line {position} posts to unknown account "
                    f"{item.account_id}", entry_id=entry.id, account_id=item.account_id,
                    path=f"$[{index}].line_items[{position}].account"))
            elif clash:
                problems.append(InvalidCommodity(
                    f"entry {entry.id} uses {item.commodity.code} with scale "
                    f"{item.commodity.scale}; this ledger records it with another scale",
                    entry_id=entry.id, commodity=item.commodity.code,
                    path=f"$[{index}].line_items[{position}].commodity"))


# An id list is one bound value (`driver.members`), so the statement text never changes
# with its length. On PostgreSQL the ids go through ``= ANY``, which the unique (ledger,
# external id) index answers directly once the planner knows the ledger's size (see
# `Ledger.load`).
_STORED_SQL = ("SELECT external_id, id, digest, reversal_id FROM journal_entries "
               "WHERE ledger_id = :ledger AND {ids}")
_STORED_ONE = _STORED_SQL.format(ids="external_id = :id")


def _stored(connection: Connection, ledger_id: int, ids: set[str]) -> dict[str, _Stored]:
    if not ids:
        return {}
    if len(ids) == 1:  # the hot path: one entry posted per call
        found = fetch_all(connection, _STORED_ONE, {"ledger": ledger_id, "id": next(iter(ids))})
    else:
        dialect = connection.dialect.name
        found = fetch_all(connection, _stored_many(dialect), {
            "ledger": ledger_id, "ids": list_value(dialect, sorted(ids))})
    return {external_id: _Stored(key, entry_digest, reversal_id)
            for external_id, key, entry_digest, reversal_id in found}


@lru_cache(maxsize=4)
def _stored_many(dialect: str) -> str:
    return _STORED_SQL.format(ids=members(dialect, "ids", "external_id"))


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


_ACCOUNT, _COMMODITY, _EFFECT = (LINE_COLUMNS.index(name)
                                  for name in ("account_id", "commodity_id", "effect"))


def _write(connection: Connection, catalog: Catalog, entries: Sequence[JournalEntry],
           instants: Sequence[tuple[int, int]], digests: Sequence[str],
           links: dict[str, str], pending: PendingTotals | None) -> list[int]:
    """Write new entries: one bulk statement (or COPY) per table, whatever the batch size.

    Returns:
        The entries' row keys, in order.
    """
    if not entries:
        return []
    ledger_id = catalog.ledger_id
    heads: list[tuple[Any, ...]] = []
    for entry, (entry_at, created_at), entry_digest in zip(
            entries, instants, digests, strict=True):
        reversal_id = entry.reversal_id
        if reversal_id is None:
            reversal_id = links.get(entry.id)
        heads.append(entry_tuple(None, ledger_id, entry, entry_at, created_at, entry_digest,
                                 reversal_id))
    if len(heads) == 1:
        # One entry (an app's post): the database numbers the row, one statement fewer.
        keys = [insert_one(connection, "journal_entries", ENTRY_COLUMNS, heads[0])]
    else:
        keys = reserve_keys(connection, "journal_entries", len(heads))
        insert_tuples(connection, "journal_entries", ENTRY_COLUMNS,
                      [(key, *head[1:]) for key, head in zip(keys, heads, strict=True)])
    lines: list[tuple[Any, ...]] = []
    tags: list[tuple[Any, ...]] = []
    # The period-total increments, summed by day as lines are made (into a load's).
    days: DaySums = {} if pending is None else pending.days_for()
    day_length = MICROS_PER_DAY
    for key, entry, (entry_at, _) in zip(keys, entries, instants, strict=True):
        first = len(lines)
        line_tuples(catalog, key, entry, entry_at, lines)
        day = entry_at - entry_at % day_length
        for line in lines[first:]:
            bucket = (day, line[_ACCOUNT], line[_COMMODITY])
            slot = days.get(bucket)
            if slot is None:
                days[bucket] = [line[_EFFECT], 1]
            else:
                slot[0] += line[_EFFECT]
                slot[1] += 1
        for tag_key, tag_value in entry.tags:
            tags.append((key, tag_key, tag_value))
    # Tags first: an entry's last line seals it (migration 0005), tags included.
    insert_tuples(connection, "entry_tags", TAG_COLUMNS, tags)
    insert_tuples(connection, "line_items", LINE_COLUMNS, lines)
    if pending is None:
        add_deltas(connection, ledger_id, day_deltas(days))
    else:
        pending.written_if_full(connection)
    return keys
