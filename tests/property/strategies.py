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
)

# ---------------------------------------------------------------------------------------
# Commodities and amounts
# ---------------------------------------------------------------------------------------

MAX_SCALE = 9
COMMODITY_POOL: tuple[Commodity, ...] = (
    Commodity("USD", 2), Commodity("JPY", 0), Commodity("BHD", 3), Commodity("AAPL", 9),
    Commodity("BTC", 8), Commodity("EUR", 2), Commodity("XAU", 4),
)
# Big enough to overflow naive float arithmetic, small enough to fit BIGINT sums.
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


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """A tz-aware instant in 2022-2025: arbitrary times, exact local midnights, DST folds.

    A few fixed anchor instants are drawn often so distinct entries share an `entry_at`
    and period bounds land exactly on entries.
    """
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.sampled_from(ANCHORS))
    tz = draw(timezones())
    if kind == 1:
        return datetime.combine(draw(days()), time(), tzinfo=tz)
    moment = draw(st.datetimes(datetime.combine(FIRST_DAY, time()),
                               datetime.combine(LAST_DAY, time(23, 59, 59)),
                               timezones=st.just(tz)))
    return moment.replace(fold=draw(st.integers(0, 1)))


ANCHORS: tuple[datetime, ...] = (
    datetime(2023, 1, 1, tzinfo=UTC),
    datetime(2023, 3, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2023, 11, 5, 1, 30, tzinfo=ZoneInfo("America/New_York"), fold=0),
    datetime(2023, 11, 5, 1, 30, tzinfo=ZoneInfo("America/New_York"), fold=1),
    datetime(2024, 2, 29, 12, tzinfo=timezone(timedelta(hours=5, minutes=45))),
    datetime(2024, 6, 30, tzinfo=timezone(timedelta(hours=-7))),
)


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


@st.composite
def account_lists(draw: st.DrawFn, min_size: int = 6, max_size: int = 14) -> list[Account]:
    """Accounts forming a forest up to three levels deep, in shuffled order.

    The first six roots cover every `AccountType`; a child keeps its parent's type and is a
    contra account (explicit opposite normality) about one time in four. Some accounts
    carry a unique stable name and an account number.
    """
    size = draw(st.integers(max(min_size, len(AccountType)), max_size))
    specs: list[tuple[str, AccountType, str | None, int]] = []  # id, type, parent, depth
    for index in range(size):
        account_id = f"acc-{index:02d}"
        if index < len(AccountType):
            specs.append((account_id, list(AccountType)[index], None, 1))
            continue
        parents = [s for s in specs if s[3] < MAX_DEPTH]
        parent = draw(st.one_of(st.none(), st.sampled_from(parents)))
        if parent is None:
            specs.append((account_id, draw(st.sampled_from(AccountType)), None, 1))
        else:
            specs.append((account_id, parent[1], parent[0], parent[3] + 1))
    out = []
    for account_id, type_, parent_id, _ in specs:
        contra = parent_id is not None and draw(st.integers(0, 3)) == 0
        normality = type_.default_normality.opposite if contra else draw(
            st.sampled_from([None, type_.default_normality]))
        subtype = (CONTRA_SUBTYPES.get(type_) if contra
                   else draw(st.one_of(st.none(), st.sampled_from(SUBTYPES[type_]))))
        named = draw(st.booleans())
        out.append(Account(
            id=account_id, name=f"{type_.value.title()} {account_id}", type=type_,
            subtype=subtype, normality=normality, parent_id=parent_id,
            stable_name=f"{type_.value.lower()}_{account_id}" if named else None,
            account_number=str(1000 + int(account_id[-2:])) if named else None))
    return draw(st.permutations(out))


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


def tags() -> st.SearchStrategy[dict[str, frozenset[str]]]:
    """Tags as key -> values, from a small alphabet so filters hit often."""
    return st.dictionaries(st.sampled_from(TAG_KEYS),
                           st.frozensets(st.sampled_from(TAG_VALUES), min_size=1, max_size=2),
                           max_size=2)


