"""`ledgercore import KIND FILE...`: every kind, the bundled examples and the seed samples.

An import is idempotent: the second run of the same file posts nothing, reports every
entry as already present, and leaves every balance as it was.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ledgercore.store import Ledger

from .conftest import (
    ALPACA_JIT,
    ALPACA_JOURNALS,
    FIXTURES,
    LAYER_BALANCES,
    LAYER_ENTRIES,
    Outcome,
    Run,
    assert_refused,
    counts,
    load,
)

SUMMARY = re.compile(r"(\d+) new accounts, (\d+) entries posted, (\d+) already present")


def summary(outcome: Outcome, path: Path) -> tuple[int, int, int]:
    """(new accounts, posted, already present) of a successful import of `path`."""
    assert outcome.exit_code == 0, outcome.stderr
    return reported(outcome.stdout, path)


def reported(stdout: str, path: Path) -> tuple[int, int, int]:
    """(new accounts, posted, already present) of one file's line in the import output."""
    line = next(line for line in stdout.splitlines() if line.startswith(str(path)))
    found = SUMMARY.search(line)
    assert found is not None, line
    accounts, posted, present = map(int, found.groups())
    return accounts, posted, present


def everything(url: str) -> tuple[object, ...]:
    """The whole observable state of the default ledger: chart, entries, balances."""
    with Ledger.open(url) as books:
        page = books.entries(limit=1000)
        assert page.next_cursor is None
        return (tuple(books.chart()), page.entries, books.balances(),
                books.rolled_balances())


# Per case: the imports that set the chart up first, then the (kind, file) under test.
Step = tuple[str, Path]
CASES: dict[str, tuple[list[Step], Step]] = {
    "layer-example": ([("layer-balances", LAYER_BALANCES)], ("layer-entries", LAYER_ENTRIES)),
    "layer-seed": ([("layer-balances", FIXTURES / "layer_balances_002.json")],
                   ("layer-entries", FIXTURES / "layer_entries_004.json")),
    "layer-entries-alone": ([], ("layer-entries", LAYER_ENTRIES)),
    "alpaca-jit-example": ([], ("alpaca-jit-balances", ALPACA_JIT)),
    "alpaca-jit-seed": ([], ("alpaca-jit-balances", FIXTURES / "alpaca_jit_balances_000.json")),
    "alpaca-journals-example": ([], ("alpaca-journals", ALPACA_JOURNALS)),
    "alpaca-journals-seed": ([], ("alpaca-journals", FIXTURES / "alpaca_journals_003.json")),
    "alpaca-journal-single": ([], ("alpaca-journals",
                                   FIXTURES / "alpaca_journal_003_post_response.json")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_import_then_import_again_changes_nothing(case: str, run: Run, db: str) -> None:
    setup, (kind, path) = CASES[case]
    for setup_kind, setup_path in setup:
        assert summary(run("import", setup_kind, setup_path), setup_path)[0] > 0
    _, posted, present = summary(run("import", kind, path), path)
    assert posted > 0 and present == 0
    accounts, entries = counts(db)
    assert accounts > 0 and entries == posted
    before = everything(db)

    again = summary(run("import", kind, path), path)
    assert again == (0, 0, posted)
    assert everything(db) == before


def test_layer_entries_post_every_entry_of_the_file(run: Run, db: str) -> None:
    _, posted, _ = summary(run("import", "layer-entries", LAYER_ENTRIES), LAYER_ENTRIES)
    assert posted == len(load(LAYER_ENTRIES)["data"])


def test_layer_balances_define_the_chart_and_post_nothing(run: Run, db: str) -> None:
    accounts, posted, present = summary(run("import", "layer-balances", LAYER_BALANCES),
                                        LAYER_BALANCES)
    assert (posted, present) == (0, 0)
    assert counts(db) == (accounts, 0)
    again = summary(run("import", "layer-balances", LAYER_BALANCES), LAYER_BALANCES)
    assert again == (0, 0, 0) and counts(db) == (accounts, 0)


def test_journals_that_did_not_execute_move_nothing(run: Run, db: str) -> None:
    journals = load(ALPACA_JOURNALS)
    executed = [j for j in journals if j["status"] == "executed"]
    outcome = run("import", "alpaca-journals", ALPACA_JOURNALS)
    assert summary(outcome, ALPACA_JOURNALS)[1] == len(executed) < len(journals)
    assert counts(db)[1] == len(executed)


def test_each_file_is_one_transaction(run: Run, db: str) -> None:
    """Files import in order; a refused file leaves the ones before it imported."""
    seed = FIXTURES / "layer_balances_002.json"  # its CURRENT_ASSETS clashes with the example
    outcome = run("import", "layer-balances", LAYER_BALANCES, seed)
    accounts = reported(outcome.stdout, LAYER_BALANCES)[0]
    assert_refused(outcome, "invalid_account", str(seed))
    assert counts(db) == (accounts, 0)


def test_two_kinds_share_one_ledger_only_when_asked(run: Run, db: str) -> None:
    """`--ledger` keeps the Layer business and the Alpaca books apart in one database."""
    assert run("--ledger", "biz", "import", "layer-entries", LAYER_ENTRIES).exit_code == 0
    assert run("--ledger", "broker", "import", "alpaca-journals",
               ALPACA_JOURNALS).exit_code == 0
    assert counts(db, "biz")[1] == len(load(LAYER_ENTRIES)["data"])
    assert counts(db, "broker")[1] == sum(
        j["status"] == "executed" for j in load(ALPACA_JOURNALS))
    assert counts(db) == (0, 0)


@pytest.mark.parametrize(("fixture", "code"), [
    ("layer_entries_004_published.json", "invalid_json"),  # a trailing comma
    ("layer_balances_002_published.json", "invalid_payload"),  # "<array>" placeholder
])
def test_published_samples_with_defects_are_refused(fixture: str, code: str, run: Run,
                                                    db: str) -> None:
    kind = "layer-entries" if "entries" in fixture else "layer-balances"
    assert_refused(run("import", kind, FIXTURES / fixture), code, fixture)
    assert counts(db) == (0, 0)
