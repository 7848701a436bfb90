"""Balances over periods: starting, activity, ending, statements, roll-ups, trial balance.

The reference computation of ledgercore, written for clarity over speed: the SQL store
must produce exactly these figures. For a period ``[start, end)``:
``starting`` is every line effective strictly before `start` (zero when open),
``ending`` every line effective before `end` (everything when open), and
``activity = ending - starting``. Figures are per commodity in the account's normal sign
(see `accounts` for the convention); USD and AAPL never add up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from ledgercore.domain.accounts import ChartOfAccounts, Direction
from ledgercore.domain.entries import CounterpartyKind, JournalEntry
from ledgercore.domain.errors import InvalidDate, InvalidFilter
from ledgercore.domain.limits import check_text
from ledgercore.domain.periods import Period


class ReportingBasis(StrEnum):
    """ACCRUAL counts every entry when effective; CASH recognises revenue and expense
    when cash settles them (see `ledgercore.domain.cash`)."""

    ACCRUAL = "ACCRUAL"
    CASH = "CASH"


@dataclass(frozen=True, slots=True)
class EntryFilter:
    """Which entries a report counts.

    Attributes:
        tags: for each key, the entry must carry at least one of the values.
        without_tags: an entry carrying any of these (key, value) pairs is left out.
        customer_id / vendor_id: the entry's counterparty must be this customer / vendor.
        not_before: entries effective before this instant (the ledger's activation) are
            left out; None counts everything.
    """

    tags: Mapping[str, frozenset[str]] = field(default_factory=dict)
    without_tags: Mapping[str, frozenset[str]] = field(default_factory=dict)
    customer_id: str | None = None
    vendor_id: str | None = None
    not_before: datetime | None = None

    def __post_init__(self) -> None:
        # Text no store keeps can match no entry, and a database would fail on it.
        for name, mapping in (("tags", self.tags), ("without_tags", self.without_tags)):
            for key, values in mapping.items():
                for text in (key, *values):
                    check_text(text, f"a {name} filter", InvalidFilter, limit=None,
                               path=f"$.{name}")
        for name in ("customer_id", "vendor_id"):
            check_text(getattr(self, name), f"the {name} filter", InvalidFilter, limit=None,
                       path=f"$.{name}")
        # In UTC for the same reason as Period's bounds: same-zone datetimes compare by
        # wall clock and ignore DST folds.
        if self.not_before is not None:
            if self.not_before.utcoffset() is None:
                raise InvalidDate("not_before must be a timezone-aware datetime",
                                  path="$.not_before")
            object.__setattr__(self, "not_before", self.not_before.astimezone(UTC))

    def accepts(self, entry: JournalEntry) -> bool:
        if self.not_before is not None and entry.entry_at < self.not_before:
            return False
        for key, values in self.tags.items():
            if not entry.tag_values(key) & values:
                return False
        for key, values in self.without_tags.items():
            if entry.tag_values(key) & values:
                return False
        party = entry.counterparty
        if self.customer_id is not None and (
                party is None or party.kind is not CounterpartyKind.CUSTOMER
                or party.id != self.customer_id):
            return False
        return self.vendor_id is None or (
            party is not None and party.kind is CounterpartyKind.VENDOR
            and party.id == self.vendor_id)


ALL_ENTRIES = EntryFilter()
ALL_TIME = Period()


@dataclass(frozen=True, slots=True)
class Balance:
    """One account's figures in one commodity over a period, in normal sign."""

    starting: int = 0
    ending: int = 0

    @property
    def activity(self) -> int:
        return self.ending - self.starting

    def __add__(self, other: Balance) -> Balance:
        return Balance(self.starting + other.starting, self.ending + other.ending)

    def __neg__(self) -> Balance:
        return Balance(-self.starting, -self.ending)

    def is_zero(self) -> bool:
        return self.starting == 0 and self.ending == 0


# account id -> commodity code -> Balance; an absent account or commodity is zero.
Balances = dict[str, dict[str, Balance]]


def balances(chart: ChartOfAccounts, entries: Iterable[JournalEntry], period: Period = ALL_TIME,
             entry_filter: EntryFilter = ALL_ENTRIES,
             accounts: Iterable[str] | None = None) -> Balances:
    """Each account's own balance (no roll-up) per commodity over `period`.

    Args:
        chart: the chart the entries post to.
        entries: the journal, in any order.
        period: the half-open period.
        entry_filter: which entries count.
        accounts: restrict the answer to these account ids (default: every account hit).

    Raises:
        UnknownAccount: an entry posts to an account outside `chart`.
    """
    wanted = None if accounts is None else frozenset(accounts)
    starting: dict[tuple[str, str], int] = defaultdict(int)
    ending: dict[tuple[str, str], int] = defaultdict(int)
    for entry in entries:
        if not entry_filter.accepts(entry) or not period.by_end(entry.entry_at):
            continue
        before = period.before_start(entry.entry_at)
        for item in entry.line_items:
            if wanted is not None and item.account_id not in wanted:
                continue
            key = (item.account_id, item.commodity.code)
            effect = chart.get(item.account_id).effect(item.direction, item.amount)
            ending[key] += effect
            if before:
                starting[key] += effect
    out: Balances = defaultdict(dict)
    for (account_id, code), end in ending.items():
        out[account_id][code] = Balance(starting[(account_id, code)], end)
    return dict(out)


@dataclass(frozen=True, slots=True)
class RolledBalance:
    """A node's own figures and its total including every descendant (parent's sign)."""

    own: Mapping[str, Balance]
    total: Mapping[str, Balance]


def roll_up(chart: ChartOfAccounts, own: Balances) -> dict[str, RolledBalance]:
    """Roll each account's own balances up the hierarchy.

    A child whose normality differs from its parent's (a contra account) enters the
    parent's total negated, so every total reads in its own account's normal sign.
    Returns an entry for every account of the chart.
    """
    totals: dict[str, dict[str, Balance]] = {}

    def total(account_id: str) -> dict[str, Balance]:
        if account_id in totals:
            return totals[account_id]
        parent = chart.get(account_id)
        acc = dict(own.get(account_id, {}))
        for child_id in chart.children(account_id):
            flip = chart.get(child_id).normality is not parent.normality
            for code, balance in total(child_id).items():
                acc[code] = acc.get(code, Balance()) + (-balance if flip else balance)
        totals[account_id] = acc
        return acc

    return {a.id: RolledBalance(own.get(a.id, {}), total(a.id)) for a in chart}


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One line item on an account statement, with the balance right after it."""

    entry_id: str
    entry_at: datetime
    commodity: str
    amount: int  # signed effect on the account, normal sign
    balance: int
    entry_type: str
    description: str | None
    line_item_id: str | None


@dataclass(frozen=True, slots=True)
class Statement:
    """A running-balance statement (as Alpaca's JIT transactions show it)."""

    account_id: str
    starting: Mapping[str, int]
    lines: tuple[StatementLine, ...]
    ending: Mapping[str, int]


def statement_order(entry: JournalEntry) -> tuple[datetime, datetime, str]:
    """The order lines appear on a statement: effective time, recorded time, entry id."""
    assert entry.created_at is not None
    # Compared in UTC: same-zone datetimes compare by wall clock and ignore DST folds.
    return (entry.entry_at.astimezone(UTC), entry.created_at.astimezone(UTC), entry.id)


def statement(chart: ChartOfAccounts, entries: Iterable[JournalEntry], account_id: str,
              period: Period = ALL_TIME,
              entry_filter: EntryFilter = ALL_ENTRIES) -> Statement:
    """The lines of one account inside `period`, each with its running balance."""
    account = chart.get(account_id)
    chosen = sorted((e for e in entries if entry_filter.accepts(e) and period.by_end(e.entry_at)
                     and account_id in e.account_ids), key=statement_order)
    running: dict[str, int] = defaultdict(int)
    starting: dict[str, int] = {}
    lines: list[StatementLine] = []
    for entry in chosen:
        before = period.before_start(entry.entry_at)
        for item in entry.line_items:
            if item.account_id != account_id:
                continue
            code = item.commodity.code
            effect = account.effect(item.direction, item.amount)
            running[code] += effect
            if before:
                starting[code] = running[code]
            else:
                lines.append(StatementLine(entry.id, entry.entry_at, code, effect,
                                           running[code], entry.entry_type, entry.description,
                                           item.id))
    return Statement(account_id, {c: starting.get(c, 0) for c in running}, tuple(lines),
                     dict(running))


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    account_id: str
    commodity: str
    debit: int
    credit: int


@dataclass(frozen=True, slots=True)
class TrialBalance:
    """Ending balances split into debit and credit columns, with per-commodity totals."""

    rows: tuple[TrialBalanceRow, ...]

    def totals(self) -> dict[str, tuple[int, int]]:
        """Commodity -> (total debits, total credits); equal in a sound ledger."""
        out: dict[str, tuple[int, int]] = {}
        for row in self.rows:
            debit, credit = out.get(row.commodity, (0, 0))
            out[row.commodity] = (debit + row.debit, credit + row.credit)
        return out

    def is_balanced(self) -> bool:
        return all(d == c for d, c in self.totals().values())


def trial_balance(chart: ChartOfAccounts, entries: Iterable[JournalEntry],
                  period: Period = ALL_TIME,
                  entry_filter: EntryFilter = ALL_ENTRIES) -> TrialBalance:
    """Every account's ending balance by `period.end`, in debit / credit columns."""
    rows = []
    for account_id, by_code in sorted(balances(chart, entries, period, entry_filter).items()):
        normal_debit = chart.get(account_id).normality is Direction.DEBIT
        for code, balance in sorted(by_code.items()):
            signed = balance.ending if normal_debit else -balance.ending
            if signed:
                rows.append(TrialBalanceRow(account_id, code, max(signed, 0), max(-signed, 0)))
    return TrialBalance(tuple(rows))
