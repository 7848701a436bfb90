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


def said(outcome: Any) -> str:
    """What a command printed, as one line (the terminal may wrap it)."""
    return " ".join((outcome.stdout + outcome.stderr).split())


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


# -- 3. Alpaca journals over time --------------------------------------------------------

FIRM, CUSTOMER = "firm-0001", "cust-0001"


def journal(tmp_path: Path, name: str, status: str, **fields: Any) -> Path:
    """A one-journal response: 12.50 from the firm to a customer, settled 2024-06-03."""
    body = {"id": "jnl-1", "entry_type": "JNLC", "from_account": FIRM, "to_account": CUSTOMER,
            "status": status, "settle_date": "2024-06-03", "system_date": "2024-06-03",
            "net_amount": "12.5", **fields}
    path = tmp_path / name
    path.write_text(json.dumps([body]))
    return path


def customer_by_day(url: str) -> list[int]:
    """The customer's USD balance before each day of June 2024 (0 if none)."""
    out = []
    with Ledger.open(url) as book:
        for day in range(1, 31):
            own = book.balances(book.period(None, date(2024, 6, day))).get(CUSTOMER, {})
            out.append(own["USD"].ending if "USD" in own else 0)
    return out


def test_an_executed_journal_canceled_later_is_reversed_when_seen(tmp_path: Path) -> None:
    executed = journal(tmp_path, "executed.json", "executed")
    canceled = journal(tmp_path, "canceled.json", "canceled")
    seen = {executed: "2024-06-03", canceled: "2024-06-10"}
    outcomes = []
    for number, order in enumerate(((executed, canceled), (canceled, executed),
                                    (canceled, executed, canceled, executed))):
        url = sqlite_url(tmp_path / f"{number}.db")
        run = run_on(url)
        for path in order:
            outcome = run("import", "alpaca-journals", path, "--seen-at", seen[path])
            ok(outcome)
        outcomes.append(customer_by_day(url))
        with Ledger.open(url) as book:
            assert book.get_entry("jnl-1").reversal_id == "jnl-1:canceled"
            assert book.get_entry("jnl-1:canceled").entry_at.date() == date(2024, 6, 10)
            assert [s for s, _ in book.journal_statuses(["jnl-1"])["jnl-1"]] == [
                "executed", "canceled"]
    assert outcomes[0] == outcomes[1] == outcomes[2]
    # Before June 3 nothing, from June 3 (settled) 12.50, from June 10 (canceled) nothing.
    assert outcomes[0][2] == 0 and outcomes[0][3] == outcomes[0][9] == 1250
    assert outcomes[0][10] == 0


def test_the_summary_names_a_reversal(run: Run, tmp_path: Path) -> None:
    ok(run("import", "alpaca-journals", journal(tmp_path, "e.json", "executed"),
           "--seen-at", "2024-06-03"))
    outcome = run("import", "alpaca-journals", journal(tmp_path, "d.json", "deleted"),
                  "--seen-at", "2024-06-04")
    ok(outcome)
    assert "reversed (jnl-1)" in said(outcome) and "1 entries posted" in said(outcome)


def test_pending_then_executed_posts_once(run: Run, db: str, tmp_path: Path) -> None:
    ok(run("import", "alpaca-journals", journal(tmp_path, "p.json", "pending"),
           "--seen-at", "2024-06-02"))
    with Ledger.open(db) as book:
        assert book.balances() == {}
    ok(run("import", "alpaca-journals", journal(tmp_path, "e.json", "executed"),
           "--seen-at", "2024-06-03"))
    assert customer_by_day(db)[3] == 1250


def test_a_forbidden_transition_is_reported_not_applied(run: Run, db: str,
                                                       tmp_path: Path) -> None:
    ok(run("import", "alpaca-journals", journal(tmp_path, "c.json", "canceled"),
           "--seen-at", "2024-06-02"))
    outcome = run("import", "alpaca-journals", journal(tmp_path, "e.json", "executed"),
                  "--seen-at", "2024-06-05")
    ok(outcome)
    assert "canceled -> executed" in said(outcome) and "not applied" in said(outcome)
    with Ledger.open(db) as book:
        assert book.balances() == {}
        assert len(book.journal_statuses(["jnl-1"])["jnl-1"]) == 2  # both seen, kept


