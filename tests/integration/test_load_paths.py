"""A `load` writes what posting one entry at a time writes (its batches prepared or not).

The load path differs from a single post: the period-total increments of all its
batches are added up in memory and written when the load ends (or when the pending
buckets pass a limit), on PostgreSQL by COPY for new buckets and an UPDATE for the
ledger's existing ones, falling back to the upsert when a bucket appeared meanwhile;
and after its first thousands of entries it refreshes the planner's statistics. These
tests load generated ledgers on top of entries already posted (so some buckets exist),
in several batches, with tiny limits that force intermediate writes, and compare every
stored row with one-by-one posting, and the totals with calendar sums of the domain's
effects.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ledgercore.domain import ALL_ENTRIES, JournalEntry, LedgerError, balances
from ledgercore.domain.balances import ALL_TIME
from ledgercore.store import Ledger, driver, ledger, prepare, totals
from ledgercore.store.repository import digest
from tests.conftest import scaled
from tests.integration.conftest import unique_name
from tests.integration.ledgers import GeneratedLedger, ledgers
from tests.integration.test_ledger import CHART, sale
from tests.integration.test_speed_paths import _bulk_statements, _calendar_buckets, _stored

modest = settings(settings.default, max_examples=max(10, settings.default.max_examples // 4))


def _expected_totals(book: Ledger, generated: GeneratedLedger) -> list[tuple[Any, ...]]:
    keyed = {a.id: a for a in book.chart()}
    lines = [(i.account_id, i.commodity.code, e.entry_at,
              keyed[i.account_id].effect(i.direction, i.amount))
             for e in generated.entries for i in e.line_items]
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return sorted((g, (start - epoch) // datetime.resolution, a, c, total, count)
                  for (g, start, a, c), (total, count) in _calendar_buckets(lines).items())


def _load_and_compare(url: str, generated: GeneratedLedger, posted_first: int,
                      batch: int, prepared: bool = False) -> None:
    entries = generated.entries
    with Ledger.open(url, ledger=unique_name()) as loaded, \
            Ledger.open(url, ledger=unique_name()) as single:
        for book in (loaded, single):
            book.define_accounts(generated.accounts)
        for entry in entries:
            single.post([entry])
        for entry in entries[:posted_first]:
            loaded.post([entry])
        rest = entries[posted_first:]
        parts = [rest[start:start + batch] for start in range(0, len(rest), batch)]
        result = loaded.load(iter([((), prepare(part) if prepared else part)
                                   for part in parts]))
        assert (result.posted, result.unchanged) == (len(rest), 0)
        assert _stored(url, loaded) == _stored(url, single)
        # What a prepared batch stores is each entry's own digest.
        assert {row[0]: row[-1] for row in _stored(url, loaded)["entries"]} == {
            entry.id: digest(entry) for entry in entries}
        assert _stored(url, loaded)["totals"] == _expected_totals(loaded, generated)
        assert loaded.balances() == balances(loaded.chart(), entries, ALL_TIME, ALL_ENTRIES)
        # Loading everything again changes nothing.
        again = loaded.load(iter([((), entries)]))
        assert (again.posted, again.unchanged) == (0, len(entries))
        assert _stored(url, loaded) == _stored(url, single)


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "row-by-row"])
@modest
@given(generated=ledgers(max_entries=20), data=st.data())
def test_load_stores_what_one_by_one_posting_stores(
        database_url: str, bulk: bool, generated: GeneratedLedger,
        data: st.DataObject) -> None:
    posted_first = data.draw(st.integers(0, len(generated.entries)))
    batch = data.draw(st.integers(1, 6))
    limit = data.draw(st.sampled_from((1, 3, 10**6)))  # 1: write after every batch
    prepared = data.draw(st.booleans())  # as an importer hands them over
    with pytest.MonkeyPatch.context() as patch:
        _bulk_statements(patch, bulk)
        patch.setattr(totals, "PENDING_DAYS", limit)
        patch.setattr(ledger, "_ANALYZE_AFTER", data.draw(st.integers(1, 5)))
        _load_and_compare(database_url, generated, posted_first, batch, prepared)


@scaled(8)
@given(generated=ledgers(max_entries=12), data=st.data())
def test_a_bucket_created_meanwhile_falls_back_to_the_upsert(
        pg_url: str, generated: GeneratedLedger, data: st.DataObject) -> None:
    # As if every bucket had been created by a concurrent writer after the load read
    # the existing ones: the COPY meets them, is undone, and the upsert adds instead.
    posted_first = data.draw(st.integers(0, len(generated.entries)))
    read = totals.fetch_all

    def none_existing(connection: Connection, sql: str,
                      parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        existing = sql.startswith(totals._EXISTING.split("{table}")[0])
        return [] if existing else read(connection, sql, parameters)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(totals, "fetch_all", none_existing)
        patch.setattr(driver, "COPY_MIN_ROWS", 1)
        _load_and_compare(pg_url, generated, posted_first, batch=4)


def test_a_failing_load_writes_no_period_totals(database_url: str) -> None:
    with Ledger.open(database_url, ledger=unique_name()) as book:
        book.define_accounts(CHART)
        with pytest.raises(LedgerError) as caught:
            book.load(iter([((), [sale("a", 1), sale("b", 2)]),
                            ((), [sale("c", 3, account="nowhere")])]))
        assert caught.value.code == "unknown_account"
        assert _stored(database_url, book)["totals"] == []
        assert book.balances() == {}


def test_the_collector_is_paused_for_a_load_and_restored_after_it(sqlite_url: str) -> None:
    seen: list[bool] = []

    def batches(last_account: str) -> Iterator[tuple[tuple[()], list[JournalEntry]]]:
        seen.append(gc.isenabled())
        yield (), [sale(f"{last_account}-1", 1)]
        seen.append(gc.isenabled())
        yield (), [sale(f"{last_account}-2", 2, account=last_account)]

    assert gc.isenabled()
    with Ledger.open(sqlite_url, ledger=unique_name()) as book:
        book.define_accounts(CHART)
        assert book.load(batches("sales")).posted == 2
        with pytest.raises(LedgerError):
            book.load(batches("nowhere"))
    assert seen == [False] * 4
    assert gc.isenabled()


class _LostRace(Exception):
    sqlstate = "23505"  # what a concurrent writer's unique key makes PostgreSQL say


def test_a_lost_race_is_raised_not_retried_on_a_consumed_stream(sqlite_url: str) -> None:
    # A retry would run the load again on the batches the first attempt consumed, and
    # commit nothing as if it had succeeded.
    attempts: list[int] = []

    def racing(*args: Any, **kwargs: Any) -> Any:
        attempts.append(1)
        raise IntegrityError("INSERT INTO journal_entries", {}, _LostRace())

    with Ledger.open(sqlite_url, ledger=unique_name()) as book:
        book.define_accounts(CHART)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(ledger, "post", racing)
            with pytest.raises(IntegrityError):
                book.load(iter([((), [sale("a", 1)])]))
        assert attempts == [1]
        assert book.load(iter([((), [sale("a", 1)])])).posted == 1
