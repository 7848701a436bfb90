"""An `EntryFilter` as SQL conditions, with exactly `EntryFilter.accepts`'s meaning.

Tag conditions are correlated ``EXISTS`` over `entry_tags` (the entry carries at least
one wanted value per key; it carries none of the excluded pairs); counterparty
conditions compare the entry's kind and id; `not_before` bounds the effective instant.
An empty set of wanted values matches nothing, as in the domain.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.sql.elements import ColumnClause

from ledgercore.domain.balances import EntryFilter
from ledgercore.domain.entries import CounterpartyKind
from ledgercore.store.instants import to_micros
from ledgercore.store.schema import entry_tags, journal_entries


def needs_entry_columns(entry_filter: EntryFilter) -> bool:
    """Whether the conditions read `journal_entries` columns (a join is needed)."""
    return entry_filter.customer_id is not None or entry_filter.vendor_id is not None


def is_unfiltered(entry_filter: EntryFilter) -> bool:
    """Whether only `not_before` is set: period totals can answer such a report."""
    return not (entry_filter.tags or entry_filter.without_tags
                or needs_entry_columns(entry_filter))


def filter_conditions(entry_filter: EntryFilter, entry_key: ColumnClause[Any] | Any,
                      entry_at: ColumnClause[Any] | Any) -> list[ColumnElement[bool]]:
    """SQL conditions equivalent to `entry_filter.accepts`.

    Args:
        entry_filter: the filter.
        entry_key: the column holding the entry's row key (to correlate tags).
        entry_at: the column holding the entry's effective instant.
    """
    where: list[ColumnElement[bool]] = []
    if entry_filter.not_before is not None:
        where.append(entry_at >= to_micros(entry_filter.not_before))
    tag = entry_tags.c
    for key, values in sorted(entry_filter.tags.items()):
        where.append(exists(select(tag.entry_id).where(and_(
            tag.entry_id == entry_key, tag.key == key, tag.value.in_(sorted(values))))))
    for key, values in sorted(entry_filter.without_tags.items()):
        where.append(~exists(select(tag.entry_id).where(and_(
            tag.entry_id == entry_key, tag.key == key, tag.value.in_(sorted(values))))))
    entry = journal_entries.c
    if entry_filter.customer_id is not None:
        where.append(and_(entry.counterparty_kind == CounterpartyKind.CUSTOMER.value,
                          entry.counterparty_id == entry_filter.customer_id))
    if entry_filter.vendor_id is not None:
        where.append(and_(entry.counterparty_kind == CounterpartyKind.VENDOR.value,
                          entry.counterparty_id == entry_filter.vendor_id))
    return where