def test_executed_back_to_pending_is_reported(run: Run, db: str, tmp_path: Path) -> None:
    ok(run("import", "alpaca-journals", journal(tmp_path, "e.json", "executed"),
           "--seen-at", "2024-06-03"))
    before = customer_by_day(db)
    outcome = run("import", "alpaca-journals", journal(tmp_path, "p.json", "pending"),
                  "--seen-at", "2024-06-04")
    ok(outcome)
    assert "executed -> pending" in said(outcome)
    assert customer_by_day(db) == before


def test_a_post_request_body_is_refused(run: Run, db: str, tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    request.write_text(json.dumps({
        "from_account": FIRM, "entry_type": "JNLC", "to_account": CUSTOMER, "amount": "51",
        "description": "test text /fixtures/status=rejected/fixtures/"}))
    outcome = run("import", "alpaca-journals", request)
    assert_refused(outcome, "wrong_payload_kind", "request body")
    assert "ledgercore import request" not in outcome.stderr  # no such command to suggest
    with Ledger.open(db) as book:
        assert len(book.chart()) == 0


def test_a_journals_currency_sets_its_commodity_and_scale(run: Run, db: str,
                                                          tmp_path: Path) -> None:
    yen = journal(tmp_path, "yen.json", "executed", net_amount="1500", currency="JPY")
    ok(run("import", "alpaca-journals", yen))
    with Ledger.open(db) as book:
        assert book.balances()[CUSTOMER]["JPY"].ending == 1500
        assert {c.code: c.scale for c in book.commodities()} == {"JPY": 0}
    bad = journal(tmp_path, "bad.json", "executed", id="jnl-9", net_amount="10.5",
                  currency="JPY")
    assert_refused(run("import", "alpaca-journals", bad), "invalid_amount", "net_amount")
    odd = journal(tmp_path, "odd.json", "executed", id="jnl-8", currency="dollars")
    assert_refused(run("import", "alpaca-journals", odd), "invalid_commodity", "currency")


def test_a_securities_journal_keeps_its_price(run: Run, db: str, tmp_path: Path) -> None:
    shares = journal(tmp_path, "s.json", "executed", entry_type="JNLS", symbol="AAPL",
                     qty="2", price="128.23", net_amount=None)
    ok(run("import", "alpaca-journals", shares))
    with Ledger.open(db) as book:
        entry = book.get_entry("jnl-1")
        assert entry.tag_values("price") == frozenset({"128.23"})


# -- 4. every real response shape ---------------------------------------------------------

def _without_figures(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: (_without_figures(v) if k == "sub_accounts" else v) for k, v in n.items()
             if k not in ("balance", "entries")} for n in nodes]


def test_a_single_entry_response_is_imported(run: Run, db: str, tmp_path: Path) -> None:
    entries = json.loads(LAYER_ENTRIES.read_text())["data"]
    single = tmp_path / "one.json"
    single.write_text(json.dumps({"data": entries[0]}))
    ok(run("import", "layer-balances", LAYER_BALANCES))
    outcome = run("import", "layer-entries", single)
    ok(outcome)
    assert "1 entries posted" in said(outcome)
    again = run("import", "layer-entries", LAYER_ENTRIES)
    assert f"{len(entries) - 1} entries posted, 1 already present" in said(again)


def test_the_openapi_balances_shape_and_the_chart_of_accounts(tmp_path: Path) -> None:
    document = json.loads(LAYER_BALANCES.read_text())
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps({"accounts": document["data"]["accounts"]}))
    chart = tmp_path / "chart.json"
    chart.write_text(json.dumps({"data": {"type": "Chart_Of_Accounts", "accounts":
                                          _without_figures(document["data"]["accounts"])}}))
    urls = []
    for number, (kind, path) in enumerate((("layer-balances", LAYER_BALANCES),
                                           ("layer-balances", bare), ("layer-chart", chart))):
        url = sqlite_url(tmp_path / f"{number}.db")
        urls.append(url)
        ok(run_on(url)("import", kind, path))
        ok(run_on(url)("import", "layer-entries", LAYER_ENTRIES, "--quiet"))
    assert books(urls[0]) == books(urls[1]) == books(urls[2])
    verified = run_on(urls[0])("verify", "layer-balances", bare, "--start", "2024-01-01",
                               "--end", "2024-04-01")
    ok(verified)
    wrong = run_on(urls[0])("import", "layer-chart", LAYER_ENTRIES)
    assert_refused(wrong, "wrong_payload_kind", "layer-entries")


