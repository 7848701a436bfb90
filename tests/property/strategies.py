"""Hypothesis strategies for the domain model, shared by every property suite.

A generated ledger is a chart of accounts (a random forest up to three levels deep with
every `AccountType`, some contra accounts carrying the opposite normality explicitly) and
a journal of balanced entries posted to it (1-2 commodities, tz-aware `entry_at` across a
few years with exact midnights, folds and odd offsets, tags, customers and vendors, and
some reversals). Periods come with the bounds the caller stated (`PeriodSpec`) so a test
can compare the normal form against the stated semantics. The few helpers at the end do
the arithmetic tests compare with (adding and negating `Balances`), written independently
of `ledgercore.domain.balances`.

Import what you need: ``from tests.property.strategies import charts, journal_entries``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from itertools import pairwise
from typing import TypeVar
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from ledgercore.domain import (
    Account,
    AccountSubtype,
    AccountType,
    Balance,
    Balances,
    ChartOfAccounts,
    Commodity,
    Counterparty,
    CounterpartyKind,
    Direction,
    EndSemantics,
    EntryFilter,
    JournalEntry,
    LineItem,
    Period,
    normalize_tags,
)

T = TypeVar("T")

# ---------------------------------------------------------------------------------------
# Commodities and amounts
# ---------------------------------------------------------------------------------------

MAX_SCALE = 9
COMMODITY_POOL: tuple[Commodity, ...] = (
    Commodity("USD", 2), Commodity("JPY", 0), Commodity("BHD", 3), Commodity("AAPL", 9),
    Commodity("BTC", 8), Commodity("EUR", 2), Commodity("XAU", 4),
)
# The largest line amount the boundary strategies draw, in minor units: the one place to
# raise when the documented amount limit (issue 8) is settled. Big enough to overflow
# naive float arithmetic (2**53 ~ 9e15 is near), small enough that the sums of the few
# hundred lines a generated ledger holds fit BIGINT.
MAX_LINE_AMOUNT = 10**15
# The everyday bound of `amounts` (the domain suites draw many lines per example).
MAX_AMOUNT = 10**13


def commodities(scales: st.SearchStrategy[int] | None = None) -> st.SearchStrategy[Commodity]:
    """Arbitrary valid commodities: an upper-case code and a scale (default 0..9)."""
    codes = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=5)
    return st.builds(Commodity, codes, scales or st.integers(0, MAX_SCALE))


def ledger_commodities() -> st.SearchStrategy[Commodity]:
    """One of a fixed pool of commodities (codes never clash with two scales)."""
    return st.sampled_from(COMMODITY_POOL)


def amounts(max_value: int = MAX_AMOUNT) -> st.SearchStrategy[int]:
    """Positive line-item amounts in minor units."""
    return st.integers(1, max_value)


def minor_units(bound: int = 10**18) -> st.SearchStrategy[int]:
    """Signed amounts in minor units, as balances can be."""
    return st.integers(-bound, bound)


@st.composite
def decimal_strings(draw: st.DrawFn, scale: int, *, max_digits: int = 30) -> str:
    """Plain decimal strings with at most `scale` decimals, as a provider might send.

    Includes a sign or not, leading zeros, trailing zeros, ``"1."`` and ``".5"`` forms,
    and integer parts longer than the 28 digits of Decimal's default context.
    """
    sign = draw(st.sampled_from(["", "", "-", "+"]))
    whole = draw(st.text("0123456789", min_size=0, max_size=max_digits))
    frac = draw(st.text("0123456789", min_size=0, max_size=scale))
    if not whole and not frac:
        whole = "0"
    if frac:
        return f"{sign}{whole}.{frac}"
    return f"{sign}{whole}" + draw(st.sampled_from(["", "."]))


# ---------------------------------------------------------------------------------------
# Time
# ---------------------------------------------------------------------------------------

FIRST_DAY = date(2022, 1, 1)
LAST_DAY = date(2025, 12, 31)
ZONES: tuple[tzinfo, ...] = (
    UTC, ZoneInfo("America/New_York"), ZoneInfo("Europe/London"), ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Pacific/Kiritimati"),
    ZoneInfo("America/Santiago"),  # DST starts at midnight: some days have no 00:00
)


def fixed_offsets() -> st.SearchStrategy[tzinfo]:
    """Fixed UTC offsets from -12:00 to +14:00 in quarter hours (+05:45, -03:30, ...)."""
    return st.integers(-48, 56).map(lambda q: timezone(timedelta(minutes=15 * q)))


def timezones() -> st.SearchStrategy[tzinfo]:
    """A ledger timezone: UTC, a DST zone, or a fixed odd offset."""
    return st.one_of(st.sampled_from(ZONES), fixed_offsets())


def days() -> st.SearchStrategy[date]:
    return st.dates(FIRST_DAY, LAST_DAY)


_KIND = st.integers(0, 3)
_FOLD = st.integers(0, 1)
_WALL_CLOCK = st.datetimes(datetime.combine(FIRST_DAY, time()),
                           datetime.combine(LAST_DAY, time(23, 59, 59, 999999)))


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """A tz-aware instant in 2022-2025: arbitrary times, exact local midnights, DST folds.

    A few fixed anchor instants are drawn often so distinct entries share an `entry_at`
    and period bounds land exactly on entries.
    """
    kind = draw(_KIND)
    if kind == 0:
        return draw(_ANCHOR)
    tz = draw(_TIMEZONE)
    if kind == 1:
        return datetime.combine(draw(_DAY), time(), tzinfo=tz)
    # Attaching the zone to a wall-clock time (rather than drawing per zone) keeps this
    # strategy cheap; the fold picks either side of a DST fall-back hour.
    return draw(_WALL_CLOCK).replace(tzinfo=tz, fold=draw(_FOLD))


ANCHORS: tuple[datetime, ...] = (
    datetime(2023, 1, 1, tzinfo=UTC),
    datetime(2023, 3, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2023, 11, 5, 1, 30, tzinfo=ZoneInfo("America/New_York"), fold=0),
    datetime(2023, 11, 5, 1, 30, tzinfo=ZoneInfo("America/New_York"), fold=1),
    datetime(2024, 2, 29, 12, tzinfo=timezone(timedelta(hours=5, minutes=45))),
    datetime(2024, 6, 30, tzinfo=timezone(timedelta(hours=-7))),
)
_ANCHOR = st.sampled_from(ANCHORS)
_TIMEZONE = timezones()
_DAY = days()


# ---------------------------------------------------------------------------------------
# Accounts and charts
# ---------------------------------------------------------------------------------------

SUBTYPES: dict[AccountType, tuple[AccountSubtype, ...]] = {
    AccountType.ASSET: (AccountSubtype.BANK_ACCOUNTS, AccountSubtype.ACCOUNTS_RECEIVABLE,
                        AccountSubtype.FIXED_ASSET, AccountSubtype.CASH),
    AccountType.LIABILITY: (AccountSubtype.ACCOUNTS_PAYABLE, AccountSubtype.CREDIT_CARD,
                            AccountSubtype.UNEARNED_REVENUE),
    AccountType.EQUITY: (AccountSubtype.COMMON_STOCK, AccountSubtype.RETAINED_EARNINGS),
    AccountType.REVENUE: (AccountSubtype.SALES, AccountSubtype.INTEREST_INCOME),
    AccountType.COGS: (AccountSubtype.COGS,),
    AccountType.EXPENSE: (AccountSubtype.PAYROLL, AccountSubtype.OPERATING_EXPENSES),
}
# The contra subtypes a generated contra account takes (else it keeps a parent's subtype).
CONTRA_SUBTYPES: dict[AccountType, AccountSubtype] = {
    AccountType.ASSET: AccountSubtype.ACCUMULATED_DEPRECIATION,
    AccountType.REVENUE: AccountSubtype.RETURNS_ALLOWANCES,
    AccountType.EQUITY: AccountSubtype.DISTRIBUTIONS,
}
MAX_DEPTH = 3


_INDEX = st.integers(0, 10**6)  # an index taken modulo a length: one cached strategy
_QUARTER = st.integers(0, 3)
_COIN = st.booleans()


def choose(draw: st.DrawFn, options: Sequence[T]) -> T:
    """One of `options`, drawn through a shared strategy (a fresh `sampled_from` per draw
    costs a strategy validation each time, which dominated generation)."""
    return options[draw(_INDEX) % len(options)]


def shuffled(draw: st.DrawFn, items: Iterable[T]) -> list[T]:
    """`items` rotated and perhaps reversed: varied order for two draws, where a full
    shuffle costs a draw per item and generation time is the suite's budget."""
    out = list(items)
    if len(out) > 1:
        turn = draw(_INDEX) % len(out)
        out = out[turn:] + out[:turn]
        if draw(_COIN):
            out.reverse()
    return out


