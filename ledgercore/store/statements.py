"""Financial statements of a stored ledger: balances from SQL, arithmetic from the domain.

Every figure of a statement is an own balance the store already computes in SQL (period
totals for an unfiltered report, a ``GROUP BY`` otherwise, on either basis), with the
closing entries taken back out: they are few (one per close and one per reopening), so
they are read whole and their effect subtracted. `ledgercore.domain.statements` then
lays the balances out. The direct cash flow is the one figure balances cannot give: its
sums are kept by bucket beside the period totals (`cash_flow_totals`), read the same way
for an unfiltered report, and a filtered one sums the cash view's lines of the period's
entries that moved cash.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import Direction
from ledgercore.domain.balances import (
    Balance,
    Balances,
    EntryFilter,
    ReportingBasis,
    balances,
)
from ledgercore.domain.closing import last_close_before
from ledgercore.domain.entries import JournalEntry
from ledgercore.domain.periods import Period
from ledgercore.domain.statements import (
    BalanceSheet,
    CashFlow,
    Figures,
    IncomeStatement,
    balance_sheet,
    cash_flow,
    income_statement,
    net_income,
    subtract_balances,
)
from ledgercore.store import cash_flow_sums, cash_flow_totals, periods, reports, totals
from ledgercore.store.cash import basis as cash_basis
from ledgercore.store.catalog import Catalog
from ledgercore.store.driver import fetch_all
from ledgercore.store.filters import is_unfiltered
from ledgercore.store.instants import to_micros
from ledgercore.store.repository import load_entries
from ledgercore.store.schema import period_closes


def closing_entries(connection: Connection, catalog: Catalog) -> tuple[JournalEntry, ...]:
    """Every closing entry and every reversal of one (reopening), standing or not."""
    # Plain SQL: every statement asks, and most ledgers have no close to find.
    keys = [key for row in fetch_all(connection, _CLOSING, {"ledger": catalog.ledger_id})
            for key in row if key is not None]
    return tuple(load_entries(connection, catalog, keys)) if keys else ()


_CLOSING = (f"SELECT closing_entry_id, reopening_entry_id FROM {period_closes.name} "
            "WHERE ledger_id = :ledger")


def own_balances(connection: Connection, catalog: Catalog, period: Period,
                 entry_filter: EntryFilter, basis: ReportingBasis,
                 closing: Sequence[JournalEntry]) -> Balances:
    """Each account's own balance over `period` with the closing entries left out."""
    found = reports.balances(connection, catalog, period, entry_filter, basis=basis)
    if not closing:
        return found
    # A closing entry touches profit and loss and retained earnings only, never a clearing
    # account, so it is the same entry in the cash view.
    return subtract_balances(found, balances(catalog.chart, closing, period, entry_filter))


def income_statement_of(connection: Connection, catalog: Catalog, columns: Sequence[Period],
                        entry_filter: EntryFilter, basis: ReportingBasis) -> IncomeStatement:
    """The income statement with one column per period of `columns`."""
    closing = closing_entries(connection, catalog)
    if len(columns) > 1 and is_unfiltered(entry_filter):
        found = column_balances(connection, catalog, columns, entry_filter, basis)
        owns = [subtract_balances(own, balances(catalog.chart, closing, column, entry_filter))
                if closing else own for own, column in zip(found, columns, strict=True)]
    else:
        owns = [own_balances(connection, catalog, column, entry_filter, basis, closing)
                for column in columns]
    return income_statement(catalog.chart, owns, columns)


