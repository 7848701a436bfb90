"""Importing Alpaca's JIT ledger balances: ledgers, contra accounts, running balances.

Each ledger object becomes an account with Alpaca's ledger id (and the stable name
``alpaca-jit:<id>`` that marks it as a JIT ledger for the exporter). Its type comes from its
name: a "Payable" ledger is a LIABILITY (CREDIT-normal), any other — the documented
"Just In Time Receivable" — an ASSET receivable (DEBIT-normal). Each transaction becomes
an entry between the ledger and its contra account, an account named by
``contra_account_name`` with the deterministic id ``alpaca:contra:<name>`` and a type
read from the name (Income/Revenue, Expense/Fee/Cost, Payable, else ASSET clearing).
Sign rule: a positive ``amount`` raises the ledger's balance, so the ledger's line takes
the ledger's normality (DEBIT for the receivable) and the contra the opposite; a
negative amount reverses both. The ledger's normal-sign balance then moves by exactly
``amount``, which is what the running ``balance`` reports. The payload gives no ids, so
an entry id is ``alpaca-jit:<ledger id>:<system_date>:<n>``, n counting that ledger's
transactions on that day in payload order: stable across re-imports and across
overlapping date ranges, since a range always holds whole days. A zero amount moves
nothing and posts nothing. Dates are days in the ledger's timezone (UTC by default).
A transaction's own ``account_id`` / ``account_no`` / ``account_name`` repeat the ledger
(as in Alpaca's example) and are informational: the ledger object they sit in decides.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from os import PathLike
from pathlib import Path
from typing import Any

from ledgercore.domain import (
    USD,
    Account,
    AccountSubtype,
    AccountType,
    ChartOfAccounts,
    InvalidAccount,
    InvalidPeriod,
    JournalEntry,
    LedgerError,
    LineItem,
)
from ledgercore.providers.alpaca_models import (
    JitBalancesAdapter,
    JitLedgerBalances,
    JitTransaction,
    validate_array,
)
from ledgercore.providers.batch import (
    ImportBatch,
    PayloadKind,
    ReportedLedger,
    ReportedTransaction,
)
from ledgercore.providers.documents import read_document
from ledgercore.providers.errors import refuse, unwrap_single

OPENING_ACCOUNT_ID = "alpaca:opening-balance"
JIT_STABLE_PREFIX = "alpaca-jit:"
OPENING_ENTRY_TYPE = "OPENING_BALANCE"
UNNAMED_CONTRA = "Unnamed contra account"
_CONTRA_TYPES = (
    (("income", "revenue"), AccountType.REVENUE, None),
    (("expense", "fee", "cost"), AccountType.EXPENSE, None),
    (("payable",), AccountType.LIABILITY, AccountSubtype.ACCOUNTS_PAYABLE),
    (("receivable",), AccountType.ASSET, AccountSubtype.ACCOUNTS_RECEIVABLE),
    (("cash", "bank"), AccountType.ASSET, AccountSubtype.CASH),
)


def parse_alpaca_jit_balances(document: Any, *, source: str | None = None
                              ) -> tuple[JitLedgerBalances, ...]:
    """Validate a parsed JIT balances response (an array, or one ledger object).

    Raises:
        WrongPayloadKind: not a JIT balances response.
        LedgerError: the first problem, with every problem in ``details["problems"]``.
    """
    if isinstance(document, tuple) and all(isinstance(x, JitLedgerBalances) for x in document):
        return document
    return validate_array(document, JitBalancesAdapter, PayloadKind.ALPACA_JIT_BALANCES,
                          "expected ledger objects with starting_balance and ending_balance",
                          source)


def ledger_account(ledger: JitLedgerBalances) -> Account:
    """The account of one JIT ledger (see the module docstring for the type rule)."""
    name = ledger.ledger_name or ledger.ledger_no or ledger.id
    marker = f"{JIT_STABLE_PREFIX}{ledger.id}"
    if "payable" in name.lower():
        return Account(ledger.id, name, AccountType.LIABILITY, AccountSubtype.ACCOUNTS_PAYABLE,
                       stable_name=marker, account_number=ledger.ledger_no)
    return Account(ledger.id, name, AccountType.ASSET, AccountSubtype.ACCOUNTS_RECEIVABLE,
                   stable_name=marker, account_number=ledger.ledger_no)


def contra_account(name: str | None) -> Account:
    """The contra account a transaction names, with its deterministic id."""
    label = name or UNNAMED_CONTRA
    lowered = label.lower()
    for words, kind, subtype in _CONTRA_TYPES:
        if any(word in lowered for word in words):
            return Account(f"alpaca:contra:{label}", label, kind, subtype)
    return Account(f"alpaca:contra:{label}", label, AccountType.ASSET)


def opening_account() -> Account:
    return Account(OPENING_ACCOUNT_ID, "Opening Balance Equity", AccountType.EQUITY,
                   AccountSubtype.OPENING_BALANCE_EQUITY)


def day_start(day: date, tz: tzinfo) -> datetime:
    """Midnight starting `day` in `tz`, as a UTC instant."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def import_alpaca_jit_balances(document: Any, *, source: str | None = None,
                               start_date: date | None = None, end_date: date | None = None,
                               tz: tzinfo = UTC) -> ImportBatch:
    """Turn a JIT balances response into accounts, entries and the reported figures.

    Args:
        document: the parsed JSON (array or single object), or the parsed models.
        source: file name for messages.
        start_date: the ``start_date`` the response was requested with; it dates the
            opening-balance entries (default: each ledger's first transaction day).
        end_date: the ``end_date`` it was requested with (inclusive). A transaction
            outside ``start_date``..``end_date`` is refused (`invalid_period`).
        tz: the ledger's timezone for ``system_date`` days.

    Returns:
        The batch: ledger and contra accounts, one entry per non-zero transaction, one
        candidate opening entry per ledger with a non-zero ``starting_balance`` and a
        known start day (dated the day before, so it counts in ``starting``), and the
        reported figures in ``ledgers``.

    Raises:
        LedgerError: every problem collected, the first raised.
    """
    ledgers = parse_alpaca_jit_balances(document, source=source)
    single = isinstance(document, dict)
    accounts: dict[str, Account] = {}
    entries: list[JournalEntry] = []
    openings: list[JournalEntry] = []
    reported: list[ReportedLedger] = []
    problems: list[LedgerError] = []
    for index, ledger in enumerate(ledgers):
        path = f"$[{index}]"
        account = ledger_account(ledger)
        if account.id in accounts:
            problems.append(InvalidAccount(f"ledger {account.id} appears twice in the file",
                                           path=f"{path}.id", account_id=account.id))
            continue
        accounts[account.id] = account
        lines: list[ReportedTransaction] = []
        per_day: dict[date, int] = defaultdict(int)
        for number, txn in enumerate(ledger.transactions):
            try:
                entry = _transaction_entry(account, txn, per_day, tz, accounts)
            except LedgerError as error:
                problems.append(error.at(f"{path}.transactions[{number}]"))
                continue
            lines.append(ReportedTransaction(
                entry.id if entry else None, txn.system_date, USD.parse(txn.amount),
                None if txn.balance is None else USD.parse(txn.balance), txn.entry_type,
                txn.description, txn.contra_account_name))
            if entry is not None:
                entries.append(entry)
        starting = USD.parse(ledger.starting_balance)
        first_day = start_date or (ledger.transactions[0].system_date
                                   if ledger.transactions else None)
        if starting != 0 and first_day is not None:
            accounts.setdefault(OPENING_ACCOUNT_ID, opening_account())
            openings.append(_opening_entry(account, starting, first_day, tz))
        reported.append(ReportedLedger(account.id, ledger.ledger_no, ledger.ledger_name,
                                       starting, USD.parse(ledger.ending_balance),
                                       ledger.activity_amount, tuple(lines)))
    if start_date is not None and end_date is not None and end_date < start_date:
        problems.append(InvalidPeriod(f"the window ends ({end_date}) before it starts "
                                      f"({start_date})", path="$", value=str(end_date)))
    for index, ledger in enumerate(ledgers):
        for number, txn in enumerate(ledger.transactions):
            day = txn.system_date
            if (start_date is not None and day < start_date) or \
                    (end_date is not None and day > end_date):
                problems.append(InvalidPeriod(
                    f"transaction on {day} is outside the window {start_date or '...'} to "
                    f"{end_date or '...'} (both inclusive) given for this file",
                    path=f"$[{index}].transactions[{number}].system_date", value=str(day)))
    if problems:
        raise refuse(unwrap_single(problems, single), source=source)
    return ImportBatch(PayloadKind.ALPACA_JIT_BALANCES, accounts=tuple(accounts.values()),
                       entries=tuple(entries), opening_entries=tuple(openings),
                       ledgers=tuple(reported), source=source)


