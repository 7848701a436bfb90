"""Bad input: exit 2, one paragraph on stderr (what, file, JSON path, fix), nothing written.

Each case is a copy of a bundled example with one defect. Before the bad import the
database already holds the Layer chart; afterwards it holds exactly that and no entry.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest

from .conftest import (
    ALPACA_JIT,
    ALPACA_JOURNALS,
    LAYER_BALANCES,
    LAYER_ENTRIES,
    Run,
    altered,
    assert_refused,
    counts,
    load,
)

Change = Callable[[Any], None]


def _line(entry: int, line: int, field: str, value: Any) -> Change:
    def change(document: Any) -> None:
        document["data"][entry]["line_items"][line][field] = value
    return change


def _entry(entry: int, field: str, value: Any) -> Change:
    def change(document: Any) -> None:
        document["data"][entry][field] = value
    return change


def _unbalance(document: Any) -> None:
    document["data"][3]["line_items"][0]["amount"] += 1


def _jit_amount(document: Any) -> None:
    document[0]["transactions"][1]["amount"] = "1.234"


def _journal_amount(document: Any) -> None:
    document[2]["net_amount"] = "250.755"


def _journal_date(document: Any) -> None:
    document[0]["settle_date"] = document[0]["system_date"] = "2024-02-30"


# name: (import kind, source example, defect, code, JSON path of the defect)
DEFECTS: dict[str, tuple[str, Path, Change, str, str]] = {
    "unbalanced-entry": ("layer-entries", LAYER_ENTRIES, _unbalance, "unbalanced_entry",
                         "$.data[3]"),
    "negative-amount": ("layer-entries", LAYER_ENTRIES, _line(3, 0, "amount", -4999),
                        "invalid_amount", "$.data[3].line_items[0].amount"),
    "zero-amount": ("layer-entries", LAYER_ENTRIES, _line(3, 1, "amount", 0),
                    "invalid_amount", "$.data[3].line_items[1].amount"),
    "unknown-direction": ("layer-entries", LAYER_ENTRIES, _line(3, 0, "direction", "LEFT"),
                          "invalid_entry", "$.data[3].line_items[0].direction"),
    "impossible-date": ("layer-entries", LAYER_ENTRIES,
                        _entry(3, "entry_at", "2024-02-30T08:00:00Z"), "invalid_date",
                        "$.data[3].entry_at"),
    "last-entry-bad": ("layer-entries", LAYER_ENTRIES, _line(-1, 0, "amount", -1),
                       "invalid_amount", f"$.data[{len(load(LAYER_ENTRIES)['data']) - 1}]"),
    "too-many-decimals-jit": ("alpaca-jit-balances", ALPACA_JIT, _jit_amount,
                              "invalid_amount", "$[0].transactions[1].amount"),
    "too-many-decimals-journal": ("alpaca-journals", ALPACA_JOURNALS, _journal_amount,
                                  "invalid_amount", "$[2].net_amount"),
    "impossible-date-journal": ("alpaca-journals", ALPACA_JOURNALS, _journal_date,
                                "invalid_date", "$[0]"),
}


@pytest.fixture
def charted(run: Run, db: str) -> tuple[int, int]:
    """The database already holds the Layer chart: (accounts, entries) before the test."""
    assert run("import", "layer-balances", LAYER_BALANCES).exit_code == 0
    return counts(db)


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_a_defect_is_refused_and_nothing_is_written(defect: str, run: Run, db: str,
                                                   charted: tuple[int, int],
                                                   tmp_path: Path) -> None:
    kind, source, change, code, path = DEFECTS[defect]
    bad = altered(source, tmp_path / f"{defect}.json", change)
    assert_refused(run("import", kind, bad), code, bad.name, path)
    assert counts(db) == charted
    assert charted[1] == 0


def test_a_batch_with_one_bad_entry_writes_none_of_it(run: Run, db: str,
                                                      tmp_path: Path) -> None:
    """Past the streaming batch size: the batches before the bad one are not kept either."""
    template = load(LAYER_ENTRIES)["data"][1]
    entries = []
    for number in range(5_050):
        entry = deepcopy(template)
        entry["id"] = f"bulk-{number}"
        for index, line in enumerate(entry["line_items"]):
            line["id"], line["entry_id"] = f"bulk-{number}-{index}", entry["id"]
        entries.append(entry)
    entries[-1]["line_items"][1]["direction"] = "SIDEWAYS"
    bad = tmp_path / "bulk.json"
    bad.write_text(json.dumps({"data": entries}))
    outcome = run("import", "layer-entries", bad, "--quiet")
    assert_refused(outcome, "invalid_entry", "bulk.json",
                   f"$.data[{len(entries) - 1}].line_items[1].direction")
    assert counts(db) == (0, 0)


@pytest.mark.parametrize(("text", "code"), [
    ('{"data": [}', "invalid_json"),
    ("", "invalid_json"),  # docs/providers.md: empty is invalid_json, as read whole
    ("not json at all", "invalid_json"),
    (LAYER_ENTRIES.read_text()[:3000], "truncated_payload"),
    (LAYER_ENTRIES.read_text()[:-20], "truncated_payload"),
])
def test_a_file_that_is_not_json_is_refused(text: str, code: str, run: Run, db: str,
                                            tmp_path: Path) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text(text)
    assert_refused(run("import", "layer-entries", bad), code, "broken.json", "$")
    assert counts(db) == (0, 0)


KINDS = {"layer-entries": LAYER_ENTRIES, "layer-balances": LAYER_BALANCES,
         "alpaca-jit-balances": ALPACA_JIT, "alpaca-journals": ALPACA_JOURNALS}


@pytest.mark.parametrize("named", list(KINDS))
def test_a_file_of_another_kind_is_refused(named: str, run: Run, db: str) -> None:
    for actual, path in KINDS.items():
        if actual != named:
            outcome = run("import", named, path)
            # the paragraph says which command reads the file
            assert_refused(outcome, "wrong_payload_kind", path.name, f"import {actual}")
    assert counts(db) == (0, 0)


@pytest.mark.parametrize("args", [
    ["balances", "--start", "2024-02-30"], ["entries", "--end", "30/06/2024"],
    ["verify", "layer-balances", str(LAYER_BALANCES), "--start", "Q1"],
])
def test_a_bad_bound_touches_no_database(args: list[str], run: Run, db: str) -> None:
    assert_refused(run(*args), "invalid_date", args[-2])
    assert not Path(db.removeprefix("sqlite:///")).exists()


def test_a_bad_tag_touches_no_database(run: Run, db: str) -> None:
    assert_refused(run("entries", "--tag", "no-equals-sign"), "invalid_filter", "--tag")
    assert not Path(db.removeprefix("sqlite:///")).exists()


@pytest.mark.parametrize("args", [
    ["balances", "--format", "xml"], ["balances", "--basis", "modified"],
    ["import", "layer-entries", "/no/such/file.json"], ["import", "bank-statements", "x"],
    ["verify", "alpaca-jit-balances"], ["entries", "--format", "csv"],
])
def test_usage_errors_exit_2(args: list[str], run: Run) -> None:
    outcome = run(*args)
    assert outcome.exit_code == 2 and outcome.stdout == ""
    assert outcome.stderr and "Traceback" not in outcome.stderr


@pytest.mark.parametrize(("args", "where"), [
    (["journals", "list", "--entry-type", "JNLX"], "--entry-type"),
    (["balances", "--basis", "modified"], "--basis"),
    (["balances", "--no-such-option"], "--no-such-option"),
    (["verify", "alpaca-jit-balances"], "ledgercore verify alpaca-jit-balances --help"),
    (["import", "bank-statements", "x"], "bank-statements"),
    # The top-level command's own options are parsed before any command runs.
    (["--no-such-option", "balances"], "ledgercore --help"),
    (["--format", "json", "balances"], "--format"),
    (["--ledger"], "--ledger"),
])
def test_a_command_line_that_cannot_be_parsed_is_one_coded_paragraph(
        args: list[str], where: str, run: Run, db: str) -> None:
    """A subcommand's usage error is the documented paragraph ending in [usage], naming
    the option and the --help to read, and nothing is created."""
    assert_refused(run(*args), "usage", where)
    assert not Path(db.removeprefix("sqlite:///")).exists()
