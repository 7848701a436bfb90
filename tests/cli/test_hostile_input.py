"""Hostile input: huge and exotic numbers, bad text, far dates, odd files and databases.

Each case the reliability review found crashing (a traceback, or exit 1) must exit 2 with
the documented one-paragraph ``error: ... [code]`` message and write nothing. Where the
engine matters (an id PostgreSQL's column cannot hold, a NUL character), the case runs on
SQLite and PostgreSQL and both must give the same answer.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest

from ledgercore.domain import MAX_AMOUNT
from ledgercore.providers.documents import MAX_DOCUMENT_BYTES
from ledgercore.store import Ledger
from tests.integration.conftest import fresh_pg_database, pg_url, unique_name  # noqa: F401 (fixtures)

from .conftest import (
    ALPACA_JIT,
    ALPACA_JOURNALS,
    LAYER_BALANCES,
    LAYER_ENTRIES,
    Outcome,
    Run,
    assert_refused,
    counts,
    load,
    run_on,
)

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(params=["sqlite", "postgresql"])
def books(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """(database URL, ledger name) on each engine, the Layer chart already imported."""
    if request.param == "sqlite":
        url, ledger = f"sqlite:///{tmp_path / 'books.db'}", "default"
    else:
        url, ledger = str(request.getfixturevalue("pg_url")), unique_name()
    outcome = run_on(url)("--ledger", ledger, "import", "layer-balances", LAYER_BALANCES)
    assert outcome.exit_code == 0, outcome.stderr
    return url, ledger


def on(books: tuple[str, str]) -> Run:
    url, ledger = books
    bound = run_on(url)

    def run(*args: str | Path) -> Outcome:
        return bound("--ledger", ledger, *args)

    return run


def _entries_text(change: Callable[[dict[str, Any]], None]) -> str:
    document = deepcopy(load(LAYER_ENTRIES))
    change(document["data"][0])
    return json.dumps(document)


def _with_amount(literal: str) -> str:
    """The Layer entries example with its first line's amount written as `literal`."""
    marker = 987654321
    text = _entries_text(lambda e: e["line_items"][0].update(amount=marker))
    return text.replace(str(marker), literal, 1)


# -- amounts ----------------------------------------------------------------------------

AMOUNTS = {
    "max-plus-one": str(MAX_AMOUNT + 1),
    "2^63-1": str(2**63 - 1),
    "2^63": str(2**63),
    "10^30": str(10**30),
    "10^5000": "1" + "0" * 5000,
    "1e400": "1e400",
    "-1e400": "-1e400",
    "huge-fraction": "1." + "5" * 400,
}


@pytest.mark.parametrize("name", list(AMOUNTS))
def test_a_layer_amount_past_the_limit_is_refused(name: str, books: tuple[str, str],
                                                  tmp_path: Path) -> None:
    bad = tmp_path / f"{name}.json"
    bad.write_text(_with_amount(AMOUNTS[name]))
    before = counts(*books)
    outcome = on(books)("import", "layer-entries", bad)
    code = "invalid_payload" if name in ("1e400", "-1e400", "huge-fraction") else \
        "invalid_amount"
    assert_refused(outcome, code, bad.name, "$.data[0].line_items[0].amount")
    assert counts(*books) == before


def test_the_reported_overflow_is_refused_and_balances_stay_exact(books: tuple[str, str],
                                                                  tmp_path: Path) -> None:
    """2^63 - 1 per line added to an existing balance: refused, nothing written, exact."""
    run = on(books)
    assert run("import", "layer-entries", LAYER_ENTRIES).exit_code == 0
    before = run("balances", "--format", "json").json()
    document = deepcopy(load(LAYER_ENTRIES))
    entry = document["data"][0]
    entry["id"] = "huge"
    for index, line in enumerate(entry["line_items"]):
        line.update(id=f"huge-{index}", entry_id="huge", amount=2**63 - 1)
    document["data"] = [entry]
    bad = tmp_path / "huge.json"
    bad.write_text(json.dumps(document))
    assert_refused(run("import", "layer-entries", bad), "invalid_amount",
                   "$.data[0].line_items[0].amount")
    assert run("balances", "--format", "json").json() == before


@pytest.mark.parametrize("literal", ['"92233720368547758.08"', '"1e400"', "1e400",
                                     '"' + "9" * 5000 + '"', "9" * 5000, "1" + "0" * 30,
                                     '"-0.01"'])
