"""Cash-flow totals: the direct method's figures kept by UTC year, month and day.

The direct cash-flow statement reports, per counter-account (every account that is not
cash or bank), the cash it brought in or took out: the sum of its lines in the cash-basis
entries that moved cash (`ledgercore.domain.statements.direct_flows`). In the store an
entry's cash-basis lines are its accrual lines (`line_items`) plus its cash-basis delta
(`cash_lines`: the accrual lines withdrawn and the cash-view lines added, for an entry
touching a clearing account), and an entry moved cash when one of its accrual lines is on
a cash account (cash and bank are never clearing accounts, so the two views agree on
that). Summing those lines per period costs time proportional to the period's lines; so,
exactly as `ledgercore.store.totals` does for balances, their sums are kept per
counter-account, commodity and UTC bucket in ``cash_flow_totals``:

    kept = sum of `effect` over line_items and cash_lines (each cash line counted by its
           sign) of entries with an accrual line on a cash account, lines on cash
           accounts left out

The invariant is stated over stored rows, not over events, so every writer keeps it by
mirroring what it writes: `post` adds the accrual lines of a new entry that moved cash
(`FlowIncrements.add_posted`), and the cash projection adds every cash line it inserts
and subtracts every one it deletes (re-settlement after a payment or a back-dated entry,
reversals) for such entries (`FlowIncrements.add_cash_lines`), in the same transaction.
Which accounts are cash depends on the chart (subtype and parent, both labels that may
change): a chart change that moves a posted account in or out of the cash accounts, or
that rebuilds the cash projection, rebuilds these totals in its transaction
(`after_chart_change`), so they are built for the chart reports read them with. `rebuild`
recomputes them from the lines, and the differential tests prove ``kept == GROUP BY ==
domain``.

`ledgercore.store.cash_flow_sums` reads them for a report. Totals obey the
period totals' limit (`ledgercore.domain.limits.MAX_TOTAL`, refused as `TotalLimit`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, literal, select, union_all
from sqlalchemy.engine import Connection

from ledgercore.domain.entries import JournalEntry
from ledgercore.domain.statements import cash_accounts
from ledgercore.store import totals
from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import day_start, to_micros
from ledgercore.store.schema import (
    cash_flow_totals,
    cash_lines,
    line_items,
)
from ledgercore.store.totals import DaySums, PendingTotals, add_line

CASH_FLOW_TOTALS = cash_flow_totals.name

# (counter-account key, commodity key) -> sum of effects in the account's normal sign.
FlowSums = dict[tuple[int, int], int]


def cash_keys(catalog: Catalog) -> list[int]:
    """Row keys of the catalog's cash accounts, in key order."""
    return sorted(catalog.account_key[a] for a in cash_accounts(catalog.chart)
                  if a in catalog.account_key)


class FlowIncrements:
    """The cash-flow total increments of one write, summed by day.

    A load (`PendingTotals`) gathers them with its other increments and writes them when
    it ends; otherwise `write` adds them once the write's lines are all known, so a post
    updates each bucket once (after the accrual and cash period totals: the order every
    writer takes the tables' row locks in).
    """

    def __init__(self, catalog: Catalog, pending: PendingTotals | None = None) -> None:
        self.catalog = catalog
        self.cash = cash_accounts(catalog.chart)
        self.pending = pending
        self.days: DaySums = {} if pending is None else pending.days_for(CASH_FLOW_TOTALS)

    def moves_cash(self, entry: JournalEntry) -> bool:
        """Whether an entry's accrual lines touch a cash account."""
        return not self.cash.isdisjoint(entry.account_ids)

    def add_posted(self, entries: Iterable[JournalEntry]) -> None:
        """Count the accrual lines of new entries that moved cash (cash lines left out)."""
        if not self.cash:
            return
        cash, posting_key, commodity_key = (
            self.cash, self.catalog.posting_key, self.catalog.commodity_key)
        days = self.days
        for entry in entries:
            if cash.isdisjoint(entry.account_ids):
                continue
            at = to_micros(entry.entry_at)
            day = day_start(at)
            for line in entry.line_items:
                if line.account_id in cash:
                    continue
                key, normal = posting_key[line.account_id]
                add_line(days, day, key, commodity_key[line.commodity.code],
                         line.amount if line.direction is normal else -line.amount)

    def add_cash_lines(self, inserted: Iterable[Sequence[Any]],
                       deleted: Iterable[tuple[int, int, int, int, int]],
                       moved: Iterable[int]) -> None:
        """Count cash lines written and take back cash lines deleted.

        Args:
            inserted: cash lines inserted (`ledgercore.store.cash.sql.LINE_COLUMNS`
                tuples; each counts as its sign).
            deleted: ``(entry key, account key, commodity key, entry_at, effect)`` of
                cash lines deleted (all cash-view lines, ``sign = +1``).
            moved: row keys of the entries among them that moved cash.
        """
        entries = set(moved)
        if not entries:
            return
        cash = {self.catalog.account_key[a] for a in self.cash}
        days = self.days
        for line in inserted:
            if line[0] in entries and line[4] not in cash:
                at = line[9]
                add_line(days, day_start(at), line[4], line[5], line[8], line[1])
        for entry, account, commodity, at, effect in deleted:
            if entry in entries and account not in cash:
                add_line(days, day_start(at), account, commodity, -effect, -1)

    def write(self, connection: Connection) -> None:
        """Add the increments gathered so far (a load's are written by `PendingTotals`)."""
        if self.pending is not None:
            self.pending.written_if_full(connection)
            return
        if self.days:
            totals.add_deltas(connection, self.catalog.ledger_id, totals.day_deltas(self.days),
                              CASH_FLOW_TOTALS)
            self.days.clear()


