"""Hypothesis strategies for provider tests: charts, USD journals, JIT payloads, JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import settings
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

# Tests drawing whole ledgers run a third of the profile's examples: each one costs a
# chart and a journal (the "thorough" profile still runs hundreds).
heavy = settings(max_examples=max(10, settings().max_examples // 3))

identifiers = st.uuids(version=4).map(str)
# Text a store keeps: no NUL, no lone surrogate (both refused: domain/limits.py).
stored_text = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
names = st.text(stored_text, min_size=1, max_size=20)
amounts = st.integers(min_value=1, max_value=10**12)
_BASE = datetime(2020, 1, 1, tzinfo=UTC)
# integers of microseconds: much cheaper for Hypothesis to draw than st.datetimes
instants = st.integers(0, 7 * 365 * 86400 * 10**6).map(
    lambda us: _BASE + timedelta(microseconds=us))


_SUBTYPES = st.none() | st.sampled_from(AccountSubtype)
_NORMALITIES = st.none() | st.sampled_from(Direction)
_STABLE = st.text(alphabet="ABCDEFGH_", min_size=3, max_size=8)
_NUMBERS = st.none() | st.integers(1000, 9999).map(str)
_TYPES = st.sampled_from(AccountType)
_MAYBE_ID = st.none() | identifiers
_PARTIES = st.none() | st.builds(Counterparty, st.sampled_from(CounterpartyKind), identifiers)
_ENTRY_TYPES = st.sampled_from(["MANUAL", "MATCH", "INVOICE", "REVERSAL"])
_DESCRIPTIONS = st.none() | st.text(stored_text, max_size=8)
_TAGS = st.lists(st.tuples(st.sampled_from(["dept", "region"]),
                           st.sampled_from(["a", "b", "é", ""])), max_size=2)
_LAG = st.integers(0, 10**9)


@st.composite
def charts(draw: st.DrawFn, max_accounts: int = 6) -> ChartOfAccounts:
    """A nested chart with contra accounts, stable names and account numbers."""
    count = draw(st.integers(min_value=2, max_value=max_accounts))
    accounts: list[Account] = []
    stables: set[str] = set()
    for index in range(count):
        parent_index = draw(st.integers(-1, index - 1))
        parent = accounts[parent_index] if parent_index >= 0 else None
        stable = draw(st.none() | _STABLE)
        if stable in stables:
            stable = None
        stables.add(stable or "")
        accounts.append(Account(
            id=f"acct-{index}-{draw(st.integers(0, 99))}", name=draw(names),
            type=parent.type if parent is not None else draw(_TYPES),
            subtype=draw(_SUBTYPES), normality=draw(_NORMALITIES),
            parent_id=parent.id if parent is not None else None, stable_name=stable,
            account_number=draw(_NUMBERS)))
    return ChartOfAccounts(accounts)


@st.composite
def journal_entry(draw: st.DrawFn, chart: ChartOfAccounts, entry_id: str) -> JournalEntry:
    """A balanced USD entry over `chart` with every optional field exercised."""
    accounts = st.sampled_from([a.id for a in chart])
    lines = []
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        amount = draw(amounts)
        lines += [LineItem(draw(accounts), USD, amount, Direction.DEBIT, draw(_MAYBE_ID)),
                  LineItem(draw(accounts), USD, amount, Direction.CREDIT, draw(_MAYBE_ID))]
    if draw(st.booleans()):
        lines.reverse()
    entry_at = draw(instants)
    return JournalEntry(
        id=entry_id, entry_at=entry_at,
        created_at=entry_at + timedelta(microseconds=draw(_LAG)), line_items=tuple(lines),
        entry_type=draw(_ENTRY_TYPES), description=draw(_DESCRIPTIONS),
        counterparty=draw(_PARTIES), tags=draw(_TAGS), reversal_of_id=draw(_MAYBE_ID),
        reversal_id=draw(_MAYBE_ID))


@st.composite
def ledgers(draw: st.DrawFn, max_entries: int = 6
            ) -> tuple[ChartOfAccounts, tuple[JournalEntry, ...]]:
    """A chart and a journal of USD entries over it."""
    chart = draw(charts())
    count = draw(st.integers(min_value=0, max_value=max_entries))
    return chart, tuple(draw(journal_entry(chart, f"entry-{n}-{draw(identifiers)}"))
                        for n in range(count))


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
                "description": draw(st.text(stored_text, max_size=10)),
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
