"""The cash-basis projection equals the pure cash view, on SQLite and PostgreSQL.

Random ledgers of invoices, bills, partial and over-payments, credit notes, write-offs,
reversals and back-dated postings (`tests.property.cash_strategies`) are posted in their
arrival order, split into random batches, or one entry at a time in a shuffled order, so
the store settles some entries incrementally and rewinds clearing accounts for others
(a back-dated entry), reading open items a prefix at a time or all at once. Cash-basis
balances (with and without filters), statements and pages of entries must equal the
domain's functions on `cash_view` of the stored journal, and the projection after posting
must equal the projection rebuilt from the journal.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest.mock import patch

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledgercore.domain import (
    USD,
    Account,
    AccountSubtype,
    AccountType,
    Counterparty,
    CounterpartyKind,
    Direction,
    EndSemantics,
    EntryFilter,
    JournalEntry,
    LineItem,
    Period,
    ReportingBasis,
)
from ledgercore.domain.balances import balances, statement, statement_order
from ledgercore.domain.cash import cash_view
from ledgercore.store import Ledger, migrate, totals
from ledgercore.store.cash import items as cash_items
from ledgercore.store.cash import projection as cash_projection
from ledgercore.store.catalog import Catalog
from ledgercore.store.schema import (
    cash_allocations,
    cash_lines,
    cash_open_items,
    cash_period_totals,
    journal_entries,
)
from tests.conftest import scaled
from tests.integration.conftest import unique_name
from tests.property.cash_strategies import CHART, START, CashLedger, cash_ledgers

TAGS = (("team", "a"), ("team", "b"), ("job", "x"))


def _instant(day: int, hour: int) -> datetime:
    return START + timedelta(days=day, hours=hour)


@st.composite
def cash_periods(draw: st.DrawFn) -> Period:
    """Periods over the strategies' 90 days: open ends, date bounds or instant bounds."""
    first = draw(st.integers(-2, 95))
    last = first + draw(st.integers(1, 40))
    hours = draw(st.sampled_from((0, 6, 12)))
    low: date | datetime | None = _instant(first, hours)
    high: date | datetime | None = _instant(last, hours)
    if draw(st.booleans()):
        low, high = START.date() + timedelta(days=first), START.date() + timedelta(days=last)
    kind = draw(st.sampled_from(("both", "open_start", "open_end", "open")))
    if kind in ("open_start", "open"):
        low = None
    if kind in ("open_end", "open"):
        high = None
    return Period.of(low, high, end_semantics=draw(st.sampled_from(list(EndSemantics))))


@st.composite
def cash_filters(draw: st.DrawFn) -> EntryFilter:
    not_before = draw(st.one_of(st.none(), st.builds(
        _instant, st.integers(0, 90), st.sampled_from((0, 12)))))
    if draw(st.booleans()):
        return EntryFilter(not_before=not_before)
    tags = draw(st.lists(st.sampled_from(TAGS), max_size=2))
    without = draw(st.lists(st.sampled_from(TAGS), max_size=1))
    return EntryFilter(
        tags={k: frozenset(v for kk, v in tags if kk == k) for k, _ in tags},
        without_tags={k: frozenset(v for kk, v in without if kk == k) for k, _ in without},
        customer_id=draw(st.sampled_from((None, None, "alice", "bob"))),
        vendor_id=draw(st.sampled_from((None, None, "acme"))), not_before=not_before)


@st.composite
def tagged_ledgers(draw: st.DrawFn) -> tuple[JournalEntry, ...]:
    """A cash ledger's entries in arrival order, some tagged (filters select on them)."""
    ledger: CashLedger = draw(cash_ledgers(max_entries=18))
    return tuple(dataclasses.replace(e, tags=tuple(sorted(set(draw(st.lists(
        st.sampled_from(TAGS), max_size=2)))))) for e in ledger.entries)


def _batches(entries: tuple[JournalEntry, ...], cuts: list[int]) -> list[list[JournalEntry]]:
    out, last = [], 0
    for cut in sorted({c % (len(entries) + 1) for c in cuts} | {len(entries)}):
        out.append(list(entries[last:cut]))
        last = cut
    return [b for b in out if b]