def test_provider_error_responses_are_named_with_their_description_and_code(
        run: Run, db: str, tmp_path: Path) -> None:
    layer = tmp_path / "layer_error.json"
    layer.write_text(json.dumps({"type": "ResourceNotFound", "description": "Business not found",
                                 "error_enum": "BUSINESS_NOT_FOUND", "meta": None}))
    alpaca = tmp_path / "alpaca_error.json"
    alpaca.write_text(json.dumps({"code": 40410000, "message": "journal not found"}))
    for args in (("import", "layer-entries", layer), ("import", "layer-balances", layer),
                 ("import", "layer-chart", layer),
                 ("verify", "layer-balances", layer)):
        assert_refused(run(*args), "provider_error", "Layer's error response",
                       "Business not found", "BUSINESS_NOT_FOUND")
    for args in (("import", "alpaca-journals", alpaca),
                 ("import", "alpaca-jit-balances", alpaca)):
        assert_refused(run(*args), "provider_error", "Alpaca's error response",
                       "journal not found", "40410000")
    with Ledger.open(db) as book:
        assert len(book.chart()) == 0


# -- 5. verify parity ---------------------------------------------------------------------

CUSTOMER_ID = "c9c8c4a1-e0d9-5298-bc89-9a4dd78e2f6c"
AR = "029fbf2f-d7f4-533a-b3c5-43d2a97e794c"
Q1 = ("--start", "2024-01-01", "--end", "2024-04-01")


def _strip_entries(nodes: list[dict[str, Any]]) -> None:
    for node in nodes:
        node.pop("entries", None)
        _strip_entries(node.get("sub_accounts", []))


def test_omitted_entries_are_a_note_not_a_failure(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "b.db")
    run = run_on(url)
    ok(run("import", "layer-balances", LAYER_BALANCES))
    ok(run("import", "layer-entries", LAYER_ENTRIES, "--quiet"))
    omitted = altered(LAYER_BALANCES, tmp_path / "omitted.json",
                      lambda d: _strip_entries(d["data"]["accounts"]))
    outcome = run("verify", "layer-balances", omitted, *Q1)
    ok(outcome)
    assert "entries omitted" in said(outcome)
    # A wrong figure is still found against the ledger.
    wrong = altered(omitted, tmp_path / "wrong.json",
                    lambda d: _node(d, CHECKING).update(balance=_node(d, CHECKING)["balance"] + 1))
    assert run("verify", "layer-balances", wrong, *Q1).exit_code == 1


def test_verify_applies_the_responses_own_filters(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "b.db")
    run = run_on(url)
    ok(run("import", "layer-balances", LAYER_BALANCES))
    ok(run("import", "layer-entries", LAYER_ENTRIES, "--quiet"))
    filters = {"customer": ("--customer", CUSTOMER_ID),
               "tag": ("--tag", "department=operations"),
               "cash": ("--basis", "cash", "--customer", CUSTOMER_ID)}
    for name, options in filters.items():
        figures = run("balances", *Q1, *options, "--format", "layer")
        ok(figures)
        path = tmp_path / f"{name}.json"
        path.write_text(figures.stdout)
        ok(run("verify", "layer-balances", path, *Q1, *options))
        assert run("verify", "layer-balances", path, *Q1).exit_code == 1, name


def test_a_counterpartys_external_id_is_kept_and_filters(run: Run, db: str,
                                                        tmp_path: Path) -> None:
    def external(document: Any) -> None:
        for entry in document["data"]:
            if entry.get("customer"):
                entry["customer"]["external_id"] = "crm-42"

    entries = altered(LAYER_ENTRIES, tmp_path / "external.json", external)
    ok(run("import", "layer-balances", LAYER_BALANCES))
    ok(run("import", "layer-entries", entries))
    by_id = run("balances", *Q1, "--customer", CUSTOMER_ID, "--format", "json")
    by_external = run("balances", *Q1, "--tag", "customer_external_id=crm-42",
                      "--format", "json")
    ok(by_id)
    assert by_id.json() == by_external.json()
    assert any(row["activity"] not in ("0", "0.00", 0) for row in by_id.json())


