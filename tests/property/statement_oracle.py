"""The statements of a journal computed by the pure domain alone: the reference the SQL
store's statements are compared with, and the subject of the pure properties.

A journal here is every posted entry, closing entries and their reversals included (as a
store's journal holds them); `closing` names those, and `closes` gives the ends of the
standing closes (`PeriodClose.closed_until`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta

from ledgercore.domain import (
    ALL_ENTRIES,
    ChartOfAccounts,
    EntryFilter,
    JournalEntry,
    Period,
    ReportingBasis,
    balances,
    cash_view,
)
from ledgercore.domain.closing import closing_entry
from ledgercore.domain.statements import (
    BalanceSheet,
    CashFlow,
    IncomeStatement,
    balance_sheet,
    cash_accounts,
    cash_flow,
    direct_flows,
    income_statement,
    net_income,
)


def view(chart: ChartOfAccounts, journal: Sequence[JournalEntry],
         basis: ReportingBasis) -> tuple[JournalEntry, ...]:
    return cash_view(chart, journal) if basis is ReportingBasis.CASH else tuple(journal)


def without(entries: Sequence[JournalEntry], closing: Collection[str]) -> list[JournalEntry]:
    return [e for e in entries if e.id not in closing]


def income(chart: ChartOfAccounts, journal: Sequence[JournalEntry], basis: ReportingBasis,
           columns: Sequence[Period], closing: Collection[str],
           entry_filter: EntryFilter = ALL_ENTRIES) -> IncomeStatement:
    seen = without(view(chart, journal, basis), closing)
    return income_statement(chart, [balances(chart, seen, c, entry_filter) for c in columns],
                            columns)


def sheet(chart: ChartOfAccounts, journal: Sequence[JournalEntry], basis: ReportingBasis,
          at: datetime | None, closing: Collection[str], closes: Collection[datetime],
          entry_filter: EntryFilter = ALL_ENTRIES) -> BalanceSheet:
    seen = without(view(chart, journal, basis), closing)
    last = max((c for c in closes if at is None or c <= at), default=None)
    own = balances(chart, seen, Period(last, at), entry_filter)
    return balance_sheet(chart, own, net_income(chart, own, "starting"),
                         net_income(chart, own, "activity"), at)


def flows(chart: ChartOfAccounts, journal: Sequence[JournalEntry], basis: ReportingBasis,
          period: Period, closing: Collection[str],
          entry_filter: EntryFilter = ALL_ENTRIES) -> CashFlow:
    seen = without(view(chart, journal, basis), closing)
    cash_basis = without(view(chart, journal, ReportingBasis.CASH), closing)
    direct = direct_flows(chart, [e for e in cash_basis if entry_filter.accepts(e)
                                  and period.contains(e.entry_at)], cash_accounts(chart))
    return cash_flow(chart, balances(chart, seen, period, entry_filter), direct, period)


def midnight_after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def close_books(chart: ChartOfAccounts, journal: Sequence[JournalEntry],
                through: Sequence[date], retained: str,
                ) -> tuple[list[JournalEntry], list[str], list[datetime]]:
    """The journal with a closing entry for each day of `through` (ascending), as the store
    would post them after the journal: (journal, closing entry ids, close ends)."""
    out = list(journal)
    ids: list[str] = []
    ends: list[datetime] = []
    commodities = {i.commodity.code: i.commodity for e in journal for i in e.line_items}
    for n, day in enumerate(sorted(set(through))):
        until = midnight_after(day)
        own = balances(chart, out, Period(None, until))
        entry = closing_entry(chart, own, retained, commodities, f"closing-{n}", until)
        ends.append(until)
        if entry is not None:
            out.append(entry)
            ids.append(entry.id)
    return out, ids, ends
