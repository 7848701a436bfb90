"""Hypothesis strategies for the integration suite: small random ledgers and queries.

A generated ledger is a chart (a forest, some contra accounts), balanced entries in
several commodities clustered around UTC year, month and day boundaries (where period
totals change bucket), with tags, counterparties and awkward ids (case, non-ASCII) that
test the statement order, plus periods with both end semantics and entry filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from ledgercore.domain import (
    Account,
    AccountType,
    Commodity,
    Counterparty,
    CounterpartyKind,
    Direction,
    EndSemantics,
    EntryFilter,
    InvalidPeriod,
    JournalEntry,
    LineItem,
    Period,
)

COMMODITIES = (Commodity("USD", 2), Commodity("JPY", 0), Commodity("AAPL", 4))
TAGS = (("k", "a"), ("k", "b"), ("j", "x"))
PARTIES = (None, Counterparty(CounterpartyKind.CUSTOMER, "c1"),
           Counterparty(CounterpartyKind.CUSTOMER, "c2"),
           Counterparty(CounterpartyKind.VENDOR, "v1"))
ID_PREFIXES = ("e", "E", "é", "_", "e-")
ZONES = (UTC, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=30)))
# Instants near bucket edges (new year, month ends, a leap day) and a few far away.
ANCHORS = (datetime(2023, 12, 31, 23, tzinfo=UTC), datetime(2024, 1, 31, 12, tzinfo=UTC),
           datetime(2024, 2, 29, 0, tzinfo=UTC), datetime(2024, 3, 1, 0, tzinfo=UTC))


@dataclass(frozen=True)
class GeneratedLedger:
    accounts: tuple[Account, ...]
    entries: tuple[JournalEntry, ...]


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Aware instants, mostly within hours of a bucket edge, in assorted offsets."""
    if draw(st.integers(0, 9)) == 0:
        day = draw(st.dates(date(2019, 1, 1), date(2031, 12, 31)))
        base = datetime(day.year, day.month, day.day, tzinfo=UTC)
    else:
        base = draw(st.sampled_from(ANCHORS))
    offset = timedelta(minutes=draw(st.integers(-3 * 24 * 60, 3 * 24 * 60)),
                       microseconds=draw(st.sampled_from((0, 0, 1, 999_999))))
    return (base + offset).astimezone(draw(st.sampled_from(ZONES)))


@st.composite
def charts(draw: st.DrawFn) -> tuple[Account, ...]:
    """A forest of 2-8 accounts; children come after parents; some contra accounts."""
    count = draw(st.integers(2, 8))
    accounts: list[Account] = []
    for index in range(count):
        kind = draw(st.sampled_from(list(AccountType)))
        parent = draw(st.one_of(st.none(), st.sampled_from(accounts))) if accounts else None
        normality = draw(st.sampled_from((None, None, None, Direction.DEBIT, Direction.CREDIT)))
        accounts.append(Account(id=f"acct{index}", name=f"Account {index}", type=kind,
                                normality=normality,
                                parent_id=None if parent is None else parent.id))
    return tuple(accounts)


@st.composite
def entries_for(draw: st.DrawFn, accounts: tuple[Account, ...], count: int,
                prefix: str = "") -> tuple[JournalEntry, ...]:
    """`count` balanced entries posting to `accounts` (each a set of debit/credit pairs).

    About one in six is reversed: the original (linked to its reversal) is followed by
    the reversal, effective at once or up to days later (across a bucket edge, often).
    """
    ids = [a.id for a in accounts]
    out = []
    for index in range(count):
        lines: list[LineItem] = []
        for _ in range(draw(st.integers(1, 2))):
            commodity = draw(st.sampled_from(COMMODITIES))
            amount = draw(st.integers(1, 10**7))
            lines.append(LineItem(draw(st.sampled_from(ids)), commodity, amount,
                                  Direction.DEBIT, draw(st.sampled_from((None, f"l{index}")))))
            lines.append(LineItem(draw(st.sampled_from(ids)), commodity, amount,
                                  Direction.CREDIT))
        order = draw(st.permutations(range(len(lines))))
        at = draw(instants())
        late = timedelta(seconds=draw(st.sampled_from((0, 0, 1, 3600))))
        entry = JournalEntry(
            id=f"{prefix}{draw(st.sampled_from(ID_PREFIXES))}{index}",
            entry_at=at, created_at=at + late,
            line_items=tuple(lines[i] for i in order),
            entry_type=draw(st.sampled_from(("MANUAL", "INVOICE"))),
            description=draw(st.sampled_from((None, "sale", "refund"))),
            counterparty=draw(st.sampled_from(PARTIES)),
            tags=tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True))))
        if draw(st.integers(0, 5)) == 0:
            lag = timedelta(minutes=draw(st.sampled_from((0, 0, 90, 3 * 24 * 60))))
            out.extend(entry.reverse(f"{entry.id}-rev", entry_at=at + lag))
        else:
            out.append(entry)
    return tuple(out)


@st.composite
def ledgers(draw: st.DrawFn, max_entries: int = 25) -> GeneratedLedger:
    accounts = draw(charts())
    count = draw(st.integers(0, max_entries))
    return GeneratedLedger(accounts, draw(entries_for(accounts, count)))


@st.composite
def periods(draw: st.DrawFn) -> Period:
    """Periods with open, date or date-time bounds and either end semantics."""
    def bound() -> date | datetime | None:
        kind = draw(st.sampled_from(("open", "date", "datetime", "datetime")))
        if kind == "open":
            return None
        instant = draw(instants())
        return instant.date() if kind == "date" else instant

    start, end = bound(), bound()
    semantics = draw(st.sampled_from(list(EndSemantics)))
    zone = draw(st.sampled_from(ZONES))
    for first, second in ((start, end), (end, start), (start, None)):
        try:
            return Period.of(first, second, end_semantics=semantics, tz=zone)
        except InvalidPeriod:
            continue
    raise AssertionError("unreachable: an open end is always a valid period")


@st.composite
def entry_filters(draw: st.DrawFn) -> EntryFilter:
    """Filters of every kind; often none at all (the period-totals path)."""
    if draw(st.booleans()):
        not_before = draw(st.one_of(st.none(), instants()))
        return EntryFilter(not_before=not_before)

    def tag_map() -> dict[str, frozenset[str]]:
        pairs = draw(st.lists(st.sampled_from(TAGS), max_size=2))
        out: dict[str, set[str]] = {}
        for key, value in pairs:
            out.setdefault(key, set()).add(value)
        return {k: frozenset(v) for k, v in out.items()}

    return EntryFilter(
        tags=tag_map(), without_tags=tag_map(),
        customer_id=draw(st.sampled_from((None, None, "c1", "c2"))),
        vendor_id=draw(st.sampled_from((None, None, None, "v1"))),
        not_before=draw(st.one_of(st.none(), instants())))
