"""Real processes racing to spend one guarded balance, on SQLite and PostgreSQL.

Eight (and more) processes start together, each trying to move money out of one funded
account by `Ledger.post`, `Ledger.transfer` (executed at once, or held then executed) or
`ledgercore import alpaca-journals`. The guard must make each check-and-write one step:
the amounts executed never exceed what was there, the account never goes negative,
every refused writer got `insufficient_balance` (not a database error), and nothing is
lost or written twice (issue 16; issue 14, item 1).
"""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from ledgercore.domain import USD, Account, AccountType, Direction, JournalEntry, LineItem
from ledgercore.domain.errors import LedgerError
from ledgercore.store import Ledger
from ledgercore.store import guards as store_guards
from tests.integration.conftest import unique_name

WORKERS = 8
TRIES = 4  # each worker's attempts
FUNDS = 10_000  # cents in the firm account
SPEND = 700  # cents per attempt: FUNDS // SPEND = 14 can succeed, 32 are tried
T0 = datetime(2024, 1, 1, tzinfo=UTC)
CHART = [Account("firm", "Firm", AccountType.ASSET),
         Account("capital", "Capital", AccountType.EQUITY),
         *(Account(f"c{n}", f"Customer {n}", AccountType.ASSET) for n in range(WORKERS))]


def _spender(url: str, name: str, worker: int, start: Barrier,
             results: Any) -> None:
    outcomes: list[str] = []
    with Ledger.open(url, ledger=name) as book:
        book.chart()  # connect before the start, so the race is on the writes
        start.wait(60)
        for attempt in range(TRIES):
            mode = (worker + attempt) % 3
            try:
                if mode == 0:
                    book.post([JournalEntry(f"p{worker}-{attempt}", T0, (
                        LineItem("firm", USD, SPEND, Direction.CREDIT),
                        LineItem(f"c{worker}", USD, SPEND, Direction.DEBIT)))])
                elif mode == 1:
                    book.transfer("firm", f"c{worker}", SPEND, transfer_id=f"t{worker}-{attempt}")
                else:
                    held = book.transfer("firm", f"c{worker}", SPEND, hold=True,
                                         transfer_id=f"h{worker}-{attempt}")
                    book.execute_transfer(held.id)
                outcomes.append("ok")
            except LedgerError as error:
                outcomes.append(error.code)
            except Exception as error:
                outcomes.append(f"crash: {type(error).__name__}: {error}")
    results.put((worker, outcomes))


def _race(url: str) -> None:
    name = unique_name("race")
    with Ledger.open(url, ledger=name) as book:
        book.define_accounts(CHART)
        book.post([JournalEntry("fund", T0, (LineItem("firm", USD, FUNDS, Direction.DEBIT),
                                             LineItem("capital", USD, FUNDS, Direction.CREDIT)))])
        book.set_floor("firm", "0")
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WORKERS)
    results = context.Queue()
    workers = [context.Process(target=_spender, args=(url, name, w, start, results))
               for w in range(WORKERS)]
    for process in workers:
        process.start()
    outcomes = dict(results.get(timeout=300) for _ in workers)
    for process in workers:
        process.join(60)
    assert [p.exitcode for p in workers] == [0] * WORKERS
    flat = [o for worker in sorted(outcomes) for o in outcomes[worker]]
    assert set(flat) <= {"ok", "insufficient_balance"}, flat
    succeeded = flat.count("ok")
    # Every refusal came when less than SPEND was left, so exactly this many fit.
    assert succeeded == FUNDS // SPEND, outcomes
    with Ledger.open(url, ledger=name) as book:
        balances = book.balances()
        firm = balances["firm"]["USD"].ending
        assert firm == FUNDS - succeeded * SPEND >= 0
        received = sum(balances[f"c{w}"]["USD"].ending for w in range(WORKERS)
                       if f"c{w}" in balances)
        assert received == succeeded * SPEND  # nothing lost, nothing twice
        entries = book.entries(limit=1000).entries
        assert len(entries) == 1 + succeeded
        assert book.available(["firm"])["firm"]["USD"].available == firm
        # A held transfer whose execution lost is left pending (its hold was granted) or
        # was never made; none is counted twice.
        executed = [t for t in book.list_transfers(limit=1000).transfers
                    if t.status.value == "executed"]
        assert {t.id for t in executed} <= {e.id for e in entries}


def test_eight_processes_spend_one_sqlite_balance(sqlite_url: str) -> None:
    _race(sqlite_url)


def test_eight_processes_spend_one_postgresql_balance(pg_url: str) -> None:
    _race(pg_url)


# -- concurrent `import alpaca-journals` (issue 14, item 1) ---------------------------

