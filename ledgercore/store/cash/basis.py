"""Cash-basis reports in SQL, read from the projection kept at posting time.

The cash view (`ledgercore.domain.cash.cash_view`) is the accrual journal with the entries
that touch a clearing account replaced by their cash-view entries. The store keeps that
replacement as *cash lines* (`cash_projection`): each projected entry's accrual lines
withdrawn (``sign = -1``, effect negated) and its cash-view lines added (``sign = +1``).
So every cash-basis figure is an accrual figure plus the same figure over the cash lines:
a balance adds the cash lines' period totals and edge-day lines to the accrual ones (one
query, the same bucket scheme); a filtered balance adds a filtered ``GROUP BY`` over the
cash lines (a cash line belongs to its entry, so tags, counterparty and ``not_before``
select exactly what `EntryFilter.accepts` selects on the view); a statement and a page of
entries read accrual lines of unprojected entries and view lines of projected ones. This
module supplies those pieces; `reports` runs the balance and statement queries for both
bases. The
pure `cash_view` stays the reference: `view` computes it from the stored journal, and
the tests prove both equal.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import Direction
from ledgercore.domain.balances import (
    EntryFilter,
)
from ledgercore.domain.cash import cash_view
from ledgercore.domain.entries import JournalEntry, LineItem
from ledgercore.domain.periods import Period
from ledgercore.store import totals
from ledgercore.store.cash.projection import VIEW, WITHDRAWN
from ledgercore.store.catalog import Catalog
from ledgercore.store.filters import filter_conditions
from ledgercore.store.journal import Page, entry_order_key, page_keys
from ledgercore.store.repository import load_entries
from ledgercore.store.schema import (
    cash_lines,
    cash_period_totals,
    journal_entries,
    line_items,
)


def view(connection: Connection, catalog: Catalog) -> tuple[JournalEntry, ...]:
    """The pure reference: the ledger's whole journal through `cash_view` (linear)."""
    je = journal_entries.c
    keys = connection.execute(
        select(je.id).where(je.ledger_id == catalog.ledger_id)
        .order_by(je.entry_at, je.created_at, entry_order_key(connection))).scalars().all()
    return cash_view(catalog.chart, load_entries(connection, catalog, list(keys)))


# Cash-basis prefix sums: the accrual buckets and lines plus the cash lines' (one query).
SOURCES = (*totals.ACCRUAL, (cash_period_totals.name, cash_lines.name, "sign"))


def filtered_sums(connection: Connection, ledger_id: int, start: int | None, end: int | None,
                entry_filter: EntryFilter,
                keys: Sequence[int] | None) -> dict[tuple[int, int], tuple[int, int]]:
    """A filtered balance: accrual lines plus cash lines, each accepted by the filter.

    The filter is on the entry, so both sums start from the entries it accepts (a range
    of the ledger-order index, each entry checked once) and reach their lines by key,
    rather than checking the entry of every line in the range.
    """
    je = journal_entries.c
    accepted = [je.ledger_id == ledger_id, *filter_conditions(entry_filter, je.id, je.entry_at)]
    if end is not None:
        accepted.append(je.entry_at < end)
    out: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for table, count in ((line_items, literal(1)), (cash_lines, cash_lines.c.sign)):
        c = table.c
        where = list(accepted)
        if keys is not None:
            where.append(c.account_id.in_(keys))
        before: Any = (func.sum(case((je.entry_at < start, c.effect), else_=0))
                       if start is not None else literal(0))
        query = (select(c.account_id, c.commodity_id, before, func.sum(c.effect),
                        func.sum(count))
                 .join_from(journal_entries, table, c.entry_id == je.id).where(and_(*where))
                 .group_by(c.account_id, c.commodity_id))
        for account, commodity, starting, total, lines in connection.execute(query):
            slot = out[(account, commodity)]
            slot[0] += int(starting)
            slot[1] += int(total)
            slot[2] += int(lines)
    return {key: (starting, total) for key, (starting, total, lines) in out.items() if lines}


def _projected(entry_key: Any) -> Any:
    """Whether the entry has cash lines (it touches a clearing account)."""
    cl = cash_lines.c
    return exists(select(cl.entry_id).where(cl.entry_id == entry_key, cl.sign == WITHDRAWN))


def view_lines(account_key: int | None) -> Any:
    """The lines of the cash view: accrual lines of unprojected entries, and view lines."""
    li, cl = line_items.c, cash_lines.c
    accrual = select(li.entry_id, li.entry_at, li.account_id, li.commodity_id, li.effect,
                     li.position, li.external_id).where(~_projected(li.entry_id))
    seen = select(cl.entry_id, cl.entry_at, cl.account_id, cl.commodity_id, cl.effect,
                  cl.position, cl.external_id).where(cl.sign == VIEW)
    if account_key is not None:
        accrual = accrual.where(li.account_id == account_key)
        seen = seen.where(cl.account_id == account_key)
    return union_all(accrual, seen).subquery()


def cash_entries(connection: Connection, catalog: Catalog, period: Period,
                 entry_filter: EntryFilter, account_id: str | None, after: str | None,
                 limit: int) -> Page:
    """A page of the cash view's entries, paged like `journal.list_entries`.

    An entry with nothing on its date in the view (an unpaid invoice) is absent; a
    projected entry carries its cash-view lines.
    """
    je, li, cl = journal_entries.c, line_items.c, cash_lines.c
    has_view = exists(select(cl.entry_id).where(cl.entry_id == je.id, cl.sign == VIEW))
    where = [or_(~_projected(je.id), has_view)]
    if account_id is not None:
        key = catalog.account_key.get(account_id)
        if key is None:
            return Page((), None)
        where.append(or_(
            and_(~_projected(je.id), exists(select(li.entry_id).where(
                li.entry_id == je.id, li.account_id == key))),
            exists(select(cl.entry_id).where(cl.entry_id == je.id, cl.sign == VIEW,
                                             cl.account_id == key))))
    keys, cursor = page_keys(connection, catalog, period, entry_filter, after, limit, where)
    entries = load_entries(connection, catalog, keys)
    replaced: dict[int, list[LineItem]] = defaultdict(list)
    projected: set[int] = set()
    if keys:
        for row in connection.execute(
                select(cl.entry_id, cl.sign, cl.account_id, cl.commodity_id, cl.amount,
                       cl.direction, cl.external_id)
                .where(cl.entry_id.in_(keys)).order_by(cl.entry_id, cl.sign, cl.position)):
            projected.add(row.entry_id)
            if row.sign == VIEW:
                replaced[row.entry_id].append(LineItem(
                    catalog.account_id[row.account_id], catalog.commodity[row.commodity_id],
                    row.amount, Direction(row.direction), row.external_id))
    shown = tuple(dataclasses.replace(entry, line_items=tuple(replaced[key]))
                  if key in projected else entry for key, entry in zip(keys, entries,
                                                                       strict=True))
    return Page(shown, cursor)
