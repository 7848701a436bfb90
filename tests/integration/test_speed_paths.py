"""The posting speed-ups change no stored fact: the bulk path (positional rows, reserved
keys, COPY on PostgreSQL, one-pass period-total deltas) writes exactly what posting one
entry at a time writes, the period totals equal sums computed independently from the
domain entries, and the cheaper digest is byte-for-byte the documented JSON hash (so
databases written before stay idempotent).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from ledgercore.domain import ALL_ENTRIES, JournalEntry, balances
from ledgercore.domain.balances import ALL_TIME
from ledgercore.store import Ledger, driver
from ledgercore.store.repository import digest
from ledgercore.store.totals import bucket_deltas
from tests.integration.conftest import unique_name
from tests.integration.ledgers import GeneratedLedger, entries_for, instants, ledgers

modest = settings(settings.default, max_examples=max(10, settings.default.max_examples // 5))


def _reference_digest(entry: JournalEntry) -> str:
    """The digest as first written (json.dumps, enum values): stored digests are this."""
    assert entry.created_at is not None
    epoch = datetime(1970, 1, 1, tzinfo=UTC)

    def micros(instant: datetime) -> int:
        delta = instant - epoch
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds

    party = entry.counterparty
    content = [
        entry.id, micros(entry.entry_at), micros(entry.created_at), entry.entry_type,
        entry.description, None if party is None else [party.kind.value, party.id],
        entry.tags, entry.reversal_of_id,
        [[i.account_id, i.commodity.code, i.commodity.scale, i.amount, i.direction.value, i.id]
         for i in entry.line_items]]
    return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


@given(ledgers(max_entries=8))
def test_digest_is_the_documented_json_hash(generated: GeneratedLedger) -> None:
    for entry in generated.entries:
        assert digest(entry) == _reference_digest(entry)


def _calendar_buckets(lines: list[tuple[int, int, datetime, int]]) -> dict[Any, list[int]]:
    """Year / month / day sums and counts by calendar arithmetic on datetimes."""
    out: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for account, commodity, at, effect in lines:
        at = at.astimezone(UTC)
        for granularity, start in (
                ("Y", datetime(at.year, 1, 1, tzinfo=UTC)),
                ("M", datetime(at.year, at.month, 1, tzinfo=UTC)),
                ("D", datetime(at.year, at.month, at.day, tzinfo=UTC))):
            slot = out[(granularity, start, account, commodity)]
            slot[0] += effect
            slot[1] += 1
    return dict(out)


@given(st.lists(st.tuples(st.integers(1, 4), st.integers(1, 2), instants(),
                          st.integers(-10**9, 10**9)), max_size=40))
def test_bucket_deltas_equal_calendar_sums(lines: list[tuple[int, int, datetime, int]]) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    as_micros = [(a, c, (at - epoch) // (datetime.resolution), e) for a, c, at, e in lines]
    found = {(g, epoch + start * datetime.resolution, a, c): [total, count]
             for g, start, a, c, total, count in bucket_deltas(as_micros)}
    assert found == _calendar_buckets(lines)
    keys = [(g, s, a, c) for g, s, a, c, _, _ in bucket_deltas(as_micros)]
    assert keys == sorted(keys)  # the lock order concurrent writers rely on


_DUMP = {
    "entries": "SELECT external_id, entry_type, entry_at, created_at, description, "
               "counterparty_kind, counterparty_id, reversal_of_id, reversal_id, digest "
               "FROM journal_entries WHERE ledger_id = :ledger",
    "lines": "SELECT e.external_id, l.position, a.external_id, c.code, l.amount, l.direction, "
             "l.effect, l.entry_at, l.external_id FROM line_items l "
             "JOIN journal_entries e ON e.id = l.entry_id JOIN accounts a ON a.id = l.account_id "
             "JOIN commodities c ON c.id = l.commodity_id WHERE l.ledger_id = :ledger",
    "tags": "SELECT e.external_id, t.key, t.value FROM entry_tags t "
            "JOIN journal_entries e ON e.id = t.entry_id WHERE e.ledger_id = :ledger",
    "totals": "SELECT p.granularity, p.bucket_start, a.external_id, c.code, p.total, p.lines "
              "FROM period_totals p JOIN accounts a ON a.id = p.account_id "
              "JOIN commodities c ON c.id = p.commodity_id WHERE p.ledger_id = :ledger",
}


def _stored(url: str, book: Ledger) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: sorted(tuple(row) for row in connection.execute(
                text(sql), {"ledger": book._catalog.ledger_id})) for name, sql in _DUMP.items()}
    finally:
        engine.dispose()


def _bulk_statements(patch: pytest.MonkeyPatch, bulk: bool) -> None:
    """Take the bulk statements from a few rows on, or never: COPY on PostgreSQL, several
    rows per INSERT on SQLite (3 a statement, so most batches leave some rows over)."""
    patch.setattr(driver, "COPY_MIN_ROWS", 1 if bulk else 10**9)
    patch.setattr(driver, "ROWS_PER_INSERT", 3 if bulk else 1)


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "row-by-row"])
@modest
@given(generated=ledgers(max_entries=20), split=st.integers(1, 4), data=st.data())
def test_bulk_posting_stores_what_one_by_one_posting_stores(
        database_url: str, bulk: bool, generated: GeneratedLedger, split: int,
        data: st.DataObject) -> None:
    with pytest.MonkeyPatch.context() as patch:
        _bulk_statements(patch, bulk)
        _compare_bulk_and_single(database_url, generated, split, data)


def _compare_bulk_and_single(database_url: str, generated: GeneratedLedger, split: int,
                             data: st.DataObject) -> None:
    entries = generated.entries
    with Ledger.open(database_url, ledger=unique_name()) as bulk, \
            Ledger.open(database_url, ledger=unique_name()) as single:
        for book in (bulk, single):
            book.define_accounts(generated.accounts)
        size = max(1, len(entries) // split)
        for start in range(0, len(entries), size):
            assert bulk.post(entries[start:start + size]).posted == tuple(
                e.id for e in entries[start:start + size])
        for entry in entries:
            single.post([entry])
        assert _stored(database_url, bulk) == _stored(database_url, single)
        chart = bulk.chart()
        assert bulk.balances() == balances(chart, entries, ALL_TIME, ALL_ENTRIES)
        # The totals table itself, against calendar sums of the domain's effects.
        keyed = {(a.id): a for a in chart}
        lines = [(i.account_id, i.commodity.code, e.entry_at,
                  keyed[i.account_id].effect(i.direction, i.amount))
                 for e in entries for i in e.line_items]
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        expected = sorted((g, (start - epoch) // datetime.resolution, a, c, total, count)
                          for (g, start, a, c), (total, count)
                          in _calendar_buckets(lines).items())
        assert _stored(database_url, bulk)["totals"] == expected
        # Posting the same entries again, in bulk, is recognised by digest: nothing new.
        again = bulk.post(entries)
        assert again.posted == () and set(again.unchanged) == {e.id for e in entries}
        more = data.draw(entries_for(generated.accounts, 3, prefix="more-")) \
            if generated.accounts else ()
        assert bulk.post(more).posted == tuple(e.id for e in more)
        assert bulk.balances() == balances(chart, entries + more, ALL_TIME, ALL_ENTRIES)
