"""Financial statements of a stored ledger: balances from SQL, arithmetic from the domain.

Every figure of a statement is an own balance the store already computes in SQL (period
totals for an unfiltered report, a ``GROUP BY`` otherwise, on either basis), with the
closing entries taken back out: they are few (one per close and one per reopening), so
they are read whole and their effect subtracted. `ledgercore.domain.statements` then
lays the balances out. The direct cash flow is the one figure balances cannot give: one
``GROUP BY`` over the cash view's lines of the period's entries that moved cash.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal, select, union_all
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
    add,
    balance_sheet,
    cash_accounts,
    cash_flow,
    income_statement,
    net_income,
    subtract_balances,
)
from ledgercore.store import periods, reports, totals
from ledgercore.store.cash import basis as cash_basis
from ledgercore.store.catalog import Catalog
from ledgercore.store.filters import filter_conditions, is_unfiltered, needs_entry_columns
from ledgercore.store.instants import to_micros
from ledgercore.store.repository import load_entries
from ledgercore.store.schema import cash_lines, journal_entries, line_items, period_closes


def closing_entries(connection: Connection, catalog: Catalog) -> tuple[JournalEntry, ...]:
    """Every closing entry and every reversal of one (reopening), standing or not."""
    pc = period_closes.c
    keys = [key for row in connection.execute(
        select(pc.closing_entry_id, pc.reopening_entry_id)
        .where(pc.ledger_id == catalog.ledger_id)) for key in row if key is not None]
    return tuple(load_entries(connection, catalog, keys)) if keys else ()


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
    False: it reads the period's lines, where the rest reads period totals) direct from
    the cash basis."""
    closing = closing_entries(connection, catalog)
    own = own_balances(connection, catalog, period, entry_filter, basis, closing)
    flows = direct_flows(connection, catalog, period, entry_filter) if direct else None
    return cash_flow(catalog.chart, own, flows, period)


def direct_flows(connection: Connection, catalog: Catalog, period: Period,
                 entry_filter: EntryFilter) -> dict[str, Figures]:
    """Per counter-account, the cash it brought in or took out in the period's cash-basis
    entries that moved cash (see `ledgercore.domain.statements.direct_flows`).

    An entry's cash lines are the same in both bases (cash and bank are never clearing
    accounts), so which entries moved cash is read from the accrual lines; their other
    lines are the accrual lines plus the entry's cash-basis delta (`cash_lines`).
    """
    chart = catalog.chart
    cash = [catalog.account_key[a] for a in sorted(cash_accounts(chart))
            if a in catalog.account_key]
    if not cash:
        return {}
    li, cl = line_items.c, cash_lines.c

    def in_period(column: Any) -> list[Any]:
        where = []
        if period.start is not None:
            where.append(column >= to_micros(period.start))
        if period.end is not None:
            where.append(column < to_micros(period.end))
        return where

    moved_where = [li.ledger_id == catalog.ledger_id, li.account_id.in_(cash),
                   *in_period(li.entry_at), *filter_conditions(entry_filter, li.entry_id,
                                                               li.entry_at)]
    moved: Any = select(li.entry_id).where(and_(*moved_where))
    if needs_entry_columns(entry_filter):
        moved = moved.join_from(line_items, journal_entries,
                                journal_entries.c.id == li.entry_id)
    moved = moved.distinct()
    parts = union_all(
        select(li.account_id.label("account"), li.commodity_id.label("commodity"),
               li.effect.label("effect"), literal(0).label("kind")).where(and_(
            li.ledger_id == catalog.ledger_id, *in_period(li.entry_at),
            li.account_id.not_in(cash), li.entry_id.in_(moved))),
        select(cl.account_id, cl.commodity_id, cl.effect, literal(1)).where(and_(
            cl.ledger_id == catalog.ledger_id, *in_period(cl.entry_at),
            cl.account_id.not_in(cash), cl.entry_id.in_(moved)))).subquery()
    rows = connection.execute(select(parts.c.account, parts.c.commodity,
                                     func.sum(parts.c.effect))
                              .group_by(parts.c.account, parts.c.commodity)).all()
    if any(a not in catalog.account_id or c not in catalog.commodity for a, c, _ in rows):
        catalog.load(connection)
    out: dict[str, Figures] = {}
    for account_key, commodity_key, total in rows:
        account = chart.get(catalog.account_id[account_key])
        value = int(total)
        flow = -value if account.normal is Direction.DEBIT else value
        if flow:
            code = catalog.commodity[commodity_key].code
            out[account.id] = add(out.get(account.id, {}), {code: flow})
    return out
