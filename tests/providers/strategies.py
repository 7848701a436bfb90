"""Hypothesis strategies for provider tests: charts, USD journals, JIT payloads, JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from ledgercore.domain import (
    USD,
    Account,
    AccountSubtype,
    AccountType,
    ChartOfAccounts,
    Counterparty,
    CounterpartyKind,
    Direction,
    JournalEntry,
    LineItem,
    format_minor,
)

identifiers = st.uuids().map(str)
names = st.text(min_size=1, max_size=20)
amounts = st.integers(min_value=1, max_value=10**12)
instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2026, 12, 31),
                        timezones=st.just(UTC))


@st.composite
def charts(draw: st.DrawFn, max_accounts: int = 8) -> ChartOfAccounts:
    """A nested chart with contra accounts, stable names and account numbers."""
    count = draw(st.integers(min_value=2, max_value=max_accounts))
    ids = draw(st.lists(identifiers, min_size=count, max_size=count, unique=True))
    stables = draw(st.lists(st.from_regex(r"[A-Z][A-Z_]{2,12}", fullmatch=True),
                            min_size=count, max_size=count, unique=True))
    accounts: list[Account] = []
    for index, account_id in enumerate(ids):
        parent = (draw(st.sampled_from(accounts)) if accounts and draw(st.booleans())
                  else None)
        kind = parent.type if parent is not None else draw(st.sampled_from(AccountType))
        accounts.append(Account(
            id=account_id, name=draw(names), type=kind,
            subtype=draw(st.none() | st.sampled_from(AccountSubtype)),
            normality=draw(st.none() | st.sampled_from(Direction)),
            parent_id=parent.id if parent is not None else None,
            stable_name=stables[index] if draw(st.booleans()) else None,
            account_number=draw(st.none() | st.from_regex(r"[0-9]{4}", fullmatch=True))))
    return ChartOfAccounts(accounts)


@st.composite
def journal_entry(draw: st.DrawFn, chart: ChartOfAccounts, entry_id: str) -> JournalEntry:
    """A balanced USD entry over `chart` with every optional field exercised."""
    ids = [a.id for a in chart]
    pairs = draw(st.integers(min_value=1, max_value=2))
    lines = []
    for _ in range(pairs):
        debit, credit = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2))
        amount = draw(amounts)
        lines += [LineItem(debit, USD, amount, Direction.DEBIT, draw(st.none() | identifiers)),
                  LineItem(credit, USD, amount, Direction.CREDIT,
                           draw(st.none() | identifiers))]
    party = draw(st.none() | st.builds(Counterparty, st.sampled_from(CounterpartyKind),
                                       identifiers))
    entry_at = draw(instants)
    return JournalEntry(
        id=entry_id, entry_at=entry_at,
        created_at=entry_at + timedelta(microseconds=draw(st.integers(0, 10**9))),
        line_items=tuple(draw(st.permutations(lines))),
        entry_type=draw(st.sampled_from(["MANUAL", "MATCH", "INVOICE", "REVERSAL"])),
        description=draw(st.none() | st.text(max_size=30)), counterparty=party,
        tags=draw(st.lists(st.tuples(st.sampled_from(["dept", "region"]),
                                     st.text(max_size=5)), max_size=3)),
        reversal_of_id=draw(st.none() | identifiers), reversal_id=draw(st.none() | identifiers))


@st.composite
def ledgers(draw: st.DrawFn, max_entries: int = 12
            ) -> tuple[ChartOfAccounts, tuple[JournalEntry, ...]]:
    """A chart and a journal of USD entries over it."""
    chart = draw(charts())
    count = draw(st.integers(min_value=0, max_value=max_entries))
    ids = draw(st.lists(identifiers, min_size=count, max_size=count, unique=True))
    return chart, tuple(draw(journal_entry(chart, i)) for i in ids)


def decimal_text(units: int) -> str:
    """USD minor units as Alpaca writes them (``"4186.36"``, ``"1"``)."""
    return format_minor(units, 2)


@st.composite
def jit_payloads(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A correct Alpaca JIT balances response: running balances add up exactly."""
    out = []
    ledger_ids = draw(st.lists(identifiers, min_size=1, max_size=3, unique=True))
    for ledger_id in ledger_ids:
        name = draw(st.sampled_from(["Just In Time Receivable - JITS",
                                     "Just In Time Payable - JITS"]))
        starting = draw(st.integers(-10**8, 10**8))
        day = draw(st.dates(min_value=date(2021, 1, 1), max_value=date(2025, 1, 1)))
        balance = starting
        transactions = []
        for _ in range(draw(st.integers(0, 6))):
            day += timedelta(days=draw(st.integers(0, 2)))
            amount = draw(st.integers(-10**7, 10**7).filter(lambda x: x != 0))
            balance += amount
            transactions.append({
                "account_id": ledger_id, "account_no": "JTRJITS00", "account_name": name,
                "system_date": day.isoformat(), "entry_type": "JNLC",
                "description": draw(st.text(max_size=10)),
                "contra_account_name": draw(st.sampled_from(
                    ["Just In Time Interest Income", "Just In Time Cash Clearing", "Fees"])),
                "amount": decimal_text(amount), "balance": decimal_text(balance)})
        out.append({"id": ledger_id, "ledger_no": "JTRJITS00", "ledger_name": name,
                    "transactions": transactions, "starting_balance": decimal_text(starting),
                    "ending_balance": decimal_text(balance),
                    "activity_amount": decimal_text(balance - starting)})
    return out


json_scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
                | st.floats(allow_nan=False) | st.text(max_size=12)
                | st.sampled_from(["DEBIT", "CREDIT", "2024-02-30T00:00:00Z",
                                   "2024-05-10T19:00:00Z", "1.005", "-3", "executed"]))
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "data", "accounts", "amount", "direction", "line_items",
                         "entry_at", "account", "balance", "sub_accounts", "entries",
                         "starting_balance", "ending_balance", "transactions", "status",
                         "from_account", "to_account", "entry_type", "net_amount", "qty",
                         "symbol", "system_date", "type", "x"]) | st.text(max_size=5),
        inner, max_size=6),
    max_leaves=25)