def _stored_journal(book: Ledger) -> list[JournalEntry]:
    page = book.entries(limit=10_000)
    assert page.next_cursor is None
    return list(page.entries)


def _all_cash_entries(book: Ledger, period: Period, entry_filter: EntryFilter,
                      account: str | None, limit: int) -> list[JournalEntry]:
    out: list[JournalEntry] = []
    cursor = None
    while True:
        page = book.entries(period, entry_filter, account_id=account, after=cursor,
                            limit=limit, basis=ReportingBasis.CASH)
        out.extend(page.entries)
        cursor = page.next_cursor
        if cursor is None:
            return out


def _projection(book: Ledger) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection row of this ledger (zero period totals are the same as none)."""
    ledger = book._catalog.ledger_id  # the test reads the derived tables
    out = {}
    with book._work.transaction(write=False) as connection:
        for table in (cash_open_items, cash_allocations, cash_lines, cash_period_totals):
            rows = connection.execute(select(table).where(table.c.ledger_id == ledger))
            out[table.name] = sorted(tuple(r) for r in rows if table is not cash_period_totals
                                     or r.total or r.lines)
    return out


@scaled(12)
@given(entries=tagged_ledgers(), cuts=st.lists(st.integers(0, 30), max_size=4),
       window=st.sampled_from((1, 2, cash_items.WINDOW)),
       bulk=st.sampled_from((1, 3, cash_projection.BULK_READ)), data=st.data())
def test_cash_reports_equal_the_pure_cash_view(database_url: str,
                                               entries: tuple[JournalEntry, ...],
                                               cuts: list[int], window: int, bulk: int,
                                               data: st.DataObject) -> None:
    with Ledger.open(database_url, ledger=unique_name("cash")) as book:
        book.define_accounts(CHART)
        # A payment reads open items `window` at a time: small windows make it read again;
        # a write settling `bulk` entries on an account reads all its open items at once.
        with patch.object(cash_items, "WINDOW", window), \
                patch.object(cash_items, "WINDOW_GROWTH", 2), \
                patch.object(cash_projection, "BULK_READ", bulk):
            for batch in _batches(entries, cuts):
                book.post(batch)
        journal = _stored_journal(book)
        assert sorted(e.id for e in journal) == sorted(e.id for e in entries)
        view = cash_view(CHART, journal)
        for _ in range(2):
            period = data.draw(cash_periods())
            entry_filter = data.draw(cash_filters())
            assert book.balances(period, entry_filter, basis=ReportingBasis.CASH) == \
                balances(CHART, view, period, entry_filter)
            account = data.draw(st.sampled_from([a.id for a in CHART]))
            assert book.statement(account, period, entry_filter,
                                  basis=ReportingBasis.CASH) == \
                statement(CHART, view, account, period, entry_filter)
            shown = data.draw(st.sampled_from((None, account)))
            expected = [e for e in sorted(view, key=statement_order)
                        if entry_filter.accepts(e) and period.contains(e.entry_at)
                        and (shown is None or shown in e.account_ids)]
            assert _all_cash_entries(book, period, entry_filter, shown,
                                     data.draw(st.integers(1, 7))) == expected
        projected = _projection(book)
        book.rebuild_cash_projection()
        assert _projection(book) == projected
        assert book.balances(basis=ReportingBasis.CASH) == balances(CHART, view)


@scaled(10)
@given(ledger=cash_ledgers(max_entries=14), rng=st.randoms(use_true_random=False),
       bulk=st.sampled_from((1, cash_projection.BULK_READ)))
def test_single_posts_in_any_order_rewind_to_the_pure_cash_view(
        database_url: str, ledger: CashLedger, rng: random.Random, bulk: int) -> None:
    """Posted one by one in any order (a reversal even before its original): each
    back-dated entry rewinds its clearing accounts to just before it and settles what
    follows again."""
    entries = list(ledger.entries)
    rng.shuffle(entries)
    with Ledger.open(database_url, ledger=unique_name("rewind")) as book:
        book.define_accounts(CHART)
        with patch.object(cash_projection, "BULK_READ", bulk):
            for entry in entries:
                book.post([entry])
        view = cash_view(CHART, _stored_journal(book))
        assert book.balances(basis=ReportingBasis.CASH) == balances(CHART, view)
        for account in ("ar", "ap", "product", "service", "cogs", "bad_debt"):
            assert book.statement(account, basis=ReportingBasis.CASH) == \
                statement(CHART, view, account)
        assert _all_cash_entries(book, Period.of(None, None), EntryFilter(), None, 50) == \
            sorted(view, key=statement_order)
        projected = _projection(book)
        book.rebuild_cash_projection()
        assert _projection(book) == projected


def _in_arrival(entries: Sequence[JournalEntry], order: str,
                rng: random.Random) -> list[JournalEntry]:
    """Entries as an import may bring them: as drawn, in ledger order, or nearly so."""
    out = list(entries)
    if order != "drawn":
        out.sort(key=statement_order)
    if order == "nearly":  # a few come up to three places late, as in a real file
        for _ in range(len(out) // 3):
            i = rng.randrange(len(out))
            j = min(len(out) - 1, i + rng.randrange(1, 4))
            out[i], out[j] = out[j], out[i]
    return out


def _cut(entries: Sequence[JournalEntry], sizes: Sequence[int]) -> list[list[JournalEntry]]:
    """Consecutive batches of the given sizes, repeated until the entries run out."""
    out: list[list[JournalEntry]] = []
    start = 0
    while start < len(entries):
        size = sizes[len(out) % len(sizes)]
        out.append(list(entries[start:start + size]))
        start += size
    return out


@given(ledger=cash_ledgers(max_entries=40), sizes=st.lists(st.integers(1, 6), min_size=1,
                                                          max_size=4),
       first=st.integers(0, 40), order=st.sampled_from(("drawn", "ledger", "nearly")),
       rng=st.randoms(use_true_random=False), limit=st.sampled_from((1, 3, 10**6)),
       bulk=st.sampled_from((1, 2, cash_projection.BULK_READ)),
       window=st.sampled_from((1, cash_items.WINDOW)),
       held=st.sampled_from((0, 1, 3, cash_projection.HELD_AT_MOST)),
       two_loads=st.booleans())
def test_a_load_projects_what_the_pure_cash_view_says(
        database_url: str, ledger: CashLedger, sizes: list[int], first: int, order: str,
        rng: random.Random, limit: int, bulk: int, window: int, held: int,
        two_loads: bool) -> None:
    """A load gathers the cash period totals of all its batches and writes them at its
    end (or whenever `limit` day buckets are held), on top of entries posted before; a
    batch settling `bulk` entries on an account reads its open items at once, others a
    `window` at a time. Entries come as drawn (back-dated ones rewind their accounts), in
    ledger order or nearly so. The entries a later batch may precede wait for it, `held`
    of them at most, and the open items carry over from batch to batch."""
    entries = _in_arrival(ledger.entries, order, rng)
    with Ledger.open(database_url, ledger=unique_name("load")) as book, \
            patch.object(totals, "PENDING_DAYS", limit), \
            patch.object(cash_projection, "BULK_READ", bulk), \
            patch.object(cash_items, "WINDOW", window), \
            patch.object(cash_projection, "HELD_AT_MOST", held):
        book.define_accounts(CHART)
        book.post(entries[:first])
        rest = entries[first:]
        for part in (rest[:len(rest) // 2], rest[len(rest) // 2:]) if two_loads else (rest,):
            book.load(((), batch) for batch in _cut(part, sizes))
        view = cash_view(CHART, _stored_journal(book))
        assert book.balances(basis=ReportingBasis.CASH) == balances(CHART, view)
        for day in (10, 45, 80):
            period = Period.of(START + timedelta(days=day), None)
            assert book.balances(period, basis=ReportingBasis.CASH) == \
                balances(CHART, view, period)
        projected = _projection(book)
        book.rebuild_cash_projection()
        assert _projection(book) == projected


def test_a_reversal_settled_again_in_a_later_batch_settles_its_original(
        database_url: str) -> None:
    """An invoice and its reversal projected in two batches of a load; a third, back-dated
    entry rewinds the receivable, so the reversal is settled again: it must settle its
    own invoice, not the oldest open one (the reversal once lost its original here)."""
    dr, cr = Direction.DEBIT, Direction.CREDIT

    def entry(entry_id: str, day: int, *lines: tuple[str, Direction, int]) -> JournalEntry:
        return JournalEntry(entry_id, START + timedelta(days=day), tuple(
            LineItem(account, USD, amount, d) for account, d, amount in lines),
            created_at=START + timedelta(days=400, minutes=day))

    older = entry("older", 1, ("ar", dr, 50), ("service", cr, 50))
    voided, void = entry("voided", 5, ("ar", dr, 100), ("product", cr, 100)).reverse(
        "void", entry_at=START + timedelta(days=20))
    batches = [[older, voided, entry("bill-1", 6, ("ap", cr, 3), ("rent", dr, 3))],
               [void, entry("bill-2", 21, ("ap", cr, 4), ("rent", dr, 4))],
               [entry("late", 10, ("ar", dr, 7), ("product", cr, 7))]]
    with Ledger.open(database_url, ledger=unique_name("void")) as book:
        book.define_accounts(CHART)
        book.load(((), batch) for batch in batches)
        cash = book.balances(basis=ReportingBasis.CASH)
        assert "service" not in cash  # the older invoice is still unpaid: no cash yet
        assert cash["product"]["USD"].ending == 0  # the voided sale never brought cash
        assert cash == balances(CHART, cash_view(CHART, _stored_journal(book)))
        projected = _projection(book)
        book.rebuild_cash_projection()
        assert _projection(book) == projected


@scaled(5)
@given(ledger=cash_ledgers(max_entries=12), cuts=st.lists(st.integers(0, 12), max_size=3))
def test_row_keys_given_by_the_caller_project_the_same(database_url: str, ledger: CashLedger,
                                                       cuts: list[int]) -> None:
    """`on_posted` told the entries' row keys (as `post` may pass them) reads none."""
    given: list[int] = []

    def with_keys(connection: Connection, catalog: Catalog,
                  entries: Sequence[JournalEntry], keys: Any = None,
                  pending: Any = None, backlog: Any = None, flows: Any = None) -> None:
        je = journal_entries.c
        found = dict(connection.execute(select(je.external_id, je.id).where(
            je.ledger_id == catalog.ledger_id,
            je.external_id.in_([e.id for e in entries]))).tuples().all())
        given.append(len(found))

        def keys_of(db: Any, ledger_id: int, ids: Collection[str]) -> dict[str, int]:
            assert not set(ids) & found.keys()  # only the originals of reversals are read
            return real_keys_of(db, ledger_id, ids)

        with patch.object(cash_projection, "_keys_of", keys_of):
            real(connection, catalog, entries, keys=found, pending=pending, backlog=backlog,
                 flows=flows)

    real, real_keys_of = cash_projection.on_posted, cash_projection._keys_of
    with Ledger.open(database_url, ledger=unique_name("keys")) as book, \
            patch.object(cash_projection, "on_posted", with_keys):
        book.define_accounts(CHART)
        for batch in _batches(ledger.entries, cuts):
            book.post(batch)
        assert sum(given) == len(ledger.entries)
        view = cash_view(CHART, _stored_journal(book))
        assert book.balances(basis=ReportingBasis.CASH) == balances(CHART, view)
        projected = _projection(book)
        book.rebuild_cash_projection()
        assert _projection(book) == projected


