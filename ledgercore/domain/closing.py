"""Closing a period: the closing entry, and the lock on what it closed.

Closing the books through a day ``D`` posts one *closing entry* that moves every
profit-and-loss account's balance (everything effective before the end of ``D``) into a
retained-earnings account, dated at the last instant of the period, and then *locks* the
period: any write dated before the end of ``D`` (a posting, an import, a reversal) is
refused with `period_closed` and nothing is written. Reopening reverses the closing entry
and lifts the lock; both are recorded, never erased. Closes stack: the books may be
closed through a later day while an earlier close stands; the lock reaches the latest.

Statements never count closing entries as profit and loss (a year's income statement
would otherwise show zero): `ledgercore.domain.statements` takes balances with them left
out, and shows the earnings of closed periods as retained earnings on the balance sheet,
on either basis.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from ledgercore.domain.accounts import ChartOfAccounts, Direction
from ledgercore.domain.balances import Balances
from ledgercore.domain.entries import JournalEntry, LineItem
from ledgercore.domain.errors import PeriodClosed
from ledgercore.domain.money import Commodity
from ledgercore.domain.periods import RESOLUTION

CLOSING_ENTRY_TYPE = "CLOSING"


@dataclass(frozen=True, slots=True)
class PeriodClose:
    """One close of the books, as recorded.

    Attributes:
        through: the last day of the closed period (in the ledger's timezone).
        closed_until: the first instant after the closed period; writes before it are
            refused while this close stands.
        retained_earnings_id: the account the closing entry posted into.
        closing_entry_id: the closing entry (None when there was nothing to close).
        closed_at: when the close was made.
        reopened_at / reopening_entry_id: when it was reopened, and the reversal of the
            closing entry that did it (None while it stands).
    """

    through: date
    closed_until: datetime
    retained_earnings_id: str
    closing_entry_id: str | None
    closed_at: datetime
    reopened_at: datetime | None = None
    reopening_entry_id: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether this close was reopened (no longer locks anything)."""
        return self.reopened_at is not None


def closing_entry(chart: ChartOfAccounts, profit_and_loss: Balances,
                  retained_earnings_id: str, commodities: Mapping[str, Commodity],
                  entry_id: str, closed_until: datetime,
                  created_at: datetime | None = None) -> JournalEntry | None:
    """The entry that empties every profit-and-loss account into retained earnings.

    Args:
        chart: the chart of accounts.
        profit_and_loss: balances whose `ending` is at `closed_until` (other accounts are
            ignored).
        retained_earnings_id: the equity account that receives the net income.
        commodities: code -> commodity, for the line items' scales.
        entry_id: the closing entry's id.
        closed_until: the first instant after the period; the entry is dated one instant
            before it, the last instant of the period.
        created_at: when it was recorded (default: its effective time).

    Returns:
        The closing entry, or None when every profit-and-loss balance is zero.
    """
    lines: list[LineItem] = []
    residual: dict[str, int] = {}
    for account_id, by_code in sorted(profit_and_loss.items()):
        account = chart.get(account_id)
        if not account.type.is_profit_and_loss:
            continue
        for code, balance in sorted(by_code.items()):
            if balance.ending == 0:
                continue
            # Against the account's normality to empty a positive balance, with it to
            # empty a negative one.
            direction = account.normal.opposite if balance.ending > 0 else account.normal
            item = LineItem(account_id, commodities[code], abs(balance.ending), direction)
            lines.append(item)
            residual[code] = residual.get(code, 0) + item.debit_signed()
    if not lines:
        return None
    for code, value in sorted(residual.items()):
        if value:
            lines.append(LineItem(retained_earnings_id, commodities[code], abs(value),
                                  Direction.CREDIT if value > 0 else Direction.DEBIT))
    at = closed_until - RESOLUTION
    return JournalEntry(entry_id, at, tuple(lines), created_at=created_at or at,
                        entry_type=CLOSING_ENTRY_TYPE,
                        description=f"Closing entry: profit and loss into "
                                    f"{retained_earnings_id}")


def locked_until(closes: Iterable[PeriodClose]) -> datetime | None:
    """The first instant writes may be dated at: the end of the latest standing close."""
    ends = [c.closed_until for c in closes if not c.is_open]
    return max(ends) if ends else None


def last_close_before(closes: Iterable[PeriodClose], at: datetime | None) -> datetime | None:
    """The end of the latest standing close that ends at or before `at` (None: any)."""
    ends = [c.closed_until for c in closes
            if not c.is_open and (at is None or c.closed_until <= at)]
    return max(ends) if ends else None


def refuse_closed(until: datetime | None,
                  batch: Iterable[tuple[int, JournalEntry]]) -> None:
    """Refuse a batch with an entry dated before `until` (see `locked_until`).

    Args:
        until: the first open instant (None: nothing is closed).
        batch: the entries to write, each with its index in the caller's batch.

    Raises:
        PeriodClosed: with the batch path of the first such entry and every one of them
            in the `problems` detail.
    """
    if until is None:
        return
    problems = [PeriodClosed(
        f"entry {entry.id} is dated {entry.entry_at.isoformat()}, inside a closed period "
        f"(the books are closed before {until.isoformat()}); reopen the period "
        f"(`ledgercore period reopen`) or date the entry later",
        entry_id=entry.id, closed_until=until.isoformat(), path=f"$[{index}].entry_at")
        for index, entry in batch if entry.entry_at < until]
    if problems:
        first = problems[0]
        first.details = {**first.details, "problems": [p.to_dict() for p in problems]}
        raise first
