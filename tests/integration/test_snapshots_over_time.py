"""Provider snapshots in any order, any number of times: the same books (issue 15's proof).

Hypothesis draws one provider truth and the set of snapshots a user pulls of it over
time: Layer charts of accounts (renames, moves) seen at distinct instants, pages of
Layer entries (before or after their chart), overlapping Alpaca JIT windows of one
ledger, and Alpaca journals seen in successive statuses. Two arrival orders of that set,
each with repeats, are imported through `ledgercore.importing` into two ledgers; both
must hold, for every account and for a grid of ranges, the balances and roll-ups the
pure domain recomputes from the final provider truth (the latest chart, every entry,
the earliest window's opening, each journal's lifecycle). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledgercore.domain import (
    USD,
    Account,
    AccountType,
    ChartOfAccounts,
    Direction,
    JournalEntry,
    LineItem,
    Period,
    balances,
    roll_up,
)
from ledgercore.importing import import_file
from ledgercore.providers import PayloadKind
from ledgercore.providers.alpaca_jit import (
    OPENING_ACCOUNT_ID,
    contra_account,
    jit_entry_id,
    ledger_account,
    opening_account,
)
from ledgercore.providers.alpaca_models import JitLedgerBalances
from ledgercore.providers.journal_timeline import timeline
from ledgercore.store import Ledger
from tests.integration.conftest import unique_name

DAY0 = date(2024, 6, 1)
TYPES = (AccountType.ASSET, AccountType.REVENUE, AccountType.ASSET, AccountType.EXPENSE)
LAYER_IDS = tuple(f"acct-{n}" for n in range(len(TYPES)))
NAMES = ("Cash", "Bank", "Sales", "Fees", "Other")
JIT_LEDGER = "jit-ledger-1"
CONTRA = "Just In Time Cash Clearing"
CUSTOMER = "cust-1"
# A journal's life: the statuses it is seen in, in order.
LIVES = (("executed",), ("pending", "executed"), ("executed", "canceled"),
         ("pending", "executed", "deleted"), ("executed", "correct"), ("pending", "canceled"),
         ("executed", "pending"))


def _at(day: int) -> datetime:
    return datetime.combine(DAY0 + timedelta(days=day), datetime.min.time(), tzinfo=UTC)


@dataclass(frozen=True)
class Snapshot:
    """One provider pull: what kind, its document, and when it was seen."""

    kind: PayloadKind
    document: Any
    seen_at: datetime
    window: tuple[date | None, date | None] = (None, None)


@dataclass(frozen=True)
class Truth:
    """The set of snapshots and the books the pure domain makes of them."""

    snapshots: tuple[Snapshot, ...]
    chart: ChartOfAccounts
    entries: tuple[JournalEntry, ...]


@st.composite
def truths(draw: st.DrawFn) -> Truth:
    snapshots: list[Snapshot] = []
    # Charts: each a subset of the Layer accounts, parents among lower indexes.
    labels: dict[str, tuple[datetime, Account]] = {}
    for number in range(draw(st.integers(0, 3))):
        seen = _at(20 + 3 * number)
        placed: dict[str, Account] = {}
        for index in sorted(draw(st.sets(st.integers(0, len(TYPES) - 1), min_size=1))):
            parent = draw(st.sampled_from([None, *(i for i in range(index)
                                                   if LAYER_IDS[i] in placed)]))
            placed[LAYER_IDS[index]] = Account(
                LAYER_IDS[index], draw(st.sampled_from(NAMES)), TYPES[index],
                parent_id=None if parent is None else LAYER_IDS[parent])
        snapshots.append(Snapshot(PayloadKind.LAYER_CHART, _chart_document(placed), seen))
        for account in placed.values():
            if account.id not in labels or labels[account.id][0] < seen:
                labels[account.id] = (seen, account)
    # Layer entries, in pages that may overlap.
    pool = []
    for number in range(draw(st.integers(1, 5))):
        debit, credit = draw(st.permutations(range(len(TYPES))))[:2]
        amount = draw(st.integers(1, 10_000))
        pool.append(JournalEntry(f"layer-{number}", _at(draw(st.integers(0, 15))), (
            LineItem(LAYER_IDS[debit], USD, amount, Direction.DEBIT),
            LineItem(LAYER_IDS[credit], USD, amount, Direction.CREDIT))))
    pages = draw(st.lists(st.sets(st.integers(0, len(pool) - 1), min_size=1),
                          min_size=1, max_size=3))
    for number, page in enumerate(pages):
        snapshots.append(Snapshot(PayloadKind.LAYER_ENTRIES,
                                  _entries_document([pool[i] for i in sorted(page)]),
                                  _at(18 + number)))
    seen_entries = {i for page in pages for i in page}
    entries = [pool[i] for i in sorted(seen_entries)]
    # One JIT ledger: an opening, transactions on days 0..11, windows over them.
    opening = draw(st.integers(0, 50_000))
    days = {day: draw(st.lists(st.integers(-5_000, 5_000).filter(bool), max_size=2))
            for day in range(12)}
    windows = draw(st.lists(st.tuples(st.integers(0, 11), st.integers(0, 4)), max_size=3))
    for number, (first, length) in enumerate(windows):
        last = min(first + length, 11)
        snapshots.append(Snapshot(PayloadKind.ALPACA_JIT_BALANCES,
                                  _jit_document(opening, days, first, last),
                                  _at(25 + number), (DAY0 + timedelta(days=first),
                                                     DAY0 + timedelta(days=last))))
    jit_chart: list[Account] = []
    if windows:
        model = JitLedgerBalances.model_validate(_jit_document(opening, days, 0, 0)[0])
        jit_chart.append(ledger_account(model))
        earliest = min(first for first, _ in windows)
        starting = opening + sum(sum(days[d]) for d in range(earliest))
        if any(opening + sum(sum(days[d]) for d in range(first)) for first, _ in windows):
            jit_chart.append(opening_account())
        if starting:
            side = Direction.DEBIT if starting > 0 else Direction.CREDIT
            entries.append(JournalEntry("opening", _at(earliest - 1), (
                LineItem(JIT_LEDGER, USD, abs(starting), side),
                LineItem(OPENING_ACCOUNT_ID, USD, abs(starting), side.opposite))))
        covered = {d for first, length in windows
                   for d in range(first, min(first + length, 11) + 1)}
        if any(days[d] for d in covered):
            jit_chart.append(contra_account(CONTRA))
        for day in sorted(covered):
            for n, amount in enumerate(days[day]):
                side = Direction.DEBIT if amount > 0 else Direction.CREDIT
                entries.append(JournalEntry(
                    jit_entry_id(JIT_LEDGER, DAY0 + timedelta(days=day), n), _at(day), (
                        LineItem(JIT_LEDGER, USD, abs(amount), side),
                        LineItem(f"alpaca:contra:{CONTRA}", USD, abs(amount),
                                 side.opposite))))
    # Journals: each from its own firm account to one customer, seen along its life.
    journal_accounts: set[str] = set()
    for number in range(draw(st.integers(0, 3))):
        life = draw(st.sampled_from(LIVES))
        firm, journal_id = f"firm-{number}", f"jnl-{number}"
        amount = draw(st.integers(1, 9_999))
        seen_days = sorted(draw(st.lists(st.integers(2, 14), min_size=len(life),
                                         max_size=len(life), unique=True)))
        journal_accounts |= {firm, CUSTOMER}
        observed = []
        for status, day in zip(life, seen_days, strict=True):
            seen = _at(day) + timedelta(hours=number)
            observed.append((status, seen))
            snapshots.append(Snapshot(PayloadKind.ALPACA_JOURNALS,
                                      _journal_document(journal_id, firm, status, amount),
                                      seen))
        history = timeline(journal_id, observed)
        if history.executed:
            posting = JournalEntry(journal_id, _at(1), (
                LineItem(firm, USD, amount, Direction.CREDIT),
                LineItem(CUSTOMER, USD, amount, Direction.DEBIT)))
            entries.append(posting)
            if history.undone is not None:
                entries.append(posting.reverse(f"{journal_id}:{history.undone[0]}",
                                               entry_at=max(history.undone[1], _at(1)))[1])
    chart = [labels[a][1] if a in labels else Account(a, f"flat {a}", TYPES[i])
             for i, a in enumerate(LAYER_IDS)
             if a in labels or any(a in {li.account_id for li in pool[j].line_items}
                                   for j in seen_entries)]
    chart += jit_chart
    chart += [Account(a, f"Alpaca account {a}", AccountType.ASSET)
              for a in sorted(journal_accounts)]
    return Truth(tuple(snapshots), ChartOfAccounts(_parents_first(chart)), tuple(entries))


def _parents_first(accounts: list[Account]) -> list[Account]:
    by_id = {a.id: a for a in accounts}
    out: list[Account] = []

    def add(account: Account) -> None:
        if account in out:
            return
        if account.parent_id is not None:
            add(by_id[account.parent_id])
        out.append(account)

    for account in accounts:
        add(account)
    return out


def _layer_account(account_id: str, name: str | None = None) -> dict[str, Any]:
    index = LAYER_IDS.index(account_id)
    return {"id": {"type": "AccountId", "id": account_id}, "name": name or f"flat {account_id}",
            "account_type": {"value": TYPES[index].value}}


def _chart_document(placed: dict[str, Account]) -> Any:
    def node(account: Account) -> dict[str, Any]:
        return {**_layer_account(account.id, account.name), "sub_accounts": [
            node(child) for child in placed.values() if child.parent_id == account.id]}

    return {"data": {"type": "Chart_Of_Accounts", "accounts": [
        node(a) for a in placed.values() if a.parent_id is None]}}


def _entries_document(page: list[JournalEntry]) -> Any:
    return {"data": [{"id": e.id, "entry_at": e.entry_at.isoformat(), "line_items": [
        {"account": _layer_account(item.account_id), "amount": item.amount,
         "direction": item.direction.value} for item in e.line_items]} for e in page]}


def _jit_document(opening: int, days: dict[int, list[int]], first: int, last: int) -> Any:
    starting = opening + sum(sum(days[d]) for d in range(first))
    balance, transactions = starting, []
    for day in range(first, last + 1):
        for amount in days[day]:
            balance += amount
            transactions.append({"system_date": str(DAY0 + timedelta(days=day)),
                                 "entry_type": "JNLC", "contra_account_name": CONTRA,
                                 "amount": str(Decimal(amount) / 100),
                                 "balance": str(Decimal(balance) / 100)})
    return [{"id": JIT_LEDGER, "ledger_no": "JTR1", "ledger_name": "Just In Time Receivable",
             "transactions": transactions, "starting_balance": str(Decimal(starting) / 100),
             "ending_balance": str(Decimal(balance) / 100)}]


def _journal_document(journal_id: str, firm: str, status: str, amount: int) -> Any:
    return [{"id": journal_id, "entry_type": "JNLC", "from_account": firm,
             "to_account": CUSTOMER, "status": status, "settle_date": str(DAY0 + timedelta(1)),
             "system_date": str(DAY0 + timedelta(1)),
             "net_amount": str(Decimal(amount) / 100)}]


@st.composite
def arrivals(draw: st.DrawFn, snapshots: tuple[Snapshot, ...]) -> list[Snapshot]:
    """One arrival order of `snapshots`, with up to three repeats anywhere."""
    order = list(draw(st.permutations(snapshots)))
    repeats = draw(st.lists(st.sampled_from(order), max_size=3)) if order else []
    for snapshot in repeats:
        order.insert(draw(st.integers(0, len(order))), snapshot)
    return order


def _nonzero(figures: Any) -> dict[str, dict[str, Any]]:
    return {account: kept for account, by_code in figures.items()
            if (kept := {code: b for code, b in by_code.items()
                         if (b.starting, b.ending) != (0, 0)})}


def _rolled(figures: Any) -> dict[str, Any]:
    return {account: (_nonzero({"own": r.own}), _nonzero({"total": r.total}))
            for account, r in figures.items()}


RANGES = [Period()] + [Period(_at(a), _at(b)) for a in (-1, 2, 6, 11)
                       for b in (a + 1, a + 5, 30)]


@settings(max_examples=12)
@given(data=st.data())
def test_any_order_and_repetition_of_snapshots_gives_the_truths_books(
        database_url: str, data: st.DataObject) -> None:
    truth = data.draw(truths())
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for number, snapshot in enumerate(truth.snapshots):
            path = Path(folder) / f"{number}.json"
            path.write_text(json.dumps(snapshot.document))
            files[id(snapshot)] = path
        for _ in range(2):
            order = data.draw(arrivals(truth.snapshots))
            with Ledger.open(database_url, ledger=unique_name("snapshots")) as book:
                for snapshot in order:
                    import_file(book, snapshot.kind, files[id(snapshot)],
                                seen_at=snapshot.seen_at, window=snapshot.window)
                assert {a.id: (a.name, a.parent_id) for a in book.chart()} == {
                    a.id: (a.name, a.parent_id) for a in truth.chart}
                for period in RANGES:
                    expected = balances(truth.chart, truth.entries, period)
                    assert _nonzero(book.balances(period)) == _nonzero(expected), period
                    assert _rolled(book.rolled_balances(period)) == _rolled(
                        roll_up(truth.chart, expected)), period
