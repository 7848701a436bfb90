"""Mutation check: does the suite notice one-line bugs in the core? (Not a test module.)

Each mutant changes exactly one line of ``ledgercore/domain`` or
``ledgercore/store/totals.py`` the way a plausible bug would (a comparison off by one, a
rounding unit to the wrong share, a FIFO order swapped) and runs the tests chosen for it
under the ``mutation`` Hypothesis profile (the ``ci`` budget, no shrinking, no example
database). A mutant is *killed* when those tests fail, *survived* when they pass. The
mutants are applied to a copy of the source tree in a temporary directory, never to the
working tree, so an interrupted run leaves nothing behind.

Usage (outside the CI suite; PostgreSQL tests run when LEDGERCORE_TEST_POSTGRES_URL is
set, else they skip)::

    python tests/mutation.py              # every mutant
    python tests/mutation.py --list       # the mutants and their tests
    python tests/mutation.py edge_day_bound apportion_smallest   # some of them
    python tests/mutation.py --workers 2  # pytest -n 2 per mutant

Exit status: 0 when every mutant run was killed, 1 when one survived (or the tests
failed before any mutation), 2 on a usage error. The latest score is in docs/testing.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 900  # seconds per mutant; a mutant that hangs the tests counts as killed


@dataclass(frozen=True)
class Mutant:
    """One textual change: `before` must occur exactly once in `path`."""

    name: str
    path: str
    before: str
    after: str
    tests: tuple[str, ...]
    why: str


BOUNDARY = "tests/integration/test_boundaries.py"
DIFFERENTIAL = "tests/integration/test_differential.py"
CASH_ORACLE = "tests/property/test_cash_fifo_oracle.py"
CASH_SQL = "tests/integration/test_cash_fifo_sql.py"
APPORTION = "tests/property/test_apportion_oracle.py"
PERIODS = ("tests/property/test_periods.py", "tests/unit/test_periods.py")
BALANCES = ("tests/property/test_balances.py", "tests/unit/test_balances.py")
ENTRIES = ("tests/property/test_entries.py", "tests/unit/test_entries.py")
MONEY = ("tests/property/test_money.py", "tests/unit/test_money.py")
CASH = ("tests/property/test_cash.py", "tests/unit/test_cash.py", CASH_ORACLE)

MUTANTS: tuple[Mutant, ...] = (
    Mutant("edge_day_bound", "ledgercore/store/totals.py",
           'AND entry_at >= "', 'AND entry_at > "', (BOUNDARY, DIFFERENTIAL),
           "an entry exactly at a UTC day start drops out of a balance later that day"),
    Mutant("day_bucket_bound", "ledgercore/store/totals.py",
           'f"AND bucket_start < :d{label}{accounts}")',
           'f"AND bucket_start <= :d{label}{accounts}")', (BOUNDARY, DIFFERENTIAL),
           "the day holding the instant is counted twice (bucket and raw lines)"),
    Mutant("month_bucket_bound", "ledgercore/store/totals.py",
           'f"AND bucket_start < :m{label}{accounts}")',
           'f"AND bucket_start <= :m{label}{accounts}")', (BOUNDARY, DIFFERENTIAL),
           "the month holding the instant is counted as a whole"),
    Mutant("year_bucket_bound", "ledgercore/store/totals.py",
           "f\"{head}'{YEAR}' AND bucket_start < :y{label}{accounts}\"",
           "f\"{head}'{YEAR}' AND bucket_start <= :y{label}{accounts}\"",
           (BOUNDARY, DIFFERENTIAL), "the year holding the instant is counted as a whole"),
    Mutant("apportion_smallest", "ledgercore/domain/deferral.py",
           "key=lambda i: (-rests[i], i))[:spare]", "key=lambda i: (rests[i], i))[:spare]",
           (APPORTION, CASH_ORACLE), "the extra unit goes to the smallest remainder"),
    Mutant("apportion_late_tie", "ledgercore/domain/deferral.py",
           "key=lambda i: (-rests[i], i))[:spare]", "key=lambda i: (-rests[i], -i))[:spare]",
           (APPORTION, CASH_ORACLE), "ties go to the later weight"),
    Mutant("fifo_by_id", "ledgercore/domain/cash.py",
           "key=lambda i: (i.entry_at, i.entry_id))", "key=lambda i: (i.entry_id, i.entry_at))",
           CASH, "the oldest item is the one with the smallest id, not the earliest"),
    Mutant("party_strict", "ledgercore/domain/cash.py",
           "return party is None or item.counterparty is None or party == item.counterparty",
           "return party is None or party == item.counterparty", CASH,
           "a customer's payment skips items without a counterparty"),
    Mutant("unsettle_sign", "ledgercore/domain/cash.py",
           "allocate(item, -amount)", "allocate(item, amount)", CASH,
           "reversing a payment settles its items again instead of re-opening them"),
    Mutant("recognise_from_zero", "ledgercore/domain/deferral.py",
           "before = apportion(weights, allocation.settled_before)",
           "before = apportion(weights, 0)", CASH,
           "each allocation is rounded on its own, not on the running total"),
    Mutant("inclusive_datetime_end", "ledgercore/domain/periods.py",
           "return bound.astimezone(UTC) + RESOLUTION if after else bound",
           "return bound.astimezone(UTC) if after else bound", (*PERIODS, *BALANCES),
           "an inclusive date-time end leaves out the entry exactly at the end"),
    Mutant("inclusive_date_end", "ledgercore/domain/periods.py",
           "day = bound + timedelta(days=1) if after else bound",
           "day = bound if after else bound", (*PERIODS, *BALANCES),
           "an inclusive date end stops at the start of that day"),
    Mutant("period_start_open", "ledgercore/domain/periods.py",
           "return ((self.start is None or instant >= self.start)",
           "return ((self.start is None or instant > self.start)", (*PERIODS, *BALANCES),
           "an entry exactly at a period's start is outside it"),
    Mutant("starting_inclusive", "ledgercore/domain/periods.py",
           "return self.start is not None and instant < self.start",
           "return self.start is not None and instant <= self.start", (*PERIODS, *BALANCES),
           "an entry exactly at the start counts in the starting balance"),
    Mutant("normal_sign", "ledgercore/domain/accounts.py",
           "return amount if direction is self.normality else -amount",
           "return amount if direction is not self.normality else -amount",
           ("tests/property/test_accounts.py", *BALANCES),
           "every effect in the opposite sign"),
    Mutant("unbalanced_accepted", "ledgercore/domain/entries.py",
           "            if value != 0:\n                raise UnbalancedEntry(",
           "            if value > 0:\n                raise UnbalancedEntry(", ENTRIES,
           "an entry whose credits exceed its debits is accepted"),
    Mutant("mixed_side_tie", "ledgercore/domain/deferral.py",
           "and side is Direction.CREDIT):", "and side is Direction.DEBIT):", CASH,
           "an entry raising a receivable and a payable by equal amounts opens the payable"),
    Mutant("period_end_inclusive", "ledgercore/domain/periods.py",
           "        return self.end is None or instant < self.end",
           "        return self.end is None or instant <= self.end", (*PERIODS, *BALANCES),
           "an entry exactly at an exclusive end counts in the ending balance"),
    Mutant("zero_sum_bucket_dropped", "ledgercore/store/totals.py",
           "for key, (total, count) in sums.items() if total or count]",
           "for key, (total, count) in sums.items() if total]", (BOUNDARY, DIFFERENTIAL),
           "a bucket whose lines net to zero is not written (the account vanishes)"),
    Mutant("one_line_entry", "ledgercore/domain/entries.py",
           "if len(self.line_items) < 2:", "if len(self.line_items) < 1:", ENTRIES,
           "an entry of a single line item is accepted"),
    Mutant("decimals_rounded", "ledgercore/domain/money.py",
           "if scaled != scaled.to_integral_value():", "if scaled.is_nan():",
           MONEY, "a value with too many decimals is truncated, not refused"),
)


def _copy_tree(into: Path) -> None:
    for name in ("ledgercore", "tests", "docs"):
        shutil.copytree(ROOT / name, into / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, into / name)


def _run_tests(tree: Path, tests: tuple[str, ...], workers: int) -> tuple[bool, float]:
    """Whether `tests` pass in `tree`, and how long they took."""
    env = {**os.environ, "PYTHONPATH": str(tree), "HYPOTHESIS_PROFILE": "mutation",
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("HYPOTHESIS_DATABASE", None)
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
               "-p", "no:randomly", "-W", "ignore", *tests]
    if workers > 1:
        command[4:4] = ["-n", str(workers)]
    start = time.monotonic()
    try:
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True,
                              timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return False, time.monotonic() - start
    return done.returncode == 0, time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--workers", type=int, default=1, help="pytest -n per mutant")
    args = parser.parse_args(argv)
    known = {m.name: m for m in MUTANTS}
    if args.list:
        for m in MUTANTS:
            print(f"{m.name:24} {m.path}: {m.why}\n{'':24} tests: {' '.join(m.tests)}")
        return 0
    unknown = [n for n in args.names if n not in known]
    if unknown:
        print(f"unknown mutant(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    chosen = [known[n] for n in args.names] if args.names else list(MUTANTS)
    with tempfile.TemporaryDirectory(prefix="ledgercore-mutants-") as temp:
        tree = Path(temp)
        _copy_tree(tree)
        baseline = tuple(sorted({t for m in chosen for t in m.tests}))
        passed, seconds = _run_tests(tree, baseline, args.workers)
        print(f"baseline: {'pass' if passed else 'FAIL'} ({seconds:.0f} s)", flush=True)
        if not passed:
            print("the chosen tests fail without any mutation: fix them first",
                  file=sys.stderr)
            return 1
        survived = []
        for mutant in chosen:
            target = tree / mutant.path
            original = target.read_text()
            if original.count(mutant.before) != 1:
                print(f"{mutant.name}: the line to mutate is not there exactly once "
                      f"(the source changed: update tests/mutation.py)", file=sys.stderr)
                return 2
            target.write_text(original.replace(mutant.before, mutant.after))
            try:
                passed, seconds = _run_tests(tree, mutant.tests, args.workers)
            finally:
                target.write_text(original)
            verdict = "SURVIVED" if passed else "killed"
            if passed:
                survived.append(mutant.name)
            print(f"{verdict:8} {mutant.name:24} {seconds:6.0f} s  {mutant.why}", flush=True)
    killed = len(chosen) - len(survived)
    print(f"score: {killed}/{len(chosen)} killed"
          + (f"; survived: {', '.join(survived)}" if survived else ""))
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
