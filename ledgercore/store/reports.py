"""Balances, statements and trial balances computed in SQL, with the domain's meaning.

For a period ``[start, end)``: `starting` sums every counted line strictly before
`start`, `ending` every counted line before `end`, both in the account's normal sign
(the signed `effect` stored on each line). A report filtered by tags or counterparty is
one ``GROUP BY`` over the covering index of line items; an unfiltered one (optionally
bounded by `not_before`) is answered from period totals (see `totals`). A statement's
running balance is a window ``SUM() OVER (PARTITION BY commodity ORDER BY entry_at,
created_at, entry id, line position)`` added to the starting balance. Under cash basis
the same machinery runs over the cash view's lines and totals (`cash_basis`). The
domain's `ledgercore.domain.balances` is the reference these functions are tested
against.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import Direction
from ledgercore.domain.balances import (
    Balance,
    Balances,
    EntryFilter,
    ReportingBasis,
    Statement,
    StatementLine,
    TrialBalance,
    TrialBalanceRow,
)
from ledgercore.domain.periods import Period
from ledgercore.store import totals
from ledgercore.store.cash import basis as cash_basis
from ledgercore.store.catalog import Catalog
from ledgercore.store.filters import filter_conditions, is_unfiltered, needs_entry_columns
from ledgercore.store.instants import from_micros, to_micros
from ledgercore.store.journal import entry_order_key
from ledgercore.store.schema import journal_entries, line_items
from ledgercore.store.totals import Sums


def balances(connection: Connection, catalog: Catalog, period: Period,
             entry_filter: EntryFilter, accounts: Sequence[str] | None = None,
             *, basis: ReportingBasis = ReportingBasis.ACCRUAL,
             use_totals: bool = True) -> Balances:
    """Each account's own balance per commodity (see `ledgercore.domain.balances`).

    Args:
        connection: an open connection.
        catalog: the ledger's catalog (account and commodity keys).
        period: the half-open period.
        entry_filter: which entries count.
        accounts: restrict to these account ids (unknown ids have no balance).
        basis: ACCRUAL, or CASH (the same figures of the cash view, `cash_basis`).
        use_totals: answer unfiltered reports from period totals (False forces the raw
            ``GROUP BY``; the tests compare both).
    """
    cash = basis is ReportingBasis.CASH
    keys = None if accounts is None else [
        catalog.account_key[a] for a in dict.fromkeys(accounts) if a in catalog.account_key]
    if keys is not None and not keys:
        return {}
    start = None if period.start is None else to_micros(period.start)
    end = None if period.end is None else to_micros(period.end)
    if (use_totals or cash) and is_unfiltered(entry_filter):
        sums = _from_totals(connection, catalog.ledger_id, start, end,
                            None if entry_filter.not_before is None
                            else to_micros(entry_filter.not_before), keys,
                            cash_basis.SOURCES if cash else totals.ACCRUAL)
    else:
        sums = (cash_basis.filtered_sums if cash else _from_lines)(
            connection, catalog.ledger_id, start, end, entry_filter, keys)
    if any(a not in catalog.account_id or c not in catalog.commodity for a, c in sums):
        catalog.load(connection)  # defined by another process since we cached
    out: Balances = {}
    for (account, commodity), (starting, ending) in sums.items():
        out.setdefault(catalog.account_id[account], {})[
            catalog.commodity[commodity].code] = Balance(starting, ending)
    return out


def _from_totals(connection: Connection, ledger_id: int, start: int | None, end: int | None,
                 not_before: int | None, keys: Sequence[int] | None,
                 sources: tuple[totals.Source, ...]) -> dict[tuple[int, int], tuple[int, int]]:
    def clamp(instant: int) -> int:
        # Lines in [not_before, t) = prefix(max(t, not_before)) - prefix(not_before).
        return instant if not_before is None else max(instant, not_before)

    wanted = [None if end is None else clamp(end)]
    if start is not None:
        wanted.append(clamp(start))
    if not_before is not None:
        wanted.append(not_before)
    found = totals.prefix_sums(connection, ledger_id, wanted, keys, sources)
    ending = found[0]
    starting: Sums = found[1] if start is not None else {}
    floor: Sums = found[-1] if not_before is not None else {}
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for key, (total, count) in ending.items():
        base_total, base_count = floor.get(key, (0, 0))
        if count - base_count == 0:
            continue  # no counted line before the end: absent, as in the domain
        start_total = starting.get(key, (0, 0))[0] - base_total if start is not None else 0
        out[key] = (start_total, total - base_total)
    return out


def _from_lines(connection: Connection, ledger_id: int, start: int | None, end: int | None,
                entry_filter: EntryFilter,
                keys: Sequence[int] | None) -> dict[tuple[int, int], tuple[int, int]]:
    li = line_items.c
    where = [li.ledger_id == ledger_id,
             *filter_conditions(entry_filter, li.entry_id, li.entry_at)]
    if end is not None:
        where.append(li.entry_at < end)
    if keys is not None:
        where.append(li.account_id.in_(keys))
    starting: Any = (func.sum(case((li.entry_at < start, li.effect), else_=0))
                     if start is not None else func.count())
    query = select(li.account_id, li.commodity_id, starting, func.sum(li.effect))
    if needs_entry_columns(entry_filter):
        query = query.join_from(line_items, journal_entries,
                                journal_entries.c.id == li.entry_id)
    query = query.where(and_(*where)).group_by(li.account_id, li.commodity_id)
    return {(account, commodity): (int(before) if start is not None else 0, int(total))
            for account, commodity, before, total in connection.execute(query)}


def statement(connection: Connection, catalog: Catalog, account_id: str, period: Period,
              entry_filter: EntryFilter,
              basis: ReportingBasis = ReportingBasis.ACCRUAL) -> Statement:
    """One account's lines in `period` with running balances (see the domain's)."""
    catalog.chart.get(account_id)  # UnknownAccount for an id outside the chart
    own = balances(connection, catalog, period, entry_filter, [account_id],
                   basis=basis).get(account_id, {})
    starting = {code: balance.starting for code, balance in own.items()}
    key = catalog.account_key[account_id]
    lines_of: Any = (cash_basis.view_lines(key) if basis is ReportingBasis.CASH
                     else line_items)
    li = lines_of.c
    je = journal_entries.c
    order = [li.entry_at, je.created_at, entry_order_key(connection), li.position]
    where = [li.account_id == key, *filter_conditions(entry_filter, li.entry_id, li.entry_at)]
    if period.start is not None:
        where.append(li.entry_at >= to_micros(period.start))
    if period.end is not None:
        where.append(li.entry_at < to_micros(period.end))
    running = func.sum(li.effect).over(partition_by=li.commodity_id, order_by=order,
                                       rows=(None, 0))
    query = (select(je.external_id, li.entry_at, li.commodity_id, li.effect, je.entry_type,
                    je.description, li.external_id.label("line_id"), running)
             .join_from(lines_of, journal_entries, je.id == li.entry_id)
             .where(and_(*where)).order_by(*order))
    lines = []
    for entry_id, at, commodity, effect, entry_type, description, line_id, total in (
            connection.execute(query)):
        if commodity not in catalog.commodity:
            catalog.load(connection)
        code = catalog.commodity[commodity].code
        lines.append(StatementLine(entry_id, from_micros(at), code, effect,
                                   starting.get(code, 0) + int(total), entry_type, description,
                                   line_id))
    return Statement(account_id, starting, tuple(lines),
                     {code: balance.ending for code, balance in own.items()})


def trial_balance(catalog: Catalog, own: Balances) -> TrialBalance:
    """Ending balances in debit / credit columns (see the domain's `trial_balance`)."""
    rows = []
    for account_id, by_code in sorted(own.items()):
        normal_debit = catalog.chart.get(account_id).normality is Direction.DEBIT
        for code, balance in sorted(by_code.items()):
            signed = balance.ending if normal_debit else -balance.ending
            if signed:
                rows.append(TrialBalanceRow(account_id, code, max(signed, 0), max(-signed, 0)))
    return TrialBalance(tuple(rows))
