"""`ledgercore journals ...`, `accounts add` and `balances --available`: the CLI contract
of issue 16, exit codes and refusal codes included."""

from __future__ import annotations

from tests.cli.conftest import Run, assert_refused, counts


def _setup(run: Run) -> None:
    for args in (("firm", "--type", "ASSET", "--name", "Firm", "--floor", "none"),
                 ("c1", "--type", "ASSET", "--name", "Customer 1"),
                 ("c2", "--type", "ASSET", "--name", "Customer 2", "--floor", "0")):
        assert run("accounts", "add", *args).exit_code == 0
    funded = run("journals", "create", "--from", "firm", "--to", "c1", "--amount", "100",
                 "--format", "json")
    assert funded.exit_code == 0, funded.stderr


def test_create_prints_alpacas_journal_object(run: Run) -> None:
    _setup(run)
    made = run("journals", "create", "--from", "c1", "--to", "c2", "--amount", "40.5",
               "--description", "rent", "--format", "json").json()
    assert {k: made[k] for k in ("entry_type", "from_account", "to_account", "net_amount",
                                 "status", "description")} == {
        "entry_type": "JNLC", "from_account": "c1", "to_account": "c2", "net_amount": "40.5",
        "status": "executed", "description": "rent"}
    assert made["settle_date"] == made["system_date"] and made["id"]
    shares = run("journals", "create", "--from", "firm", "--to", "c1", "--symbol", "AAPL",
                 "--qty", "0.5", "--price", "128.23", "--format", "json").json()
    assert (shares["entry_type"], shares["symbol"], shares["qty"], shares["price"]) == (
        "JNLS", "AAPL", "0.5", "128.23")


def test_refusals_name_their_code_and_write_nothing(run: Run, db: str) -> None:
    _setup(run)
    before = counts(db)
    assert_refused(run("journals", "create", "--from", "c1", "--to", "c2", "--amount",
                       "100.01"), "insufficient_balance", "c1", "USD", "0.01")
    assert_refused(run("journals", "create", "--from", "c1", "--to", "c2", "--symbol", "AAPL",
                       "--qty", "1"), "insufficient_assets", "c1", "AAPL")
    assert_refused(run("journals", "create", "--from", "c1", "--to", "nobody", "--amount",
                       "1"), "not_found", "nobody")
    assert_refused(run("journals", "create", "--from", "c1", "--to", "c2", "--amount",
                       "1.001"), "invalid_request")
    assert_refused(run("journals", "create", "--from", "c1", "--to", "c2", "--amount", "-1"),
                   "invalid_request")
    assert_refused(run("journals", "create", "--from", "c1", "--to", "c2", "--amount",
                       "9" * 30), "invalid_request")
    assert_refused(run("journals", "create", "--from", "c1", "--to", "c2", "--amount", "1",
                       "--description", "x" * 1025), "invalid_request", "1024")
    assert_refused(run("journals", "create", "--from", "c1", "--to", "c2"), "invalid_request")
    assert counts(db) == before


def test_list_filters_newest_first_and_delete_only_pending(run: Run) -> None:
    _setup(run)
    held = run("journals", "create", "--from", "c1", "--to", "c2", "--amount", "30",
               "--pending", "--format", "json").json()
    done = run("journals", "create", "--from", "c1", "--to", "c2", "--amount", "5",
               "--format", "json").json()
    listed = run("journals", "list", "--format", "json").json()
    assert [j["id"] for j in listed][:2] == [done["id"], held["id"]]
    pending = run("journals", "list", "--status", "pending", "--format", "json").json()
    assert [j["id"] for j in pending] == [held["id"]]
    assert run("journals", "list", "--from-account", "c2", "--format", "json").json() == []
    assert run("journals", "list", "--entry-type", "JNLS", "--format", "json").json() == []
    assert len(run("journals", "list", "--to-account", "c2", "--after", "2000-01-01",
                   "--format", "json").json()) == 2
    assert run("journals", "list", "--before", "2000-01-01", "--format", "json").json() == []
    # The hold counts: 100 - 30 held - 5 executed leaves 65 available.
    rows = {r["account_id"]: r for r in run("balances", "--available", "--format",
                                             "json").json()}
    assert (rows["c1"]["ending"], rows["c1"]["available"]) == (9500, 6500)
    assert_refused(run("journals", "delete", done["id"]), "cannot_be_deleted")
    assert_refused(run("journals", "delete", "nope"), "not_found")
    assert run("journals", "delete", held["id"]).exit_code == 0
    rows = {r["account_id"]: r for r in run("balances", "--available", "--format",
                                             "json").json()}
    assert rows["c1"]["available"] == 9500
    assert "available" not in run("balances", "--format", "json").json()[0]


def test_a_negative_floor_is_written_as_it_reads(run: Run) -> None:
    """`accounts floor ID -500` sets a credit limit of 500 (not an unknown option -5)."""
    _setup(run)
    set_to = run("accounts", "floor", "c1", "-500")
    assert set_to.exit_code == 0 and "floor -500" in set_to.stdout
    assert_refused(run("accounts", "floor", "c1", "--bogus"), "invalid_request", "floor")
    # 100.00 in the account, a credit limit of 500.00: 600.00 may go, not a cent more.
    assert_refused(run("journals", "create", "--from", "c1", "--to", "c2", "--amount",
                       "600.01"), "insufficient_balance")
    assert run("journals", "create", "--from", "c1", "--to", "c2", "--amount",
               "600").exit_code == 0