IMPORTERS = 8
OUT = 30_000  # cents each importer's file moves out of the customer
HELD = 100_000  # what the customer holds: 3 files fit, 5 must be refused


def _journal(journal_id: str, source: str, target: str, cents: int) -> dict[str, str]:
    return {"id": journal_id, "entry_type": "JNLC", "from_account": source,
            "to_account": target, "net_amount": USD.format(cents), "status": "executed",
            "settle_date": "2024-03-01", "system_date": "2024-03-01"}


def _importer(url: str, name: str, path: Path, start: Barrier, results: Any) -> None:
    """What `ledgercore import alpaca-journals FILE` does, in a process of its own."""
    from ledgercore import importing
    from ledgercore.providers import PayloadKind

    with Ledger.open(url, ledger=name) as book:
        book.chart()
        start.wait(60)
        try:
            importing.import_file(book, PayloadKind.ALPACA_JOURNALS, path)
            results.put((path.name, "ok"))
        except LedgerError as error:
            results.put((path.name, error.code))
        except Exception as error:
            results.put((path.name, f"crash: {type(error).__name__}: {error}"))


def _import_race(url: str, tmp_path: Path) -> None:
    from ledgercore import importing
    from ledgercore.providers import PayloadKind

    name = unique_name("imports")
    funding = tmp_path / "funding.json"
    funding.write_text(json.dumps([_journal("fund", "firm", "customer", HELD)]))
    with Ledger.open(url, ledger=name) as book:
        importing.import_file(book, PayloadKind.ALPACA_JOURNALS, funding)
    files = []
    for n in range(IMPORTERS):
        path = tmp_path / f"out-{n}.json"
        path.write_text(json.dumps([_journal(f"out-{n}", "customer", f"bank-{n}", OUT)]))
        files.append(path)
    context = multiprocessing.get_context("fork")
    start = context.Barrier(IMPORTERS)
    results = context.Queue()
    racing = [context.Process(target=_importer, args=(url, name, path, start, results))
              for path in files]
    for process in racing:
        process.start()
    outcomes = [results.get(timeout=300)[1] for _ in racing]
    for process in racing:
        process.join(60)
    assert [p.exitcode for p in racing] == [0] * IMPORTERS
    assert set(outcomes) <= {"ok", "insufficient_balance"}, outcomes
    succeeded = outcomes.count("ok")
    assert succeeded == HELD // OUT
    with Ledger.open(url, ledger=name) as book:
        balances = book.balances()
        assert balances["customer"]["USD"].ending == HELD - succeeded * OUT >= 0
        banks = sum(balances[f"bank-{n}"]["USD"].ending for n in range(IMPORTERS)
                    if f"bank-{n}" in balances)
        assert banks == succeeded * OUT
        assert book.trial_balance().is_balanced()


def test_eight_imports_race_on_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    _import_race(sqlite_url, tmp_path)


def test_eight_imports_race_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    _import_race(pg_url, tmp_path)


# -- a guard set while others post to the account ---------------------------------------

def _payer(url: str, name: str, worker: int, start: Barrier) -> None:
    with Ledger.open(url, ledger=name) as book:
        book.chart()
        start.wait(60)
        for n in range(15):
            book.post([JournalEntry(f"pay{worker}-{n}", T0, (
                LineItem("firm", USD, 1 + n, Direction.DEBIT),
                LineItem("capital", USD, 1 + n, Direction.CREDIT)))])


def _guard_while_posting(url: str) -> None:
    name = unique_name("guarding")
    with Ledger.open(url, ledger=name) as book:
        book.define_accounts(CHART)
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WORKERS)
    payers = [context.Process(target=_payer, args=(url, name, w, start))
              for w in range(WORKERS - 1)]
    for process in payers:
        process.start()
    with Ledger.open(url, ledger=name) as book:
        book.chart()
        start.wait(60)
        book.set_floor("firm", "0")  # counted from the lines while they are written
    for process in payers:
        process.join(120)
    assert [p.exitcode for p in payers] == [0] * (WORKERS - 1)
    with Ledger.open(url, ledger=name) as book:
        kept = book._read(lambda c: store_guards.guarded_balances(c, book._catalog))
        assert kept[("firm", "USD")] == book.balances()["firm"]["USD"].ending == (
            (WORKERS - 1) * sum(range(1, 16)))


def test_a_guard_set_while_others_post_counts_every_line_on_sqlite(sqlite_url: str) -> None:
    _guard_while_posting(sqlite_url)


def test_a_guard_set_while_others_post_counts_every_line_on_postgresql(pg_url: str) -> None:
    _guard_while_posting(pg_url)
