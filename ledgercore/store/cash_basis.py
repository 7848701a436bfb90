"""Cash-basis reports over the stored journal, through the domain's cash view.

The cash basis moves revenue and expense to the dates cash settles them; which open
items a payment settles depends on the whole history before it (see
`ledgercore.domain.cash`). This module reads the ledger's journal in statement order and
hands it to `cash_view`, then runs the domain's reports on the view, so the cash figures
are the reference computation itself. The cost is linear in the number of entries (a
projection maintained at posting time would make it incremental; not built yet).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ledgercore.domain.balances import (
    Balances,
    EntryFilter,
    Statement,
    balances,
    statement,
    statement_order,
)
from ledgercore.domain.cash import cash_view
from ledgercore.domain.entries import JournalEntry
from ledgercore.domain.periods import Period
from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import to_micros
from ledgercore.store.journal import Page, decode_cursor, encode_cursor
from ledgercore.store.reports import entry_order_key
from ledgercore.store.repository import load_entries
from ledgercore.store.schema import journal_entries


def view(connection: Connection, catalog: Catalog) -> tuple[JournalEntry, ...]:
    """The ledger's journal as the cash basis sees it."""
    je = journal_entries.c
    keys = connection.execute(
        select(je.id).where(je.ledger_id == catalog.ledger_id)
        .order_by(je.entry_at, je.created_at, entry_order_key(connection))).scalars().all()
    return cash_view(catalog.chart, load_entries(connection, catalog, list(keys)))


def cash_balances(connection: Connection, catalog: Catalog, period: Period,
                  entry_filter: EntryFilter, accounts: tuple[str, ...] | None) -> Balances:
    return balances(catalog.chart, view(connection, catalog), period, entry_filter, accounts)


def cash_statement(connection: Connection, catalog: Catalog, account_id: str, period: Period,
                   entry_filter: EntryFilter) -> Statement:
    return statement(catalog.chart, view(connection, catalog), account_id, period,
                     entry_filter)


def cash_entries(connection: Connection, catalog: Catalog, period: Period,
                 entry_filter: EntryFilter, account_id: str | None, after: str | None,
                 limit: int) -> Page:
    """A page of the cash view's entries, paged like `journal.list_entries`."""
    chosen = sorted((e for e in view(connection, catalog)
                     if entry_filter.accepts(e) and period.contains(e.entry_at)
                     and (account_id is None or account_id in e.account_ids)),
                    key=statement_order)
    keyed = [((to_micros(e.entry_at), to_micros(e.created_at or e.entry_at), e.id), e)
             for e in chosen]
    if after is not None:
        mark = decode_cursor(after)
        keyed = [(key, e) for key, e in keyed if key > mark]
    page = keyed[:limit]
    cursor = encode_cursor(*page[-1][0]) if len(keyed) > limit else None
    return Page(tuple(e for _, e in page), cursor)