def test_the_worked_example_and_a_back_dated_payment(database_url: str) -> None:
    chart = [Account("bank", "Bank", AccountType.ASSET, AccountSubtype.BANK_ACCOUNTS),
             Account("ar", "Receivables", AccountType.ASSET,
                     AccountSubtype.ACCOUNTS_RECEIVABLE),
             Account("product", "Product Sales", AccountType.REVENUE),
             Account("service", "Service Revenue", AccountType.REVENUE)]
    dr, cr = Direction.DEBIT, Direction.CREDIT
    alice = Counterparty(CounterpartyKind.CUSTOMER, "alice")

    def entry(entry_id: str, day: datetime, *lines: tuple[str, Direction, int]) -> JournalEntry:
        return JournalEntry(entry_id, day, tuple(LineItem(a, USD, x, d) for a, d, x in lines),
                            created_at=datetime(2025, 1, 1, tzinfo=UTC), counterparty=alice)

    invoice = entry("inv", datetime(2024, 1, 10, tzinfo=UTC), ("ar", dr, 100000),
                    ("product", cr, 70000), ("service", cr, 30000))
    march = entry("pay-mar", datetime(2024, 3, 3, tzinfo=UTC), ("bank", dr, 60000),
                  ("ar", cr, 60000))
    february = entry("pay-feb", datetime(2024, 2, 5, tzinfo=UTC), ("bank", dr, 40000),
                     ("ar", cr, 40000))
    with Ledger.open(database_url, ledger=unique_name("example")) as book:
        book.define_accounts(chart)
        book.post([invoice])
        book.post([march])     # settles 600.00 of the invoice on 3 Mar
        book.post([february])  # back-dated: FIFO changes, the receivable is replayed
        feb = book.period(date(2024, 2, 1), date(2024, 3, 1))
        mar = book.period(date(2024, 3, 1), date(2024, 4, 1))
        cash = ReportingBasis.CASH

        def moved(period: Period, account: str) -> int:
            found = book.balances(period, basis=cash)[account]["USD"]
            return found.ending - found.starting

        assert (moved(feb, "product"), moved(feb, "service")) == (28000, 12000)
        assert (moved(mar, "product"), moved(mar, "service")) == (42000, 18000)
        jan = book.period(date(2024, 1, 1), date(2024, 2, 1))
        assert "product" not in book.balances(jan, basis=cash)
        assert "ar" not in book.balances(basis=cash)  # every receivable line is replaced
        assert book.balances(basis=cash)["bank"] == book.balances()["bank"]
        void = book.reverse("pay-mar", "pay-mar-void", datetime(2024, 4, 2, tzinfo=UTC))
        april = book.period(date(2024, 4, 1), date(2024, 5, 1))
        assert void.reversal_of_id == "pay-mar"
        assert moved(april, "product") == -42000
        assert book.balances(basis=cash) == balances(
            book.chart(), cash_view(book.chart(), _stored_journal(book)))