def test_the_pending_limit_is_a_non_negative_amount(run: Run) -> None:
    _setup(run)
    for bad in ("-5", "1e99", "9" * 30):
        refused = run("journals", "policy", "--pending-above", bad)
        assert_refused(refused, "invalid_request", "pending_above")
    none = run("journals", "policy", "--pending-above", "none")
    assert none.exit_code == 0 and "no limit" in none.stdout
    zero = run("journals", "policy", "--pending-above", "0")
    assert zero.exit_code == 0 and "above 0 stay pending" in zero.stdout


def test_settle_and_sandbox_fixtures(run: Run) -> None:
    _setup(run)
    assert run("journals", "policy", "--pending-above", "10", "--sandbox").exit_code == 0
    big = run("journals", "create", "--from", "c1", "--to", "c2", "--amount", "20",
              "--format", "json").json()
    small = run("journals", "create", "--from", "c1", "--to", "c2", "--amount", "1",
                "--format", "json").json()
    rejected = run("journals", "create", "--from", "c1", "--to", "c2", "--amount", "2",
                   "--description", "x /fixtures/status=rejected/fixtures/",
                   "--format", "json").json()
    forever = run("journals", "create", "--from", "c1", "--to", "c2", "--amount", "3",
                  "--description", "/fixtures/status=pending/fixtures/", "--format",
                  "json").json()
    assert [j["status"] for j in (big, small, rejected, forever)] == [
        "pending", "executed", "pending", "pending"]
    moved = run("journals", "settle", "--date", big["system_date"], "--format", "json").json()
    assert {j["id"]: j["status"] for j in moved} == {big["id"]: "executed",
                                                     rejected["id"]: "rejected"}
    statuses = {j["id"]: j["status"] for j in run("journals", "list", "--format",
                                                  "json").json()}
    assert statuses[forever["id"]] == "pending"
    rows = {r["account_id"]: r for r in run("balances", "--available", "--format",
                                             "json").json()}
    assert (rows["c1"]["ending"], rows["c1"]["available"]) == (7900, 7600)


def test_idempotency_key(run: Run) -> None:
    _setup(run)
    args = ("journals", "create", "--from", "c1", "--to", "c2", "--amount", "7",
            "--idempotency-key", "k1", "--format", "json")
    first, again = run(*args).json(), run(*args).json()
    assert first == again
    assert len(run("journals", "list", "--from-account", "c1", "--format", "json").json()) == 1
    assert_refused(run("journals", "create", "--from", "c1", "--to", "c2", "--amount", "8",
                       "--idempotency-key", "k1"), "conflict")


def test_accounts_add_refuses_a_bad_type_or_floor(run: Run) -> None:
    assert_refused(run("accounts", "add", "x", "--type", "CASH", "--name", "X"),
                   "invalid_request")
    assert_refused(run("accounts", "add", "x", "--type", "ASSET", "--name", "X", "--floor",
                       "ten"), "invalid_request")
    assert_refused(run("accounts", "add", "x", "--type", "ASSET", "--name", "X", "--floor",
                       "1" + "0" * 30), "invalid_request")
    assert run("accounts", "add", "x", "--type", "ASSET", "--name", "X").exit_code == 0
    assert run("accounts", "add", "x", "--type", "ASSET", "--name", "X").exit_code == 0
    # A name is a label: a later definition relabels the account (docs/providers.md,
    # "Data over time"); its type is fixed once it has postings.
    relabelled = run("accounts", "add", "x", "--type", "ASSET", "--name", "Y")
    assert relabelled.exit_code == 0 and "account x updated" in relabelled.stdout


def test_journal_commands_create_no_database_and_no_ledger(run: Run, db: str) -> None:
    """Only `accounts add` creates the books; a journal command on a missing database or
    a mistyped --ledger refuses and leaves nothing behind (issue 13)."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    path = Path(make_url(db).database or "")
    assert_refused(run("journals", "list", "--format", "json"), "database_not_found")
    assert not path.exists()
    assert run("accounts", "add", "a", "--type", "ASSET", "--name", "A").exit_code == 0
    for args in (["journals", "list", "--format", "json"],
                 ["journals", "settle", "--date", "2024-01-01"], ["journals", "delete", "x"],
                 ["journals", "create", "--from", "a", "--to", "b", "--amount", "1"],
                 ["accounts", "floor", "a", "0"]):
        assert_refused(run("--ledger", "typo", *args), "unknown_ledger")
    assert [row["name"] for row in run("ledgers", "--format", "json").json()] == ["default"]


def test_text_no_store_keeps_is_refused_not_a_crash(run: Run, db: str) -> None:
    _setup(run)
    before = counts(db), run("journals", "list", "--format", "json").json()
    for args in (["--description", "\udcff"], ["--idempotency-key", "k\udcfe"]):
        assert_refused(run("journals", "create", "--from", "firm", "--to", "c1",
                           "--amount", "1", *args), "invalid_request")
    assert_refused(run("journals", "create", "--from", "\udcff", "--to", "c1",
                       "--amount", "1"), "invalid_request")
    assert_refused(run("journals", "delete", "\udcff"), "invalid_request")
    assert (counts(db), run("journals", "list", "--format", "json").json()) == before
