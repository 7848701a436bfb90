"""The register: a running-balance statement of an account and everything below it.

Each line item posted to the account or one of its descendants, in statement order
(effective time, recorded time, entry id, then the line's place in its entry), with its
effect in the *account's* normal sign (a contra descendant's lines enter negated, as in a
roll-up) and the running balance per commodity after it. The starting balance is the
rolled-up balance strictly before the period; the ending balance the rolled-up balance at
its end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ledgercore.domain.accounts import ChartOfAccounts
from ledgercore.domain.balances import ALL_ENTRIES, ALL_TIME, EntryFilter, statement_order
from ledgercore.domain.entries import JournalEntry
from ledgercore.domain.periods import Period


@dataclass(frozen=True, slots=True)
class RegisterLine:
    """One line item with the running balance of the register's account after it."""

    entry_id: str
    entry_at: datetime
    account_id: str
    commodity: str
    amount: int  # signed effect, in the register account's normal sign
    balance: int
    description: str | None


@dataclass(frozen=True, slots=True)
class Register:
    account_id: str
    accounts: tuple[str, ...]  # the account and its descendants (or the account alone)
    starting: Mapping[str, int]
    lines: tuple[RegisterLine, ...]
    ending: Mapping[str, int]


def signs(chart: ChartOfAccounts, account_id: str, descendants: bool) -> dict[str, int]:
    """The accounts a register covers, each with +1, or -1 for a contra normality."""
    root = chart.get(account_id)
    covered = chart.subtree(account_id) if descendants else (account_id,)
    return {a: 1 if chart.get(a).normality is root.normality else -1 for a in covered}


def register(chart: ChartOfAccounts, entries: Iterable[JournalEntry], account_id: str,
             period: Period = ALL_TIME, entry_filter: EntryFilter = ALL_ENTRIES,
             descendants: bool = True) -> Register:
    """The register of `account_id` (and its descendants unless told otherwise)."""
    sign = signs(chart, account_id, descendants)
    chosen = sorted((e for e in entries if entry_filter.accepts(e) and period.by_end(e.entry_at)
                     and not e.account_ids.isdisjoint(sign)), key=statement_order)
    running: dict[str, int] = {}
    starting: dict[str, int] = {}
    lines: list[RegisterLine] = []
    for entry in chosen:
        before = period.before_start(entry.entry_at)
        for item in entry.line_items:
            if item.account_id not in sign:
                continue
            code = item.commodity.code
            effect = sign[item.account_id] * chart.get(item.account_id).effect(
                item.direction, item.amount)
            running[code] = running.get(code, 0) + effect
            if before:
                starting[code] = running[code]
            else:
                lines.append(RegisterLine(entry.id, entry.entry_at, item.account_id, code,
                                          effect, running[code], entry.description))
    return Register(account_id, tuple(sign), {c: starting.get(c, 0) for c in running},
                    tuple(lines), dict(running))