def test_an_alpaca_amount_past_the_limit_is_refused(literal: str, books: tuple[str, str],
                                                    tmp_path: Path) -> None:
    text = json.dumps(load(ALPACA_JOURNALS)).replace('"1000"', literal, 1)
    assert literal in text
    bad = tmp_path / "journals.json"
    bad.write_text(text)
    before = counts(*books)
    assert_refused(on(books)("import", "alpaca-journals", bad), "invalid_amount",
                   "journals.json", "$[0].net_amount")
    assert counts(*books) == before


def test_a_jit_amount_past_the_limit_is_refused(books: tuple[str, str],
                                                tmp_path: Path) -> None:
    document = load(ALPACA_JIT)
    document[0]["transactions"][0]["amount"] = str(2**63)
    bad = tmp_path / "jit.json"
    bad.write_text(json.dumps(document))
    before = counts(*books)
    assert_refused(on(books)("import", "alpaca-jit-balances", bad), "invalid_amount",
                   "$[0].transactions[0].amount")
    assert counts(*books) == before


@pytest.mark.parametrize("kind", ["layer-entries", "alpaca-journals"])
def test_a_50_mb_digit_run_is_refused(kind: str, run: Run, db: str, tmp_path: Path) -> None:
    digits = "7" * (50 << 20)
    if kind == "layer-entries":
        text = _with_amount(digits)
    else:
        text = json.dumps(load(ALPACA_JOURNALS)).replace('"1000"', digits, 1)
    bad = tmp_path / "digits.json"
    bad.write_text(text)
    del text, digits
    outcome = run("import", kind, bad, "--quiet")
    assert_refused(outcome, "invalid_amount", "digits.json")
    assert len(outcome.stderr) < 2000  # the number is not echoed back
    assert counts(db) == (0, 0)


# -- text -------------------------------------------------------------------------------

def _escaped(field: str, escape: str) -> str:
    """The entries example with `field` of the first entry set to a JSON escape."""
    text = _entries_text(lambda e: e.update({field: "MARKER"}))
    return text.replace('"MARKER"', f'"{escape}"', 1)


@pytest.mark.parametrize(("field", "escape", "code"), [
    ("memo", "\\ud800", "invalid_entry"),
    ("memo", "before \\udfff after", "invalid_entry"),
    ("id", "\\ud800", "invalid_entry"),
    ("id", "a\\u0000b", "invalid_entry"),
    ("memo", "a\\u0000b", "invalid_entry"),
    ("id", "x" * 201, "invalid_entry"),
    ("entry_type", "T" * 65, "invalid_entry"),
    ("reversal_of_id", "r" * 201, "invalid_entry"),
])
def test_text_no_database_can_hold_is_refused_on_both_engines(
        field: str, escape: str, code: str, books: tuple[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "text.json"
    bad.write_text(_escaped(field, escape))
    before = counts(*books)
    assert_refused(on(books)("import", "layer-entries", bad), code, f"$.data[0].{field}")
    assert counts(*books) == before


def test_a_surrogate_pair_is_text_and_is_kept(books: tuple[str, str],
                                              tmp_path: Path) -> None:
    good = tmp_path / "emoji.json"
    good.write_text(_escaped("memo", "rent \\ud83c\\udfe0"))
    assert on(books)("import", "layer-entries", good).exit_code == 0
    shown = on(books)("entries", "--format", "json").json()
    assert "rent \U0001f3e0" in [entry.get("memo") for entry in shown]


@pytest.mark.parametrize("where", ["line-id", "account-id", "tag", "customer"])
def test_long_or_nul_text_deeper_in_an_entry_is_refused(where: str, books: tuple[str, str],
                                                       tmp_path: Path) -> None:
    def change(entry: dict[str, Any]) -> None:
        if where == "line-id":
            entry["line_items"][0]["id"] = "L" * 201
        elif where == "account-id":
            entry["line_items"][0]["account"]["id"]["id"] = "a\x00b"
        elif where == "tag":
            entry["tags"] = [{"key": "k" * 201, "value": "v"}]
        else:
            entry["customer"] = {"id": "c\x00"}

    bad = tmp_path / "deep.json"
    bad.write_text(_entries_text(change))
    before = counts(*books)
    outcome = on(books)("import", "layer-entries", bad)
    assert outcome.exit_code == 2 and outcome.code in ("invalid_entry", "invalid_account"), \
        outcome.stderr
    assert_refused(outcome, outcome.code, "$.data[0]")
    assert counts(*books) == before


def test_a_ledger_name_no_database_can_hold_is_refused(books: tuple[str, str]) -> None:
    url, _ = books
    for name in ("n" * 201, "a\x00b", "\ud800"):
        assert_refused(run_on(url)("--ledger", name, "balances"), "invalid_ledger",
                       "ledger name")


# -- dates ------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "code"), [
    ("9999-12-31T23:59:59-14:00", "invalid_date"),
    ("0001-01-01T00:00:00+14:00", "invalid_date"),
    (1_700_000_000, "invalid_date"),
    (1.5, "invalid_date"),
    (True, "invalid_date"),
])
def test_an_entry_at_the_store_cannot_hold_is_refused(value: Any, code: str,
                                                      books: tuple[str, str],
                                                      tmp_path: Path) -> None:
    bad = tmp_path / "date.json"
    bad.write_text(_entries_text(lambda e: e.update(entry_at=value)))
    before = counts(*books)
    assert_refused(on(books)("import", "layer-entries", bad), code, "$.data[0].entry_at")
    assert counts(*books) == before


