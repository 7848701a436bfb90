"""Closing and reopening the books of a stored ledger (`ledgercore.domain.closing`).

A close runs in one write transaction: it takes the ledger's row lock (so no posting
interleaves, see `periods`), reads every profit-and-loss balance up to the end of the day
closed through, posts the closing entry into retained earnings, records the close and
moves the lock. A reopening lifts the lock back to the previous standing close, posts the
reversal of each closing entry it undoes, and records when and by which entry. Nothing is
erased: the journal holds both entries and `period_closes` both facts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import Account, AccountSubtype, AccountType
from ledgercore.domain.balances import EntryFilter
from ledgercore.domain.closing import PeriodClose, closing_entry
from ledgercore.domain.errors import InvalidAccount, InvalidPeriod, PeriodClosed
from ledgercore.domain.periods import EndSemantics, Period
from ledgercore.store import chart as chart_changes
from ledgercore.store import journal, periods, reports
from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import from_micros, to_micros
from ledgercore.store.posting import post
from ledgercore.store.schema import journal_entries, period_closes

DEFAULT_RETAINED_EARNINGS = Account("retained-earnings", "Retained Earnings",
                                    AccountType.EQUITY, AccountSubtype.RETAINED_EARNINGS)


def retained_earnings_account(connection: Connection, catalog: Catalog,
                              wanted: str | None) -> str:
    """The account a close posts into: `wanted`, else the ledger's one account of
    subtype RETAINED_EARNINGS, else a new ``retained-earnings`` equity account.

    Raises:
        UnknownAccount / InvalidAccount: `wanted` is unknown or not an equity account, or
            several retained-earnings accounts leave the choice open.
    """
    chart = catalog.chart
    if wanted is not None:
        if chart.get(wanted).type is not AccountType.EQUITY:
            raise InvalidAccount(f"retained earnings must go to an equity account; "
                                 f"{wanted} is {chart.get(wanted).type.value}",
                                 account_id=wanted)
        return wanted
    found = [a.id for a in chart if a.subtype is AccountSubtype.RETAINED_EARNINGS]
    if len(found) > 1:
        raise InvalidAccount(f"several retained-earnings accounts ({', '.join(found)}); "
                             f"name the one to close into", account_id=found[0])
    if found:
        return found[0]
    chart_changes.define(connection, catalog, [DEFAULT_RETAINED_EARNINGS], seen_at=None)
    return DEFAULT_RETAINED_EARNINGS.id


def close_period(connection: Connection, catalog: Catalog, through: date, tz: tzinfo,
                 retained_earnings: str | None = None,
                 not_before: datetime | None = None) -> PeriodClose:
    """Close the books through the day `through` (a day in `tz`).

    Args:
        connection: a write transaction.
        catalog: the ledger's catalog.
        through: the last day of the period to close.
        tz: the ledger's timezone.
        retained_earnings: the account to close into (see `retained_earnings_account`).
        not_before: the ledger's activation (entries before it are not counted).

    Raises:
        PeriodClosed: the books are already closed through `through` or later.
    """
    until_instant = Period.of(None, through, end_semantics=EndSemantics.INCLUSIVE, tz=tz).end
    assert until_instant is not None
    until = to_micros(until_instant)
    locked = periods.closed_until(connection, catalog.ledger_id, exclusive=True)
    if locked is not None and until <= locked:
        raise PeriodClosed(f"the books are already closed through {through.isoformat()} "
                           f"(closed before {from_micros(locked).isoformat()})",
                           closed_until=from_micros(locked).isoformat(), path="$.through")
    catalog.load(connection)
    account = retained_earnings_account(connection, catalog, retained_earnings)
    chart = catalog.chart
    profit_and_loss = [a.id for a in chart if a.type.is_profit_and_loss]
    own = reports.balances(connection, catalog, Period(None, until_instant),
                           EntryFilter(not_before=not_before), profit_and_loss)
    count = connection.execute(select(func.count()).select_from(period_closes).where(
        period_closes.c.ledger_id == catalog.ledger_id)).scalar_one()
    now = datetime.now(UTC)
    entry = closing_entry(chart, own, account,
                          {c.code: c for c in catalog.commodity.values()},
                          f"closing-{through.isoformat()}-{count + 1}", until_instant,
                          created_at=now)
    entry_key = None
    if entry is not None:
        post(connection, catalog, [entry])
        entry_key = _entry_key(connection, catalog, entry.id)
    connection.execute(insert(period_closes).values(
        ledger_id=catalog.ledger_id, through=through.isoformat(), closed_until=until,
        retained_earnings_id=catalog.account_key[account], closing_entry_id=entry_key,
        closed_at=to_micros(now)))
    periods.set_closed_until(connection, catalog.ledger_id, until)
    return PeriodClose(through, until_instant, account, None if entry is None else entry.id,
                       from_micros(to_micros(now)))


def reopen_period(connection: Connection, catalog: Catalog,
                  through: date) -> tuple[PeriodClose, ...]:
    """Reopen the standing close through `through` and every later one, newest first.

    Returns:
        The closes reopened, as now recorded.

    Raises:
        InvalidPeriod: no standing close is through that day.
    """
    periods.closed_until(connection, catalog.ledger_id, exclusive=True)
    standing = periods.standing_keys(connection, catalog.ledger_id)
    if not any(day == through.isoformat() for _, day, _, _ in standing):
        shown = ", ".join(day for _, day, _, _ in standing) or "none"
        raise InvalidPeriod(f"no standing close through {through.isoformat()} to reopen "
                            f"(standing closes through: {shown})", path="$.through")
    undone = [row for row in standing if row[1] >= through.isoformat()]
    kept = [until for _, day, until, _ in standing if day < through.isoformat()]
    periods.set_closed_until(connection, catalog.ledger_id, max(kept) if kept else None)
    now = to_micros(datetime.now(UTC))
    count = connection.execute(select(func.count()).select_from(period_closes).where(
        period_closes.c.ledger_id == catalog.ledger_id)).scalar_one()
    for row_id, day, _, entry_key in sorted(undone, key=lambda row: row[2], reverse=True):
        reversal_key = None
        if entry_key is not None:
            original = journal.get_entry(connection, catalog, _external_id(
                connection, entry_key))
            _, reversal = original.reverse(f"reopening-{day}-{count}-{row_id}",
                                           created_at=from_micros(now))
            post(connection, catalog, [reversal])
            reversal_key = _entry_key(connection, catalog, reversal.id)
        connection.execute(update(period_closes).where(period_closes.c.id == row_id)
                           .values(reopened_at=now, reopening_entry_id=reversal_key))
    reopened = {row[0] for row in undone}
    return tuple(c for c, row in zip(periods.closes(connection, catalog),
                                     _ids(connection, catalog.ledger_id), strict=True)
                 if row in reopened)


def _ids(connection: Connection, ledger_id: int) -> list[int]:
    return [row[0] for row in connection.execute(
        select(period_closes.c.id).where(period_closes.c.ledger_id == ledger_id)
        .order_by(period_closes.c.id))]


def _entry_key(connection: Connection, catalog: Catalog, entry_id: str) -> int:
    return int(connection.execute(select(journal_entries.c.id).where(
        journal_entries.c.ledger_id == catalog.ledger_id,
        journal_entries.c.external_id == entry_id)).scalar_one())


def _external_id(connection: Connection, key: int) -> str:
    return str(connection.execute(select(journal_entries.c.external_id).where(
        journal_entries.c.id == key)).scalar_one())
