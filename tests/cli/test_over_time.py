"""Provider data over time, through the command line (issue 15's numbered failures).

Snapshots arrive in any order and more than once: a chart after its entries, a renamed
or moved account, overlapping Alpaca JIT windows, journals whose status changes. The
books must be the same whatever the order, and a refusal must leave every row as it was.
"""

from __future__ import annotations

from dataclasses import replace
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