# -- rebuilding ---------------------------------------------------------------------

def expected_days(connection: Connection, catalog: Catalog) -> DaySums:
    """What the kept totals must hold by day, recomputed from the lines."""
    cash = cash_keys(catalog)
    days: DaySums = {}
    if not cash:
        return days
    ledger = catalog.ledger_id
    li, cl = line_items.c, cash_lines.c
    moved = select(li.entry_id).where(li.ledger_id == ledger,
                                      li.account_id.in_(cash)).distinct()
    # Summed per instant in SQL (few entries share one), floored to the day in Python:
    # SQL's `%` truncates towards zero, wrong for an instant before 1970.
    parts = union_all(
        select(li.entry_at.label("at"), li.account_id.label("account"),
               li.commodity_id.label("commodity"), li.effect.label("effect"),
               literal(1).label("lines")).where(
            li.ledger_id == ledger, li.account_id.not_in(cash), li.entry_id.in_(moved)),
        select(cl.entry_at, cl.account_id, cl.commodity_id, cl.effect, cl.sign).where(
            cl.ledger_id == ledger, cl.account_id.not_in(cash), cl.entry_id.in_(moved)),
    ).subquery()
    p = parts.c
    for at, account, commodity, total, count in connection.execute(
            select(p.at, p.account, p.commodity, func.sum(p.effect), func.sum(p.lines))
            .group_by(p.at, p.account, p.commodity)):
        add_line(days, day_start(at), account, commodity, int(total), int(count))
    return days


def rebuild(connection: Connection, catalog: Catalog) -> None:
    """Recompute a ledger's cash-flow totals from its lines (after the cash projection)."""
    connection.execute(delete(cash_flow_totals).where(
        cash_flow_totals.c.ledger_id == catalog.ledger_id))
    totals.write_deltas(connection, catalog.ledger_id,
                        totals.day_deltas(expected_days(connection, catalog)),
                        CASH_FLOW_TOTALS)


def stale_buckets(connection: Connection, catalog: Catalog) -> list[totals.Delta]:
    """Buckets whose kept total or line count differs from the lines' (none when whole).

    Returns:
        ``(granularity, bucket start, account key, commodity key, kept minus expected
        total, kept minus expected lines)`` per differing bucket, sorted.
    """
    expected = {d[:4]: d[4:] for d in totals.day_deltas(expected_days(connection, catalog))}
    t = cash_flow_totals.c
    kept = {(g, b, a, c): (int(total), int(count)) for g, b, a, c, total, count in
            connection.execute(select(t.granularity, t.bucket_start, t.account_id,
                                      t.commodity_id, t.total, t.lines)
                               .where(t.ledger_id == catalog.ledger_id))}
    out: list[totals.Delta] = []
    for key in sorted(expected.keys() | kept.keys()):
        total, count = kept.get(key, (0, 0))
        want_total, want_count = expected.get(key, (0, 0))
        if (total, count) != (want_total, want_count):
            out.append((*key, total - want_total, count - want_count))
    return out


def after_chart_change(connection: Connection, catalog: Catalog, cash_before: frozenset[str],
                       projection_rebuilt: bool) -> bool:
    """Rebuild the totals when a chart change altered what they sum.

    They change when the cash projection was rebuilt (its cash lines are summed here) or
    when an account with lines moved in or out of the cash accounts (which entries moved
    cash, and which lines are cash, both depend on it). An account without lines changes
    no sum, so defining accounts, the common case, costs one comparison of sets.

    Args:
        connection: the chart change's transaction.
        catalog: the catalog, loaded with the new chart.
        cash_before: the cash accounts of the chart before the change.
        projection_rebuilt: whether the change rebuilt the cash projection.

    Returns:
        Whether the totals were rebuilt.
    """
    moved = cash_before ^ cash_accounts(catalog.chart)
    keys = sorted(catalog.account_key[a] for a in moved if a in catalog.account_key)
    if projection_rebuilt or (keys and _has_lines(connection, keys)):
        rebuild(connection, catalog)
        return True
    return False


def _has_lines(connection: Connection, keys: list[int]) -> bool:
    for table in (line_items, cash_lines):
        if connection.execute(select(table.c.entry_id).where(
                table.c.account_id.in_(keys)).limit(1)).first() is not None:
            return True
    return False