def column_balances(connection: Connection, catalog: Catalog, columns: Sequence[Period],
                    entry_filter: EntryFilter, basis: ReportingBasis) -> list[Balances]:
    """Each column's own balances (as `reports.balances`) from one prefix-sum query over
    every column bound; for an unfiltered report (only `not_before` set)."""
    floor = None if entry_filter.not_before is None else to_micros(entry_filter.not_before)

    def clamp(instant: datetime | None) -> int | None:
        if instant is None:
            return None
        micros = to_micros(instant)
        return micros if floor is None else max(micros, floor)

    wanted = [clamp(c.end) for c in columns] + [clamp(c.start) for c in columns
                                                 if c.start is not None]
    if floor is not None:
        wanted.append(floor)
    distinct = list(dict.fromkeys(wanted))
    sums = dict(zip(distinct, totals.prefix_sums(
        connection, catalog.ledger_id, distinct, None,
        cash_basis.SOURCES if basis is ReportingBasis.CASH else totals.ACCRUAL), strict=True))
    base: totals.Sums = {} if floor is None else sums[floor]
    out: list[Balances] = []
    for column in columns:
        ending = sums[clamp(column.end)]
        starting: totals.Sums = {} if column.start is None else sums[clamp(column.start)]
        found: dict[tuple[int, int], tuple[int, int]] = {}
        for key, (total, count) in ending.items():
            base_total, base_count = base.get(key, (0, 0))
            if count - base_count == 0:
                continue  # no counted line before the end: absent, as in the domain
            start_total = (starting.get(key, (0, 0))[0] - base_total
                           if column.start is not None else 0)
            found[key] = (start_total, total - base_total)
        if any(a not in catalog.account_id or c not in catalog.commodity for a, c in found):
            catalog.load(connection)
        own: Balances = {}
        for (account, commodity), (start_total, end_total) in found.items():
            own.setdefault(catalog.account_id[account], {})[
                catalog.commodity[commodity].code] = Balance(start_total, end_total)
        out.append(own)
    return out


def balance_sheet_of(connection: Connection, catalog: Catalog, at: datetime | None,
                     entry_filter: EntryFilter, basis: ReportingBasis) -> BalanceSheet:
    """The balance sheet at the instant `at` (None: after every entry)."""
    last = last_close_before(periods.closes(connection, catalog), at)
    closing = closing_entries(connection, catalog)
    own = own_balances(connection, catalog, Period(last, at), entry_filter, basis, closing)
    return balance_sheet(catalog.chart, own, net_income(catalog.chart, own, "starting"),
                         net_income(catalog.chart, own, "activity"), at)


def cash_flow_of(connection: Connection, catalog: Catalog, period: Period,
                 entry_filter: EntryFilter, basis: ReportingBasis,
                 direct: bool = True) -> CashFlow:
    """The cash-flow statement of `period`: indirect on `basis`, and (unless `direct` is
    False) direct from the cash basis."""
    closing = closing_entries(connection, catalog)
    own = own_balances(connection, catalog, period, entry_filter, basis, closing)
    flows = direct_flows(connection, catalog, period, entry_filter) if direct else None
    return cash_flow(catalog.chart, own, flows, period)


def direct_flows(connection: Connection, catalog: Catalog, period: Period,
                 entry_filter: EntryFilter) -> dict[str, Figures]:
    """Per counter-account, the cash it brought in or took out in the period's cash-basis
    entries that moved cash (see `ledgercore.domain.statements.direct_flows`).

    An unfiltered report (only `not_before` set, which narrows the period) reads the
    kept cash-flow totals; a filtered one sums the lines (`cash_flow_sums`).
    """
    start = None if period.start is None else to_micros(period.start)
    end = None if period.end is None else to_micros(period.end)
    if is_unfiltered(entry_filter):
        if entry_filter.not_before is not None:
            floor = to_micros(entry_filter.not_before)
            start = floor if start is None else max(start, floor)
        sums = cash_flow_sums.kept_sums(connection, catalog, start, end)
    else:
        sums = cash_flow_sums.grouped_sums(connection, catalog,
                                           cash_flow_totals.cash_keys(catalog), start, end,
                                           entry_filter)
    if any(a not in catalog.account_id or c not in catalog.commodity for a, c in sums):
        catalog.load(connection)
    out: dict[str, Figures] = {}
    account_id, commodity, posting_key = (
        catalog.account_id, catalog.commodity, catalog.posting_key)
    for (account_key, commodity_key), value in sums.items():
        if value:  # one sum per account and commodity: nothing to add up
            account = account_id[account_key]
            figure = out.get(account)
            if figure is None:
                figure = out[account] = {}
            # In no particular order of commodities: the statement puts each in order.
            figure[commodity[commodity_key].code] = (
                -value if posting_key[account][1] is Direction.DEBIT else value)
    return out
