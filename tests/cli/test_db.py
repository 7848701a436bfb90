"""`ledgercore db upgrade|current|downgrade|rebuild`, and which database a command opens.

The URL is `--db`, else ``LEDGERCORE_DATABASE_URL``, else ``./ledgercore.db``: each step of
that order is shown by the one database that ends up holding the imported chart.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledgercore.store import migrate

from .conftest import LAYER_BALANCES, LAYER_ENTRIES, Run, assert_refused, counts, invoke, sqlite_url


def test_upgrade_current_downgrade(run: Run, db: str) -> None:
    assert run("db", "current").stdout.strip().startswith("empty")
    assert migrate.current(db) is None

    upgraded = run("db", "upgrade")
    assert upgraded.exit_code == 0
    assert migrate.current(db) == migrate.head()
    assert migrate.head() in upgraded.stdout

    current = run("db", "current")
    assert (current.exit_code, current.stdout.strip()) == (0, migrate.head())

    again = run("db", "upgrade")  # already at head: nothing to do, still success
    assert again.exit_code == 0 and migrate.current(db) == migrate.head()

    downgraded = run("db", "downgrade", "--revision", "base", "--yes")
    assert downgraded.exit_code == 0
    assert migrate.current(db) is None
    assert run("db", "current").stdout.strip().startswith("empty")


def test_downgrade_drops_the_books_and_upgrade_restores_an_empty_schema(run: Run,
                                                                        db: str) -> None:
    assert run("import", "layer-balances", LAYER_BALANCES).exit_code == 0
    assert counts(db)[0] > 0
    assert run("db", "downgrade", "--revision", "base", "--yes").exit_code == 0
    assert run("db", "upgrade").exit_code == 0
    assert counts(db) == (0, 0)


def test_unknown_revision_is_usage_error(run: Run, db: str) -> None:
    assert_refused(run("db", "upgrade", "--revision", "no-such-revision"), "unknown_revision",
                   "no-such-revision")
    assert migrate.current(db) is None


@pytest.mark.parametrize("url", ["not a url", "nosuchdriver://x/y"])
def test_a_bad_database_url_is_usage_error(url: str) -> None:
    assert_refused(invoke(["--db", url, "balances"]), "invalid_database_url", "--db")


def test_a_database_that_cannot_be_opened_is_usage_error(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "no" / "such" / "dir" / "books.db")
    for command in (["db", "current"], ["db", "upgrade"]):
        assert_refused(invoke(["--db", url, *command]), "database_unavailable", url)
    # A command that only reads does not try to create the file at all.
    assert_refused(invoke(["--db", url, "balances"]), "database_not_found", "books.db")


# -- which database -------------------------------------------------------------------

def _import_chart(args: list[str], env: dict[str, str | None]) -> None:
    outcome = invoke([*args, "import", "layer-balances", str(LAYER_BALANCES)], env=env)
    assert outcome.exit_code == 0, outcome.stderr


def test_db_option_beats_the_environment_which_beats_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    option, variable = tmp_path / "option.db", tmp_path / "variable.db"
    default = tmp_path / "ledgercore.db"
    env: dict[str, str | None] = {"LEDGERCORE_DATABASE_URL": sqlite_url(variable)}

    _import_chart(["--db", sqlite_url(option)], env)
    assert option.exists() and not variable.exists() and not default.exists()

    _import_chart([], env)
    assert variable.exists() and not default.exists()

    _import_chart([], {"LEDGERCORE_DATABASE_URL": None})
    assert default.exists()

    charts = {path.name: counts(sqlite_url(path))[0] for path in (option, variable, default)}
    assert len(set(charts.values())) == 1 and charts["option.db"] > 0


def test_rebuild_recomputes_the_same_figures(run: Run, db: str) -> None:
    assert run("import", "layer-balances", LAYER_BALANCES).exit_code == 0
    assert run("import", "layer-entries", LAYER_ENTRIES).exit_code == 0
    reports = [("balances", "--basis", basis, "--start", "2024-02-01", "--format", "json")
               for basis in ("accrual", "cash")]
    before = [run(*report).stdout for report in reports]
    assert run("db", "rebuild").exit_code == 0
    assert [run(*report).stdout for report in reports] == before
    assert counts(db)[1] > 0