def test_a_journal_date_given_as_a_number_is_refused(run: Run, db: str,
                                                     tmp_path: Path) -> None:
    document = load(ALPACA_JOURNALS)
    document[0]["settle_date"] = document[0]["system_date"] = 20240603
    bad = tmp_path / "journals.json"
    bad.write_text(json.dumps(document))
    assert_refused(run("import", "alpaca-journals", bad), "invalid_date", "$[0]")
    assert counts(db) == (0, 0)


@pytest.mark.parametrize("args", [
    ["--end", "9999-12-31", "--end-inclusive"],
    ["--end", "9999-12-31T23:59:59.999999Z", "--end-inclusive"],
    ["--end", "9999-12-31T23:59:59-14:00"],
    ["--start", "0001-01-01T00:00:00+14:00"],
    ["--start", "0001-01-01"],
])
@pytest.mark.parametrize("command", ["balances", "entries"])
def test_a_bound_past_the_ends_of_time_is_refused(command: str, args: list[str],
                                                  layer_db: str) -> None:
    outcome = run_on(layer_db)(command, *args)
    if args == ["--start", "0001-01-01"]:
        # Midnight UTC of the first day is a representable instant: a plain answer.
        assert outcome.exit_code == 0, outcome.stderr
        return
    assert_refused(outcome, "invalid_date", args[0])


def test_far_but_storable_bounds_answer(layer_db: str) -> None:
    outcome = run_on(layer_db)("balances", "--start", "0001-01-01T00:00:00Z", "--end",
                               "9999-12-30", "--end-inclusive", "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-02", "9999-12-31", "9999-12-30"])
@pytest.mark.parametrize("kind", ["alpaca-journals", "alpaca-jit-balances"])
def test_an_alpaca_date_at_the_ends_of_time_is_refused(kind: str, day: str, run: Run,
                                                       db: str, tmp_path: Path) -> None:
    document = load(KINDS_FILES[kind])
    if kind == "alpaca-journals":
        document[0]["settle_date"] = document[0]["system_date"] = day
        where = "$[0]"
    else:
        document[0]["transactions"][0]["system_date"] = day
        where = "$[0].transactions[0].system_date"
    bad = tmp_path / "far.json"
    bad.write_text(json.dumps(document))
    assert_refused(run("import", kind, bad), "invalid_date", where)
    assert counts(db) == (0, 0)
    if kind == "alpaca-jit-balances":
        assert_refused(run("verify", kind, bad), "invalid_date", where)


KINDS_FILES = {"alpaca-journals": ALPACA_JOURNALS, "alpaca-jit-balances": ALPACA_JIT}


# -- databases --------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["mysql://user@localhost/books", "oracle://x@y/z",
                                 "sqlite+nosuchdriver:///x.db", "nonsense"])
def test_a_database_ledgercore_does_not_support_is_refused(url: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           ) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (["balances"], ["import", "layer-balances", str(LAYER_BALANCES)],
                 ["db", "upgrade"]):
        outcome = run_on(url)(*args)
        assert_refused(outcome, "invalid_database_url", "--db")
    assert list(tmp_path.iterdir()) == []


def _imported(path: Path) -> str:
    url = f"sqlite:///{path}"
    assert run_on(url)("import", "layer-balances", LAYER_BALANCES).exit_code == 0
    return url


