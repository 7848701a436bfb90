"""Writing ledgercore figures as Alpaca's JIT ledger balances response.

One object per ledger account: ``starting_balance`` (everything before the period),
``ending_balance`` (everything by its end), ``activity_amount`` (their difference: the
decimal reading of that ambiguous field) and ``transactions``, the account's statement
over the period — each with its signed ``amount`` in the account's normal sign, the
running ``balance`` after it, and the other account of its entry as the contra. Amounts
are decimal strings in Alpaca's shortest form (``"4186.36"``, ``"1"``). Dates are days
in the ledger's timezone (UTC by default), matching the importer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, tzinfo
from typing import Any

from ledgercore.domain import (
    ALL_ENTRIES,
    ChartOfAccounts,
    EntryFilter,
    JournalEntry,
    Period,
    Statement,
    format_minor,
    statement,
)
from ledgercore.domain.balances import ALL_TIME
from ledgercore.providers.alpaca_jit import OPENING_ENTRY_TYPE

USD_SCALE = 2


def jit_ledger_json(chart: ChartOfAccounts, account_statement: Statement,
                    contra_names: Sequence[str | None], *, commodity: str = "USD",
                    scale: int = USD_SCALE, tz: tzinfo = UTC) -> dict[str, Any]:
    """One ledger object from an account's statement.

    Args:
        chart: the chart holding the ledger account.
        account_statement: the account's `statement` over the period.
        contra_names: for each statement line, the contra account's name.
        commodity: whose figures to write.
        scale: that commodity's scale.
        tz: timezone for ``system_date``.
    """
    account = chart.get(account_statement.account_id)
    transactions = []
    for line, contra in zip(account_statement.lines, contra_names, strict=True):
        if line.commodity != commodity:
            continue
        transactions.append({
            "account_id": account.id, "account_no": account.account_number,
            "account_name": account.name,
            "system_date": line.entry_at.astimezone(tz).date().isoformat(),
            "entry_type": line.entry_type, "description": line.description,
            "contra_account_name": contra,
            "amount": format_minor(line.amount, scale),
            "balance": format_minor(line.balance, scale),
        })
    starting = account_statement.starting.get(commodity, 0)
    ending = account_statement.ending.get(commodity, 0)
    return {
        "id": account.id, "ledger_no": account.account_number, "ledger_name": account.name,
        "transactions": transactions,
        "starting_balance": format_minor(starting, scale),
        "ending_balance": format_minor(ending, scale),
        "activity_amount": format_minor(ending - starting, scale),
    }


def export_alpaca_jit_balances(chart: ChartOfAccounts, entries: Iterable[JournalEntry],
                               ledger_ids: Iterable[str], period: Period = ALL_TIME,
                               entry_filter: EntryFilter = ALL_ENTRIES, *,
                               commodity: str = "USD", scale: int = USD_SCALE,
                               tz: tzinfo = UTC) -> list[dict[str, Any]]:
    """The JIT balances response for `ledger_ids` over `period` (pure domain).

    Args:
        chart: the chart.
        entries: the journal.
        ledger_ids: the ledger accounts to report, in order.
        period: the half-open period (build it with ``EndSemantics.INCLUSIVE`` from
            Alpaca's inclusive ``end_date``).
        entry_filter: which entries count.
        commodity: whose figures to write (USD).
        scale: that commodity's scale.
        tz: timezone for ``system_date``.
    """
    entries = tuple(entries)
    by_id = {entry.id: entry for entry in entries}
    out = []
    for ledger_id in ledger_ids:
        account_statement = opening_as_starting(
            statement(chart, entries, ledger_id, period, entry_filter))
        contras = [_contra_name(chart, by_id[line.entry_id], ledger_id)
                   for line in account_statement.lines]
        out.append(jit_ledger_json(chart, account_statement, contras, commodity=commodity,
                                   scale=scale, tz=tz))
    return out


def _contra_name(chart: ChartOfAccounts, entry: JournalEntry, ledger_id: str) -> str | None:
    for item in entry.line_items:
        if item.account_id != ledger_id:
            return chart.get(item.account_id).name
    return None


def opening_as_starting(statement: Statement) -> Statement:
    """Fold the leading opening-balance lines of a JIT ledger into its starting balance.

    The JIT importer posts a ledger's reported starting balance as an entry of type
    OPENING_BALANCE just before its first transaction. Alpaca never lists it as a
    transaction: written back as one, it would be read in again as a transaction the
    ledger does not hold, and `verify` would flag it.
    """
    leading = 0
    while (leading < len(statement.lines)
           and statement.lines[leading].entry_type == OPENING_ENTRY_TYPE):
        leading += 1
    if not leading:
        return statement
    starting = dict(statement.starting)
    for line in statement.lines[:leading]:
        starting[line.commodity] = starting.get(line.commodity, 0) + line.amount
    return replace(statement, starting=starting, lines=statement.lines[leading:])