def test_upgrading_from_0001_projects_existing_ledgers(sqlite_url: str) -> None:
    name = unique_name("upgrade")
    with Ledger.open(sqlite_url, ledger=name) as book:
        book.define_accounts(CHART)
        book.post([JournalEntry("inv", START, (LineItem("ar", USD, 500, Direction.DEBIT),
                                               LineItem("product", USD, 500, Direction.CREDIT)),
                                created_at=START),
                   JournalEntry("pay", START + timedelta(days=3),
                                (LineItem("bank", USD, 200, Direction.DEBIT),
                                 LineItem("ar", USD, 200, Direction.CREDIT)),
                                created_at=START)])
        before = book.balances(basis=ReportingBasis.CASH)
    assert before["product"]["USD"].ending == 200
    migrate.downgrade(sqlite_url, "0001")
    migrate.upgrade(sqlite_url)
    with Ledger.open(sqlite_url, ledger=name) as book:
        assert book.balances(basis=ReportingBasis.CASH) == before


def _at(day: int, n: int) -> JournalEntry:
    return JournalEntry(f"e{n}", START + timedelta(days=day),
                        (LineItem("ar", USD, 1, Direction.DEBIT),
                         LineItem("product", USD, 1, Direction.CREDIT)))


def test_a_backlog_releases_what_no_later_entry_is_expected_to_precede() -> None:
    backlog = cash_projection.Backlog()
    keys = {f"e{n}": n for n in range(10)}

    def ready(*entries: JournalEntry) -> list[str]:
        return [entry.id for entry, _ in backlog.ready(entries, keys)]

    # In order so far: no lateness seen, all but the latest instant go.
    assert ready(_at(0, 0), _at(1, 1), _at(2, 2)) == ["e0", "e1"]
    # One comes two days late: from now on the last two days wait.
    assert ready(_at(5, 3), _at(3, 4)) == ["e2"]
    assert backlog.lateness == timedelta(days=2)
    assert ready(_at(6, 5), _at(9, 6)) == ["e4", "e3", "e5"]
    with patch.object(cash_projection, "HELD_AT_MOST", 1):  # too many wait: earliest go
        assert ready(_at(8, 7), _at(10, 8)) == ["e7", "e6"]
    assert [(e.id, key) for e, key in backlog.release()] == [("e8", 8)]
    assert not backlog.held
