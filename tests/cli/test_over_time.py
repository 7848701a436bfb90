"""Provider data over time, through the command line (issue 15's numbered failures).

Snapshots arrive in any order and more than once: a chart after its entries, a renamed
or moved account, overlapping Alpaca JIT windows, journals whose status changes. The
books must be the same whatever the order, and a refusal must leave every row as it was.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgercore.domain import LedgerError
from ledgercore.store import Ledger

from .conftest import (
    LAYER_BALANCES,
    LAYER_ENTRIES,
    Run,
    altered,
    assert_refused,
    run_on,
    sqlite_url,
)

CHECKING = "00002ba2-63c5-5091-bb43-cf24b6ed9b48"
CURRENT_ASSETS = "68322198-ac81-5489-b622-0670641b9c15"
FIXED_ASSETS = "86966bfa-da36-5d85-b1cf-24b1bbcecef2"


def books(url: str) -> tuple[object, ...]:
    """The chart, balances and roll-ups of the default ledger."""
    with Ledger.open(url) as book:
        return (sorted(book.chart(), key=lambda a: a.id), book.balances(),
                book.rolled_balances())


def ok(outcome: Any) -> None:
    assert outcome.exit_code == 0, outcome.stderr


def _nodes(document: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stack = list(document["data"]["accounts"])
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.get("sub_accounts", []))
    return out


def _node(document: Any, account_id: str) -> dict[str, Any]:
    return next(n for n in _nodes(document) if n["id"]["id"] == account_id)


# -- 1. entries then chart, renames, moves --------------------------------------------------

def test_entries_then_chart_gives_the_books_of_chart_then_entries(tmp_path: Path) -> None:
    first, second = sqlite_url(tmp_path / "a.db"), sqlite_url(tmp_path / "b.db")
    for url, order in ((first, (("layer-entries", LAYER_ENTRIES),
                                ("layer-balances", LAYER_BALANCES))),
                       (second, (("layer-balances", LAYER_BALANCES),
                                 ("layer-entries", LAYER_ENTRIES)))):
        for kind, path in order:
            ok(run_on(url)("import", kind, path, "--quiet"))
    assert books(first) == books(second)
    with Ledger.open(first) as book:
        assert book.chart().get(CHECKING).parent_id == CURRENT_ASSETS


def test_a_renamed_account_is_relabelled_and_its_history_kept(run: Run, db: str,
                                                               tmp_path: Path) -> None:
    ok(run("import", "layer-balances", LAYER_BALANCES, "--seen-at", "2024-04-01"))
    ok(run("import", "layer-entries", LAYER_ENTRIES, "--quiet"))
    renamed = altered(LAYER_BALANCES, tmp_path / "renamed.json",
                      lambda d: _node(d, CHECKING).update(name="Operating Checking"))
    before = books(db)
    ok(run("import", "layer-balances", renamed, "--seen-at", "2024-05-01"))
    with Ledger.open(db) as book:
        assert book.chart().get(CHECKING).name == "Operating Checking"
        assert [a.name for _, a in book.account_history(CHECKING)] == [
            "Business Checking", "Operating Checking"]
    # An older snapshot arriving late is history, not the current name.
    ok(run("import", "layer-balances", LAYER_BALANCES, "--seen-at", "2024-04-15"))
    with Ledger.open(db) as book:
        assert book.chart().get(CHECKING).name == "Operating Checking"
    assert books(db)[1:] == before[1:]  # balances and roll-ups unchanged


def test_a_moved_account_rolls_up_under_its_new_parent(run: Run, db: str,
                                                       tmp_path: Path) -> None:
    def move(document: Any) -> None:
        parent = _node(document, CURRENT_ASSETS)
        child = _node(document, CHECKING)
        parent["sub_accounts"].remove(child)
        _node(document, FIXED_ASSETS)["sub_accounts"].append(child)

    ok(run("import", "layer-entries", LAYER_ENTRIES, "--quiet"))
    ok(run("import", "layer-balances", LAYER_BALANCES, "--seen-at", "2024-04-01"))
    with Ledger.open(db) as book:
        before = book.rolled_balances()
    moved = altered(LAYER_BALANCES, tmp_path / "moved.json", move)
    ok(run("import", "layer-balances", moved, "--seen-at", "2024-05-01"))
    with Ledger.open(db) as book:
        after = book.rolled_balances()
        assert book.chart().get(CHECKING).parent_id == FIXED_ASSETS
    checking = after[CHECKING].own["USD"].ending
    assert checking != 0
    assert (after[FIXED_ASSETS].total["USD"].ending
            == before[FIXED_ASSETS].total["USD"].ending + checking)
    assert (after[CURRENT_ASSETS].total["USD"].ending
            == before[CURRENT_ASSETS].total["USD"].ending - checking)


def test_a_move_that_makes_a_cycle_is_refused_and_changes_nothing(run: Run, db: str) -> None:
    # Nested chart snapshots state every ancestor, so only a flat API call can close a
    # cycle: Current Assets under its own child Checking.
    ok(run("import", "layer-balances", LAYER_BALANCES, "--seen-at", "2024-04-01"))
    before = books(db)
    with Ledger.open(db) as book:
        parent = book.chart().get(CURRENT_ASSETS)
        try:
            book.define_accounts([replace(parent, parent_id=CHECKING)])
        except LedgerError as error:
            assert error.code == "invalid_account" and error.path == "$.parent_id"
            assert CURRENT_ASSETS in error.message
        else:
            raise AssertionError("a cycle was accepted")
    assert books(db) == before


def test_a_posted_accounts_type_cannot_change(run: Run, db: str, tmp_path: Path) -> None:
    ok(run("import", "layer-balances", LAYER_BALANCES, "--seen-at", "2024-04-01"))
    ok(run("import", "layer-entries", LAYER_ENTRIES, "--quiet"))
    before = books(db)
    changed = altered(LAYER_BALANCES, tmp_path / "liability.json",
                      lambda d: _node(d, CHECKING).update(
                          account_type={"value": "LIABILITY", "display_name": "Liabilities"}))
    outcome = run("import", "layer-balances", changed, "--seen-at", "2024-05-01")
    assert_refused(outcome, "conflict", CHECKING, "type")
    assert books(db) == before


# -- 2. Alpaca JIT windows -------------------------------------------------------------------

LEDGER = "0a0b0c0d-1111-2222-3333-444455556666"


def jit_window(tmp_path: Path, name: str, starting: str, txns: list[tuple[str, str]],
               ) -> Path:
    """A one-ledger JIT response: `txns` are (system_date, amount), running balances."""
    balance = Decimal(starting)
    transactions = []
    for day, amount in txns:
        balance += Decimal(amount)
        transactions.append({"system_date": day, "entry_type": "JNLC", "amount": amount,
                             "contra_account_name": "Just In Time Cash Clearing",
                             "balance": str(balance)})
    path = tmp_path / name
    path.write_text(json.dumps([{
        "id": LEDGER, "ledger_no": "JTRJITS00",
        "ledger_name": "Just In Time Receivable - JITS", "transactions": transactions,
        "starting_balance": starting, "ending_balance": str(balance)}]))
    return path


def jit_ranges(url: str) -> list[object]:
    """The JIT ledger's balances over a grid of day ranges."""
    with Ledger.open(url) as book:
        return [book.balances(book.period(date(2024, 5, 30) + timedelta(days=a),
                                          date(2024, 5, 30) + timedelta(days=b)))
                for a in range(0, 9, 2) for b in range(a, 10, 3)]