def test_an_import_into_a_read_only_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "books.db"
    _imported(path)
    before = counts(f"sqlite:///{path}")
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    outcome = run_on(read_only)("import", "layer-entries", LAYER_ENTRIES)
    assert_refused(outcome, "read_only_database", "read-only")
    assert counts(f"sqlite:///{path}") == before
    # reading a read-only database still works
    assert run_on(read_only)("balances", "--format", "json").exit_code == 0


@pytest.mark.skipif(ROOT_USER, reason="root writes to a file whatever its mode")
def test_an_import_into_a_read_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "books.db"
    url = _imported(path)
    before = counts(url)
    path.chmod(0o444)
    try:
        outcome = run_on(url)("import", "layer-entries", LAYER_ENTRIES)
    finally:
        path.chmod(0o644)
    assert_refused(outcome, "read_only_database", "read-only")
    assert counts(url) == before


def test_a_database_made_by_a_newer_ledgercore_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "books.db"
    url = _imported(path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    for args in (["balances"], ["import", "layer-entries", str(LAYER_ENTRIES)],
                 ["db", "upgrade"], ["db", "downgrade", "--revision", "0001"]):
        assert_refused(run_on(url)(*args), "schema_too_new", "newer ledgercore")
    current = run_on(url)("db", "current")  # says where the database is, and why
    assert current.exit_code == 0 and "0099" in current.stdout
    assert "newer ledgercore" in current.stdout
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM journal_entries").fetchone() == (0,)


# -- files ------------------------------------------------------------------------------

@pytest.mark.parametrize("what", ["missing", "directory", "unreadable"])
@pytest.mark.parametrize("command", [["import", "layer-entries"],
                                     ["import", "alpaca-journals"],
                                     ["verify", "alpaca-jit-balances"],
                                     ["verify", "layer-balances"]])
def test_a_file_that_cannot_be_read_is_one_paragraph(what: str, command: list[str], run: Run,
                                                     db: str, tmp_path: Path) -> None:
    if what == "missing":
        target = tmp_path / "nowhere.json"
    elif what == "directory":
        target = tmp_path / "folder.json"
        target.mkdir()
    else:
        if ROOT_USER:
            pytest.skip("root reads a file whatever its mode")
        target = tmp_path / "secret.json"
        target.write_text(LAYER_ENTRIES.read_text())
        target.chmod(0)
    outcome = run(*command, target)
    assert_refused(outcome, "unreadable_file", target.name)
    assert outcome.stdout == ""


def test_a_good_file_after_a_missing_one_is_not_imported(run: Run, db: str,
                                                         tmp_path: Path) -> None:
    """The files are checked before the database is touched."""
    outcome = run("import", "layer-balances", LAYER_BALANCES, tmp_path / "missing.json")
    assert_refused(outcome, "unreadable_file", "missing.json")
    assert not Path(db.removeprefix("sqlite:///")).exists()


@pytest.mark.parametrize("kind", ["alpaca-journals", "alpaca-jit-balances", "layer-balances",
                                  "layer-entries"])
def test_an_endless_payload_stops_at_the_size_limit(kind: str, run: Run, db: str) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    outcome = run("import", kind, "/dev/zero")
    assert outcome.exit_code == 2, outcome.stderr
    assert outcome.code in ("payload_too_large", "invalid_json"), outcome.stderr
    assert_refused(outcome, outcome.code, "zero")
    assert counts(db) == (0, 0)


def test_a_document_past_the_size_limit_is_refused(run: Run, db: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import ledgercore.providers.documents as documents

    monkeypatch.setattr(documents, "MAX_DOCUMENT_BYTES", 1000)
    outcome = run("import", "alpaca-journals", ALPACA_JOURNALS)
    assert_refused(outcome, "payload_too_large", ALPACA_JOURNALS.name)
    assert counts(db) == (0, 0)
    assert MAX_DOCUMENT_BYTES >= 64 << 20


# -- provider shapes --------------------------------------------------------------------

def test_a_jit_ledger_without_transactions_that_moved_is_refused(run: Run, db: str,
                                                                 tmp_path: Path) -> None:
    document = load(ALPACA_JIT)
    del document[0]["transactions"]
    assert document[0]["starting_balance"] != document[0]["ending_balance"]
    bad = tmp_path / "jit.json"
    bad.write_text(json.dumps(document))
    assert_refused(run("import", "alpaca-jit-balances", bad), "invalid_payload", "$[0]")
    assert counts(db) == (0, 0)


def test_a_jit_ledger_without_transactions_that_did_not_move_is_accepted(
        run: Run, tmp_path: Path) -> None:
    document = load(ALPACA_JIT)
    del document[0]["transactions"]
    document[0]["ending_balance"] = document[0]["starting_balance"]
    document[0].pop("activity_amount", None)
    good = tmp_path / "jit.json"
    good.write_text(json.dumps(document[:1]))
    # With the window it was asked for, its opening is placed at the window's start
    # (docs/providers.md, "Data over time")...
    done = run("import", "alpaca-jit-balances", good, "--start", "2024-01-02", "--end",
               "2024-01-05")
    assert done.exit_code == 0, done.stderr
    # ...without it the opening has no date: refused, naming the option that gives it.
    assert_refused(run("import", "alpaca-jit-balances", tmp_path / "jit.json"),
                   "invalid_period", "--start")


def test_entries_as_json_on_a_ledger_of_several_commodities(alpaca_db: str) -> None:
    outcome = run_on(alpaca_db)("entries", "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    shown = outcome.json()
    codes = {line["commodity"] for entry in shown for line in entry["line_items"]}
    assert {"USD", "AAPL"} <= codes


# -- crashes and sums past 64 bits ------------------------------------------------------

def test_an_unexpected_exception_exits_3_not_1(run: Run, db: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Exit 1 means "verify found discrepancies": a bug must never say that."""
    import ledgercore.reports as reports

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    Ledger.open(db).close()  # a read command needs the books to exist
    monkeypatch.setattr(reports, "balance_rows", broken)
    outcome = run("balances")
    assert outcome.exit_code == 3
    assert "RuntimeError: a bug" in outcome.stderr and "internal error" in outcome.stderr


def test_a_real_process_that_crashes_exits_3(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = ("import ledgercore.reports as r\n"
              "def broken(*a, **k):\n    raise RuntimeError('a bug')\n"
              "r.balance_rows = broken\n"
              "from ledgercore.cli import app\n"
              "app(prog_name='ledgercore')\n")
    Ledger.open(f"sqlite:///{tmp_path / 'b.db'}").close()  # a read command needs the books
    done = subprocess.run([sys.executable, "-c", script, "--db",
                           f"sqlite:///{tmp_path / 'b.db'}", "balances"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 3, done.stderr
    assert "RuntimeError: a bug" in done.stderr


def test_a_report_sum_past_64_bits_is_exact_or_refused(books: tuple[str, str]) -> None:
    """Years of maximal totals: balances add them exactly on both engines; a report that
    adds raw lines past 2^63 - 1 is exact on PostgreSQL and refused on SQLite."""
    from datetime import UTC, datetime

    from ledgercore.domain import (
        MAX_ENTRY_AMOUNT,
        MAX_TOTAL,
        USD,
        Account,
        AccountType,
        Direction,
        JournalEntry,
        LineItem,
    )
    from ledgercore.store import Ledger

    url, ledger = books
    lines = MAX_ENTRY_AMOUNT // MAX_AMOUNT
    entries = []
    for year in (2020, 2021, 2022):
        for number in range(MAX_TOTAL // MAX_ENTRY_AMOUNT):
            items = [LineItem("big-cash", USD, MAX_AMOUNT, Direction.DEBIT)] * lines
            items += [LineItem("big-equity", USD, MAX_AMOUNT, Direction.CREDIT)] * lines
            entries.append(JournalEntry(f"big-{year}-{number}",
                                        datetime(year, 6, 1, tzinfo=UTC), tuple(items),
                                        tags=(("size", "big"),)))
    with Ledger.open(url, ledger=ledger) as book:
        book.define_accounts([Account("big-cash", "Big cash", AccountType.ASSET),
                              Account("big-equity", "Big equity", AccountType.EQUITY)])
        book.post(entries)
    # The kept totals add up exactly on both engines (SQLite: in Python once its sum()
    # refuses).
    outcome = on(books)("balances", "--format", "json")
    assert outcome.exit_code == 0, outcome.stderr
    rows = {row["account_id"]: row for row in outcome.json()}
    assert rows["big-cash"]["ending"] == 3 * MAX_TOTAL > 2**63
    # A filtered report adds raw lines: PostgreSQL exactly, SQLite refuses, never rounds.
    filtered = on(books)("balances", "--format", "json", "--tag", "size=big")
    if url.startswith("sqlite"):
        assert_refused(filtered, "total_limit", "2^63 - 1")
    else:
        assert filtered.exit_code == 0, filtered.stderr
        rows = {row["account_id"]: row for row in filtered.json()}
        assert rows["big-cash"]["ending"] == 3 * MAX_TOTAL