def test_a_line_items_account_without_stable_name_matches_the_chart(
        run: Run, db: str, tmp_path: Path) -> None:
    def drop_stable_names(document: Any) -> None:
        for entry in document["data"]:
            for item in entry["line_items"]:
                if item["account"]["id"]["id"] == AR:
                    item["account"]["stable_name"] = None

    def liability(document: Any) -> None:
        for entry in document["data"]:
            for item in entry["line_items"]:
                if item["account"]["id"]["id"] == AR:
                    item["account"]["account_type"] = {"value": "LIABILITY"}

    ok(run("import", "layer-balances", LAYER_BALANCES))
    ok(run("import", "layer-entries",
           altered(LAYER_ENTRIES, tmp_path / "nameless.json", drop_stable_names)))
    before = books(db)
    outcome = run("import", "layer-entries",
                  altered(LAYER_ENTRIES, tmp_path / "liability.json", liability))
    assert_refused(outcome, "invalid_account", AR, "type LIABILITY", "account_type")
    assert books(db) == before


# -- 6. false reversals -------------------------------------------------------------------

def test_a_payloads_false_reversal_is_booked_and_named(run: Run, db: str,
                                                      tmp_path: Path) -> None:
    original = json.loads(LAYER_ENTRIES.read_text())["data"][0]
    false = {**original, "id": "false-reversal", "reversal_of_id": original["id"],
             "line_items": [{**item, "id": None, "amount": item["amount"] * 2,
                             "direction": "CREDIT" if item["direction"] == "DEBIT"
                             else "DEBIT"} for item in original["line_items"]]}
    reversal = tmp_path / "reversal.json"
    reversal.write_text(json.dumps({"data": [false]}))
    ok(run("import", "layer-balances", LAYER_BALANCES))
    ok(run("import", "layer-entries", LAYER_ENTRIES, "--quiet"))
    outcome = run("import", "layer-entries", reversal)
    ok(outcome)
    assert "do not mirror" in said(outcome) and "false-reversal" in said(outcome)
    with Ledger.open(db) as book:
        assert book.get_entry(original["id"]).reversal_id == "false-reversal"
        assert {f.account_id for f in book.false_reversals()} == {
            item["account"]["id"]["id"] for item in original["line_items"]}
    verified = run("verify", "layer-balances", LAYER_BALANCES, *Q1, "--format", "json")
    assert verified.exit_code == 1
    checks = {d["check"] for d in verified.json()["discrepancies"]}
    assert "reversal_mismatch" in checks


def test_a_changed_entry_is_refused_naming_the_field(run: Run, db: str, tmp_path: Path) -> None:
    ok(run("import", "layer-balances", LAYER_BALANCES))
    ok(run("import", "layer-entries", LAYER_ENTRIES, "--quiet"))
    before = books(db)
    moved = altered(LAYER_ENTRIES, tmp_path / "moved.json",
                    lambda d: d["data"][0].update(memo="another memo"))
    assert_refused(run("import", "layer-entries", moved), "conflict", "description differs")
    assert books(db) == before


def test_openings_posted_before_the_windows_table_keep_their_place(db: str, run: Run,
                                                                  tmp_path: Path) -> None:
    from ledgercore.store import migrate

    early = jit_window(tmp_path, "early.json", "100", [("2024-06-02", "1")])
    late = jit_window(tmp_path, "late.json", "100", [("2024-06-02", "1"),
                                                      ("2024-06-05", "2.5")])
    ok(run("import", "alpaca-jit-balances", early, "--start", "2024-06-01",
           "--end", "2024-06-03"))
    migrate.downgrade(db, "0004")  # as a ledger imported before windows were recorded
    migrate.upgrade(db)
    ok(run("import", "alpaca-jit-balances", late, "--start", "2024-06-02",
           "--end", "2024-06-06"))
    with Ledger.open(db) as book:
        assert book.balances()[LEDGER]["USD"].ending == 10350