def test_jit_windows_in_any_order_count_the_opening_once(tmp_path: Path) -> None:
    early = jit_window(tmp_path, "early.json", "100", [("2024-06-02", "1")])
    late = jit_window(tmp_path, "late.json", "100", [("2024-06-02", "1"),
                                                      ("2024-06-05", "2.5")])
    windows = {early: ("2024-06-01", "2024-06-03"), late: ("2024-06-02", "2024-06-06")}
    urls = []
    for order in ((early, late), (late, early), (late, early, late, early)):
        url = sqlite_url(tmp_path / f"{len(urls)}.db")
        urls.append(url)
        run = run_on(url)
        for path in order:
            start, end = windows[path]
            ok(run("import", "alpaca-jit-balances", path, "--start", start, "--end", end))
        for path, (start, end) in windows.items():
            ok(run("verify", "alpaca-jit-balances", path, "--start", start, "--end", end))
        with Ledger.open(url) as book:
            assert book.balances()[LEDGER]["USD"].ending == 10350
    assert jit_ranges(urls[0]) == jit_ranges(urls[1]) == jit_ranges(urls[2])


def test_a_jit_window_without_transactions_still_sets_the_opening(run: Run, db: str,
                                                                  tmp_path: Path) -> None:
    quiet = jit_window(tmp_path, "quiet.json", "50", [])
    outcome = run("import", "alpaca-jit-balances", quiet)
    assert_refused(outcome, "invalid_period", LEDGER, "--start")
    with Ledger.open(db) as book:
        assert len(book.chart()) == 0
    ok(run("import", "alpaca-jit-balances", quiet, "--start", "2024-06-01",
           "--end", "2024-06-03"))
    with Ledger.open(db) as book:
        assert book.balances()[LEDGER]["USD"].ending == 5000
    ok(run("verify", "alpaca-jit-balances", quiet, "--start", "2024-06-01",
           "--end", "2024-06-03"))
    assert_refused(run("verify", "alpaca-jit-balances", quiet), "invalid_period", "--start")
    # A wrong starting balance is found, not passed.
    other = jit_window(tmp_path, "other.json", "60", [])
    outcome = run("verify", "alpaca-jit-balances", other, "--start", "2024-06-01",
                  "--end", "2024-06-03")
    assert outcome.exit_code == 1, outcome.stdout


def test_a_transaction_outside_the_given_window_is_refused(run: Run, db: str,
                                                            tmp_path: Path) -> None:
    window = jit_window(tmp_path, "w.json", "10", [("2024-06-09", "1")])
    outcome = run("import", "alpaca-jit-balances", window, "--start", "2024-06-01",
                  "--end", "2024-06-03")
    assert_refused(outcome, "invalid_period", "$[0].transactions[0].system_date")
    with Ledger.open(db) as book:
        assert len(book.chart()) == 0
