"""Transfers against plain posts, interleaved in one process (docs/performance.md, section 8).

``python benchmarks/transfers_interleaved.py URL ROUND`` alternates four ways of moving
1 cent, one transaction each, in rounds of ROUND calls, five rounds, and prints each
way's median rate and its ratio to a plain post: on a busy machine the ratio drifts less
than between separate runs.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from ledgercore.domain import USD, Account, AccountType, Direction, JournalEntry, LineItem
from ledgercore.store import Ledger


def main(url: str, size: int) -> None:
    book = Ledger.open(url, ledger=f"interleaved-{time.time_ns()}")
    book.define_accounts([Account("capital", "Capital", AccountType.EQUITY), *(
        Account(a, a, AccountType.ASSET) for a in ("guarded", "plain", "target"))])
    book.post([JournalEntry(f"fund-{a}", datetime(2024, 1, 1, tzinfo=UTC), (
        LineItem(a, USD, 10**12, Direction.DEBIT),
        LineItem("capital", USD, 10**12, Direction.CREDIT))) for a in ("guarded", "plain")])
    book.set_floor("guarded", "0")
    book.set_floor("plain", None)
    made = [0]

    def post(source: str) -> Callable[[], object]:
        def once() -> object:
            made[0] += 1
            return book.post([JournalEntry(f"p{made[0]}", datetime(2024, 2, 1, tzinfo=UTC), (
                LineItem(source, USD, 1, Direction.CREDIT),
                LineItem("target", USD, 1, Direction.DEBIT)))])
        return once

    ways: dict[str, Callable[[], object]] = {
        "post, unguarded": post("plain"), "post, guarded": post("guarded"),
        "transfer": lambda: book.transfer("guarded", "target", 1, hold=False),
        "held, then executed": lambda: book.execute_transfer(
            book.transfer("guarded", "target", 1, hold=True).id)}
    rates: dict[str, list[float]] = {way: [] for way in ways}
    for _ in range(5):
        for way, call in ways.items():
            started = time.perf_counter()
            for _ in range(size):
                call()
            rates[way].append(size / (time.perf_counter() - started))
    base = statistics.median(rates["post, unguarded"])
    for way, samples in rates.items():
        rate = statistics.median(samples)
        print(f"{way:20s} {rate:8.0f}/s  {base / rate:.2f}x post")
    book.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