@st.composite
def account_lists(draw: st.DrawFn, min_size: int = 6, max_size: int = 14) -> list[Account]:
    """Accounts forming a forest up to three levels deep, in shuffled order.

    The first six roots cover every `AccountType`; a child keeps its parent's type and is a
    contra account (explicit opposite normality) about one time in four. Some accounts
    carry a unique stable name and an account number.
    """
    types = list(AccountType)
    size = draw(st.integers(max(min_size, len(types)), max_size))
    # Each account's choices come from one drawn integer, digit by digit (a draw per
    # choice made chart generation the bulk of the suite's time); 0 is the simplest:
    # a root, default normality, no subtype, no stable name.
    shapes = [draw(_INDEX) for _ in range(size)]
    specs: list[tuple[str, AccountType, str | None, int]] = []  # id, type, parent, depth
    for index, shape in enumerate(shapes):
        account_id = f"acc-{index:02d}"
        if index < len(types):
            specs.append((account_id, types[index], None, 1))
            continue
        parents = [s for s in specs if s[3] < MAX_DEPTH]
        if shape % 3 == 0:
            specs.append((account_id, types[shape // 3 % len(types)], None, 1))
        else:
            parent = parents[shape // 3 % len(parents)]
            specs.append((account_id, parent[1], parent[0], parent[3] + 1))
    out = []
    for (account_id, type_, parent_id, _), shape in zip(specs, shapes, strict=True):
        digits = shape // 100
        contra = parent_id is not None and digits % 4 == 3
        normality = (type_.default_normality.opposite if contra
                     else (None, type_.default_normality)[digits // 4 % 2])
        subtypes = (None, *SUBTYPES[type_])
        subtype = (CONTRA_SUBTYPES.get(type_) if contra
                   else subtypes[digits // 8 % len(subtypes)])
        named = digits // 64 % 2 == 1
        out.append(Account(
            id=account_id, name=f"{type_.value.title()} {account_id}", type=type_,
            subtype=subtype, normality=normality, parent_id=parent_id,
            stable_name=f"{type_.value.lower()}_{account_id}" if named else None,
            account_number=str(1000 + int(account_id[-2:])) if named else None))
    return shuffled(draw, out)


def charts(min_size: int = 6, max_size: int = 14) -> st.SearchStrategy[ChartOfAccounts]:
    """Valid charts of accounts (see `account_lists`)."""
    return account_lists(min_size, max_size).map(ChartOfAccounts)


def contra(account: Account) -> bool:
    """Whether `account` has the opposite of its type's default normality."""
    return account.normal is not account.type.default_normality


# ---------------------------------------------------------------------------------------
# Entries and journals
# ---------------------------------------------------------------------------------------

TAG_KEYS = ("project", "region", "channel")
TAG_VALUES = ("alpha", "beta", "gamma")
CUSTOMERS = ("cus-1", "cus-2", "cus-3")
VENDORS = ("ven-1", "ven-2")
ENTRY_TYPES = ("MANUAL", "INVOICE", "PAYMENT", "BILL", "REFUND")


TAG_PAIRS = tuple((k, v) for k in TAG_KEYS for v in TAG_VALUES)
PARTIES: tuple[Counterparty | None, ...] = (
    None, None, *(Counterparty(CounterpartyKind.CUSTOMER, c) for c in CUSTOMERS),
    *(Counterparty(CounterpartyKind.VENDOR, v) for v in VENDORS))
DESCRIPTIONS = (None, "", "Invoice 1042", "Rent, March", "Café ☕ — 10 %")


def _tags_from_mask(mask: int) -> dict[str, frozenset[str]]:
    chosen = [pair for bit, pair in enumerate(TAG_PAIRS) if mask >> bit & 1]
    return {k: frozenset(v for kk, v in chosen if kk == k) for k, _ in chosen}


# One integer is a subset of the nine (key, value) pairs: one draw instead of a dozen,
# and it shrinks towards no tags.
_TAGS = st.integers(0, 2 ** len(TAG_PAIRS) - 1).map(_tags_from_mask)
_COUNTERPARTIES = st.sampled_from(PARTIES)


def tags() -> st.SearchStrategy[dict[str, frozenset[str]]]:
    """Tags as key -> values, from a small alphabet so filters hit often."""
    return _TAGS


def counterparties() -> st.SearchStrategy[Counterparty | None]:
    """No counterparty, a customer or a vendor."""
    return _COUNTERPARTIES


_AMOUNT = amounts()
_WEIGHT = st.integers(1, 1000)
_LINES_ONE_COMMODITY = st.integers(2, 4)
_ONE_OR_TWO_COMMODITIES = st.lists(ledger_commodities(), min_size=1, max_size=2,
                                   unique_by=lambda c: c.code)
_LAG = st.one_of(st.none(), st.timedeltas(timedelta(0), timedelta(days=40)))
_UUID = st.uuids().map(str)


def balanced_legs(draw: st.DrawFn, size: int) -> list[tuple[Direction, int]]:
    """`size` >= 2 (direction, amount) legs whose debits equal their credits.

    Debit amounts are drawn; their total is split into the credits by drawn weights,
    each credit at least 1.
    """
    debits = 1 + draw(_INDEX) % (size - 1)
    credits = size - debits
    debit_amounts = [draw(_AMOUNT) for _ in range(debits)]
    total = sum(debit_amounts)
    if total < credits:  # too small to split into `credits` positive parts
        debit_amounts[0] += credits
        total += credits
    weights = [draw(_WEIGHT) for _ in range(credits)]
    credit_amounts = [1 + (total - credits) * w // sum(weights) for w in weights[:-1]]
    credit_amounts.append(total - sum(credit_amounts))
    legs = [(Direction.DEBIT, a) for a in debit_amounts]
    legs += [(Direction.CREDIT, a) for a in credit_amounts]
    return shuffled(draw, legs)


@st.composite
def journal_entries(draw: st.DrawFn, chart: ChartOfAccounts,
                    entry_id: str | None = None) -> JournalEntry:
    """A balanced entry over `chart`: 2-4 line items in 1 or 2 commodities.

    One commodity takes 2-4 lines; two commodities take two lines each. Without
    `entry_id` the id is a random UUID.
    """
    return draw_entry(draw, [a.id for a in chart], entry_id)


def draw_entry(draw: st.DrawFn, account_ids: Sequence[str],
               entry_id: str | None = None) -> JournalEntry:
    """The body of `journal_entries`, callable inside another composite strategy."""
    codes = draw(_ONE_OR_TWO_COMMODITIES)
    lines: list[LineItem] = []
    for commodity in codes:
        size = draw(_LINES_ONE_COMMODITY) if len(codes) == 1 else 2
        for direction, amount in balanced_legs(draw, size):
            # One draw picks the account (low digits) and whether the line has an id.
            pick = draw(_INDEX)
            line_id = f"li-{len(lines)}" if pick // len(account_ids) % 2 else None
            lines.append(LineItem(account_ids[pick % len(account_ids)], commodity, amount,
                                  direction, line_id))
    entry_at = draw(instants())
    lag = draw(_LAG)
    return JournalEntry(
        id=entry_id if entry_id is not None else draw(_UUID),
        entry_at=entry_at,
        created_at=None if lag is None else (entry_at + lag).astimezone(UTC),
        line_items=tuple(shuffled(draw, lines)) if len(codes) > 1 else tuple(lines),
        entry_type=choose(draw, ENTRY_TYPES), description=choose(draw, DESCRIPTIONS),
        counterparty=draw(_COUNTERPARTIES), tags=normalize_tags(draw(_TAGS)))


@st.composite
def journals(draw: st.DrawFn, chart: ChartOfAccounts, min_size: int = 0,
             max_size: int = 8) -> list[JournalEntry]:
    """A list of entries with unique ids over `chart`; some are reversed.

    A reversed entry appears linked to its reversal (`reversal_id`), and the reversal,
    effective at the same instant or later, links back (`reversal_of_id`).
    """
    size = draw(st.integers(min_size, max_size))
    account_ids = [a.id for a in chart]
    entries = [draw_entry(draw, account_ids, f"je-{i:03d}") for i in range(size)]
    out: list[JournalEntry] = []
    for entry in entries:
        if draw(_QUARTER) == 0:
            lag = choose(draw, [timedelta(0), timedelta(days=1), timedelta(days=90)])
            original, reversal = entry.reverse(f"{entry.id}-rev", entry_at=entry.entry_at + lag)
            out += [original, reversal]
        else:
            out.append(entry)
    return out


@st.composite
def ledgers(draw: st.DrawFn, min_size: int = 0,
            max_size: int = 8) -> tuple[ChartOfAccounts, list[JournalEntry]]:
    """A chart and a journal posted to it."""
    chart = draw(charts())
    return chart, draw(journals(chart, min_size, max_size))


# ---------------------------------------------------------------------------------------
# Periods and filters
# ---------------------------------------------------------------------------------------

Bound = date | datetime | None


@dataclass(frozen=True)
class PeriodSpec:
    """A period as a caller states it, before `Period.of` normalises it."""

    start: Bound
    end: Bound
    end_semantics: EndSemantics
    tz: tzinfo

    def build(self) -> Period:
        return Period.of(self.start, self.end, end_semantics=self.end_semantics, tz=self.tz)

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()


def bounds() -> st.SearchStrategy[Bound]:
    """An open bound, a day, or an instant (possibly one of the shared anchors)."""
    return st.one_of(st.none(), days(), instants())


def _ordered(spec: PeriodSpec) -> bool:
    try:
        spec.build()
    except Exception:  # start after end: the caller would get InvalidPeriod
        return False
    return True


@st.composite
def period_specs(draw: st.DrawFn, start: st.SearchStrategy[Bound] | None = None,
                 end: st.SearchStrategy[Bound] | None = None) -> PeriodSpec:
    """Stated periods with start <= end: date or datetime bounds, open bounds, both end
    semantics, any ledger timezone."""
    tz = draw(timezones())
    semantics = draw(st.sampled_from(EndSemantics))
    first, second = draw(start or bounds()), draw(end or bounds())
    spec = PeriodSpec(first, second, semantics, tz)
    if not _ordered(spec):
        spec = PeriodSpec(second, first, semantics, tz)
    if not _ordered(spec):  # e.g. a date start and a datetime end on the same day
        spec = PeriodSpec(spec.start, None, semantics, tz)
    return spec


def periods() -> st.SearchStrategy[Period]:
    """Normalised periods (see `period_specs`)."""
    return period_specs().map(PeriodSpec.build)


def entry_filters() -> st.SearchStrategy[EntryFilter]:
    """Filters over the same small tag / counterparty alphabets the entries use."""
    return st.builds(
        EntryFilter,
        tags=st.dictionaries(st.sampled_from(TAG_KEYS),
                             st.frozensets(st.sampled_from(TAG_VALUES), min_size=1),
                             max_size=1),
        without_tags=st.dictionaries(st.sampled_from(TAG_KEYS),
                                     st.frozensets(st.sampled_from(TAG_VALUES), min_size=1),
                                     max_size=1),
        customer_id=st.one_of(st.none(), st.sampled_from(CUSTOMERS)),
        vendor_id=st.one_of(st.none(), st.none(), st.sampled_from(VENDORS)),
        not_before=st.one_of(st.none(), instants()))


# ---------------------------------------------------------------------------------------
# Arithmetic the properties compare with
# ---------------------------------------------------------------------------------------


def nonzero(figures: Balances) -> dict[tuple[str, str], Balance]:
    """`Balances` flattened to (account, commodity) -> Balance, zero figures dropped, so
    an account that was hit but nets to zero equals one that was never hit."""
    return {(account_id, code): balance for account_id, by_code in figures.items()
            for code, balance in by_code.items() if not balance.is_zero()}


def add(*many: Balances) -> dict[tuple[str, str], Balance]:
    """The sum of several `Balances`, flattened as `nonzero` does."""
    total: dict[tuple[str, str], Balance] = defaultdict(Balance)
    for figures in many:
        for key, balance in nonzero(figures).items():
            total[key] = total[key] + balance
    return {k: v for k, v in total.items() if not v.is_zero()}


def own_effects(chart: ChartOfAccounts, entries: Iterable[JournalEntry]
                ) -> dict[tuple[str, str], int]:
    """Reference sum of every line's normal-sign effect, per (account, commodity), zeros
    dropped: the naive oracle the balance functions must agree with."""
    total: dict[tuple[str, str], int] = defaultdict(int)
    for entry in entries:
        for item in entry.line_items:
            normal = chart.get(item.account_id).normal
            total[(item.account_id, item.commodity.code)] += (
                item.amount if item.direction == normal else -item.amount)
    return {k: v for k, v in total.items() if v}


def endings(figures: Balances) -> dict[tuple[str, str], int]:
    """Only the ending figures, flattened, zeros dropped."""
    return {k: b.ending for k, b in nonzero(figures).items() if b.ending}


def pick(values: Sequence[datetime]) -> st.SearchStrategy[datetime]:
    """An instant that is often exactly one of `values` (entry times), else arbitrary."""
    if not values:
        return instants()
    return st.one_of(st.sampled_from(values), instants())


# ---------------------------------------------------------------------------------------
# Boundaries: where bucketed sums and date arithmetic change
# ---------------------------------------------------------------------------------------

# Ledger timezones by IANA name (a store ledger takes a name): UTC, DST zones (New York,
# Lord Howe's half-hour shift, Santiago's DST at midnight) and whole offsets off UTC.
LEDGER_ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
                "America/Santiago", "Pacific/Kiritimati")
# Days at a year start, a month start, a leap day, DST changes and an ordinary day.
BOUNDARY_DAYS = (date(2024, 1, 1), date(2023, 12, 31), date(2024, 3, 1), date(2024, 2, 29),
                 date(2024, 3, 10), date(2024, 11, 3), date(2024, 4, 7), date(2024, 9, 8),
                 date(2024, 6, 15))
# Where an entry sits relative to a calendar start: exactly on it (most often), a
# microsecond either side, or later the same day.
MICROSECOND = timedelta(microseconds=1)
NUDGES = (timedelta(0), timedelta(0), timedelta(0), MICROSECOND, -MICROSECOND,
          timedelta(hours=1), timedelta(hours=13, microseconds=1))
# Where a period bound sits relative to an entry: on it, a microsecond either side, or
# later the same day (a balance taken during the day an entry opened).
BOUND_OFFSETS = (timedelta(0), MICROSECOND, -MICROSECOND, timedelta(minutes=1),
                 timedelta(hours=5), timedelta(hours=23, minutes=59))
_BOUNDARY_KIND = st.integers(0, 5)
_NUDGE = st.sampled_from(NUDGES)
_BOUNDARY_DAY = st.sampled_from(BOUNDARY_DAYS)
_SHOWN_IN = st.sampled_from(ZONES)


def calendar_start(day: date, unit: str, tz: tzinfo) -> datetime:
    """The first instant of `day`'s day, month or year in `tz` (a UTC instant).

    A local midnight a DST change skips (Santiago) is read with the offset in force
    before the change, as ``datetime.combine`` and `Period.of` both do.
    """
    first = {"day": day, "month": day.replace(day=1), "year": date(day.year, 1, 1)}[unit]
    return datetime.combine(first, time(), tzinfo=tz).astimezone(UTC)


@st.composite
def boundary_instants(draw: st.DrawFn, tz: tzinfo) -> datetime:
    """An instant on (or a microsecond / hours off) a day, month or year start, in `tz`
    or in UTC (the store's buckets), shown in an arbitrary zone."""
    kind = draw(_BOUNDARY_KIND)
    zone = UTC if kind % 2 == 0 else tz
    unit = ("day", "day", "month", "month", "year", "year")[kind]
    start = calendar_start(draw(_BOUNDARY_DAY), unit, zone)
    return (start + draw(_NUDGE)).astimezone(draw(_SHOWN_IN))


def split(draw: st.DrawFn, total: int, parts: int) -> list[int]:
    """`total` as `parts` positive, usually unequal, amounts (cut at drawn points)."""
    assert total >= parts
    cuts = draw(st.lists(st.integers(1, total - 1), min_size=parts - 1, max_size=parts - 1,
                         unique=True)) if parts > 1 else []
    edges = [0, *sorted(cuts), total]
    return [b - a for a, b in pairwise(edges)]


_LINE_TOTAL = st.one_of(st.integers(6, MAX_LINE_AMOUNT), st.integers(6, 1000),
                        st.sampled_from((MAX_LINE_AMOUNT, MAX_LINE_AMOUNT - 1)))
_LEGS = st.integers(3, 6)


@st.composite
def boundary_entries(draw: st.DrawFn, account_ids: Sequence[str], tz: tzinfo,
                     commodities: Sequence[Commodity], entry_id: str) -> JournalEntry:
    """A balanced entry of 3-6 lines per commodity with unequal splits (often one debit
    against several credits, or several against several), amounts up to
    `MAX_LINE_AMOUNT` a line, in 1-3 of `commodities`, at a boundary instant."""
    count = 1 + draw(_INDEX) % min(3, len(commodities))
    chosen = shuffled(draw, commodities)[:count]
    lines: list[LineItem] = []
    for commodity in chosen:
        size = draw(_LEGS)
        total = draw(_LINE_TOTAL)
        debits = 1 + draw(_INDEX) % (size - 1)
        for direction, parts in ((Direction.DEBIT, debits), (Direction.CREDIT, size - debits)):
            for amount in split(draw, total, parts):
                lines.append(LineItem(choose(draw, account_ids), commodity, amount, direction))
    entry_at = draw(boundary_instants(tz))
    return JournalEntry(id=entry_id, entry_at=entry_at, line_items=tuple(lines),
                        created_at=entry_at.astimezone(UTC) + timedelta(seconds=1),
                        counterparty=draw(_COUNTERPARTIES))


@dataclass(frozen=True)
class BoundaryLedger:
    """A ledger built on calendar edges: its zone's IANA name, chart and journal."""

    zone: str
    chart: ChartOfAccounts
    entries: tuple[JournalEntry, ...]

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.zone)


@st.composite
def boundary_ledgers(draw: st.DrawFn, max_entries: int = 10) -> BoundaryLedger:
    """A chart and 1-`max_entries` boundary entries in 2-3 commodities; some reversed
    at the same instant or a day later."""
    zone = draw(st.sampled_from(LEDGER_ZONES))
    tz = ZoneInfo(zone)
    chart = draw(charts(6, 9))
    account_ids = [a.id for a in chart]
    pool = shuffled(draw, COMMODITY_POOL)[:2 + draw(_COIN)]
    out: list[JournalEntry] = []
    for n in range(draw(st.integers(1, max_entries))):
        entry = draw(boundary_entries(account_ids, tz, pool, f"b{n:02d}"))
        if draw(_QUARTER) == 0:
            lag = choose(draw, [timedelta(0), timedelta(days=1)])
            out.extend(entry.reverse(f"b{n:02d}-rev", entry_at=entry.entry_at + lag))
        else:
            out.append(entry)
    return BoundaryLedger(zone, chart, tuple(out))


@st.composite
def boundary_bounds(draw: st.DrawFn, ledger: BoundaryLedger) -> Bound:
    """A period bound near the ledger's entries: an entry's instant on the dot, a
    microsecond either side or later that day, the entry's local day (a date bound), or
    open."""
    kind = draw(st.integers(0, 7))
    if kind == 0 or not ledger.entries:
        return None
    anchor = choose(draw, [e.entry_at for e in ledger.entries])
    if kind == 1:
        return anchor.astimezone(ledger.tz).date() + timedelta(days=draw(st.integers(-1, 1)))
    return (anchor.astimezone(UTC) + choose(draw, BOUND_OFFSETS)).astimezone(draw(_SHOWN_IN))


@st.composite
def boundary_periods(draw: st.DrawFn, ledger: BoundaryLedger) -> Period:
    """A period (either end semantics, the ledger's timezone for dates) whose bounds are
    `boundary_bounds`; an end before the start is swapped, then dropped."""
    semantics = draw(st.sampled_from(EndSemantics))
    start, end = draw(boundary_bounds(ledger)), draw(boundary_bounds(ledger))
    for first, second in ((start, end), (end, start), (start, None)):
        spec = PeriodSpec(first, second, semantics, ledger.tz)
        if _ordered(spec):
            return spec.build()
    raise AssertionError("unreachable: an open end is always a valid period")
