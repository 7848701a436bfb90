"""The register of an account and its descendants in SQL (`ledgercore.domain.register`).

The starting and ending balances are the subtree's own balances (`reports.balances`, so
period totals answer them), signed into the account's normality; the lines are one query
over the period's line items of the subtree (the cash view's lines under cash basis) with
a window ``SUM() OVER (PARTITION BY commodity ORDER BY statement order)`` of the signed
effect, added to the starting balance.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.engine import Connection

from ledgercore.domain.balances import EntryFilter, ReportingBasis
from ledgercore.domain.periods import Period
from ledgercore.domain.register import Register, RegisterLine, signs
from ledgercore.store import reports
from ledgercore.store.cash import basis as cash_basis
from ledgercore.store.catalog import Catalog
from ledgercore.store.filters import filter_conditions
from ledgercore.store.instants import from_micros, to_micros
from ledgercore.store.journal import entry_order_key
from ledgercore.store.schema import journal_entries, line_items


def register(connection: Connection, catalog: Catalog, account_id: str, period: Period,
             entry_filter: EntryFilter, basis: ReportingBasis = ReportingBasis.ACCRUAL,
             descendants: bool = True) -> Register:
    """The register of `account_id` (see the domain's). Raises UnknownAccount."""
    sign = signs(catalog.chart, account_id, descendants)
    own = reports.balances(connection, catalog, period, entry_filter, list(sign), basis=basis)
    starting: dict[str, int] = {}
    ending: dict[str, int] = {}
    for account, by_code in own.items():
        for code, balance in by_code.items():
            starting[code] = starting.get(code, 0) + sign[account] * balance.starting
            ending[code] = ending.get(code, 0) + sign[account] * balance.ending
    keys = {catalog.account_key[a]: s for a, s in sign.items() if a in catalog.account_key}
    lines_of: Any = (cash_basis.view_lines(None) if basis is ReportingBasis.CASH
                     else line_items)
    li, je = lines_of.c, journal_entries.c
    flipped = [k for k, s in keys.items() if s < 0]
    signed = case((li.account_id.in_(flipped), -li.effect), else_=li.effect) if flipped \
        else li.effect
    order = [li.entry_at, je.created_at, entry_order_key(connection), li.position]
    where = [li.account_id.in_(list(keys)), je.ledger_id == catalog.ledger_id,
             *filter_conditions(entry_filter, li.entry_id, li.entry_at)]
    if period.start is not None:
        where.append(li.entry_at >= to_micros(period.start))
    if period.end is not None:
        where.append(li.entry_at < to_micros(period.end))
    running = func.sum(signed).over(partition_by=li.commodity_id, order_by=order,
                                    rows=(None, 0))
    query = (select(je.external_id, li.entry_at, li.account_id, li.commodity_id, signed,
                    je.description, running)
             .join_from(lines_of, journal_entries, je.id == li.entry_id)
             .where(and_(*where)).order_by(*order))
    lines = []
    for entry_id, at, account, commodity, effect, description, total in connection.execute(
            query):
        if commodity not in catalog.commodity:
            catalog.load(connection)
        code = catalog.commodity[commodity].code
        lines.append(RegisterLine(entry_id, from_micros(at), catalog.account_id[account], code,
                                  int(effect), starting.get(code, 0) + int(total), description))
    return Register(account_id, tuple(sign), {c: starting.get(c, 0) for c in ending},
                    tuple(lines), ending)