def counterparties() -> st.SearchStrategy[Counterparty | None]:
    return st.one_of(
        st.none(),
        st.builds(Counterparty, st.just(CounterpartyKind.CUSTOMER), st.sampled_from(CUSTOMERS)),
        st.builds(Counterparty, st.just(CounterpartyKind.VENDOR), st.sampled_from(VENDORS)))


@st.composite
def balanced_legs(draw: st.DrawFn, size: int) -> list[tuple[Direction, int]]:
    """`size` >= 2 (direction, amount) legs whose debits equal their credits."""
    debits = draw(st.integers(1, size - 1))
    credits = size - debits
    debit_amounts = draw(st.lists(amounts(), min_size=debits, max_size=debits))
    total = sum(debit_amounts)
    if total < credits:  # too small to split into `credits` positive parts
        debit_amounts[0] += credits
        total += credits
    cuts = sorted(draw(st.lists(st.integers(1, total - 1), min_size=credits - 1,
                                max_size=credits - 1, unique=True))) if credits > 1 else []
    credit_amounts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    legs = [(Direction.DEBIT, a) for a in debit_amounts]
    legs += [(Direction.CREDIT, a) for a in credit_amounts]
    return draw(st.permutations(legs))


@st.composite
def journal_entries(draw: st.DrawFn, chart: ChartOfAccounts,
                    entry_id: str | st.SearchStrategy[str] | None = None) -> JournalEntry:
    """A balanced entry over `chart`: 2-4 line items in 1 or 2 commodities.

    One commodity takes 2-4 lines; two commodities take two lines each.
    """
    account_ids = [a.id for a in chart]
    codes = draw(st.lists(ledger_commodities(), min_size=1, max_size=2,
                          unique_by=lambda c: c.code))
    lines: list[LineItem] = []
    for commodity in codes:
        size = draw(st.integers(2, 4)) if len(codes) == 1 else 2
        for direction, amount in draw(balanced_legs(size)):
            line_id = draw(st.one_of(st.none(), st.just(f"li-{len(lines)}")))
            lines.append(LineItem(draw(st.sampled_from(account_ids)), commodity, amount,
                                  direction, line_id))
    if entry_id is None:
        entry_id = st.uuids().map(str)
    entry_at = draw(instants())
    created_at = draw(st.one_of(st.none(), st.timedeltas(timedelta(0), timedelta(days=40))
                                .map(lambda lag: (entry_at + lag).astimezone(UTC))))
    return JournalEntry(
        id=entry_id if isinstance(entry_id, str) else draw(entry_id),
        entry_at=entry_at, created_at=created_at, line_items=tuple(draw(st.permutations(lines))),
        entry_type=draw(st.sampled_from(ENTRY_TYPES)),
        description=draw(st.one_of(st.none(), st.text(max_size=12))),
        counterparty=draw(counterparties()), tags=draw(tags()))


@st.composite
def journals(draw: st.DrawFn, chart: ChartOfAccounts, min_size: int = 0,
             max_size: int = 12) -> list[JournalEntry]:
    """A list of entries with unique ids over `chart`; some are reversed.

    A reversed entry appears linked to its reversal (`reversal_id`), and the reversal,
    effective at the same instant or later, links back (`reversal_of_id`).
    """
    size = draw(st.integers(min_size, max_size))
    entries = [draw(journal_entries(chart, entry_id=f"je-{i:03d}")) for i in range(size)]
    out: list[JournalEntry] = []
    for entry in entries:
        if draw(st.integers(0, 4)) == 0:
            lag = draw(st.sampled_from([timedelta(0), timedelta(days=1), timedelta(days=90)]))
            original, reversal = entry.reverse(f"{entry.id}-rev", entry_at=entry.entry_at + lag)
            out += [original, reversal]
        else:
            out.append(entry)
    return out


@st.composite
def ledgers(draw: st.DrawFn, min_size: int = 0,
            max_size: int = 12) -> tuple[ChartOfAccounts, list[JournalEntry]]:
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