def read_alpaca_jit_balances(path: str | PathLike[str], *, start_date: date | None = None,
                             end_date: date | None = None, tz: tzinfo = UTC) -> ImportBatch:
    """Read and import a JIT balances file; ``batch.ledgers`` holds what verify needs."""
    name = Path(path).name
    models = parse_alpaca_jit_balances(read_document(path, parse_float=Decimal), source=name)
    return import_alpaca_jit_balances(models, source=name, start_date=start_date,
                                      end_date=end_date, tz=tz)


def ledger_account_ids(chart: ChartOfAccounts) -> tuple[str, ...]:
    """The JIT ledger accounts of a chart (marked by their ``alpaca-jit:`` stable name)."""
    return tuple(a.id for a in chart
                 if a.stable_name is not None and a.stable_name.startswith(JIT_STABLE_PREFIX))


def jit_entry_id(ledger_id: str, day: date, number: int) -> str:
    """The deterministic id of a ledger's `number`-th transaction on `day`."""
    return f"alpaca-jit:{ledger_id}:{day.isoformat()}:{number:06d}"


def _transaction_entry(ledger: Account, txn: JitTransaction, per_day: dict[date, int],
                       tz: tzinfo, accounts: dict[str, Account]) -> JournalEntry | None:
    amount = USD.parse(txn.amount)
    number = per_day[txn.system_date]
    per_day[txn.system_date] = number + 1
    if amount == 0:
        return None
    contra = contra_account(txn.contra_account_name)
    known = accounts.setdefault(contra.id, contra)
    rises = ledger.normal if amount > 0 else ledger.normal.opposite
    when = day_start(txn.system_date, tz)
    return JournalEntry(
        id=jit_entry_id(ledger.id, txn.system_date, number), entry_at=when, created_at=when,
        line_items=(LineItem(ledger.id, USD, abs(amount), rises),
                    LineItem(known.id, USD, abs(amount), rises.opposite)),
        entry_type=txn.entry_type or "MANUAL", description=txn.description)


def _opening_entry(ledger: Account, starting: int, first_day: date, tz: tzinfo
                   ) -> JournalEntry:
    when = day_start(first_day - timedelta(days=1), tz)
    side = ledger.normal if starting > 0 else ledger.normal.opposite
    return JournalEntry(
        id=f"alpaca-jit:{ledger.id}:opening:{first_day.isoformat()}", entry_at=when,
        created_at=when,
        line_items=(LineItem(ledger.id, USD, abs(starting), side),
                    LineItem(OPENING_ACCOUNT_ID, USD, abs(starting), side.opposite)),
        entry_type=OPENING_ENTRY_TYPE, description=f"Opening balance of {ledger.name}")
