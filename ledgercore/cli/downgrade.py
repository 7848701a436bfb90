"""`ledgercore db downgrade`: the one command that destroys data, so it never does by default.

It needs the revision to go down to, says what that undoes (and, down to ``base``, which
ledgers and how many entries go with the tables), and then asks: `--yes` answers for a
script, a terminal is asked, and anything else is refused with nothing changed.
"""

from __future__ import annotations

import sys

import typer

from ledgercore.cli import render
from ledgercore.cli.errors import ConfirmationRequired, fail, migrations
from ledgercore.config import resolve_database_url
from ledgercore.store import migrate, presence


def run(db: str | None, revision: str | None, yes: bool) -> None:
    """Downgrade the database `db` to `revision` once the user has agreed (see module)."""
    if revision is None:
        fail("`db downgrade` needs the revision to go down to, and it drops tables with "
             "their data: write `ledgercore db downgrade --revision REV --yes`. "
             "`ledgercore db current` shows where the database is; `--revision base` drops "
             "every table.", ConfirmationRequired.code)
    with migrations(db):
        url = resolve_database_url(db)
        path = presence.sqlite_file(url)
        if path is not None and not path.exists():
            presence.require_sqlite_file(url)  # database_not_found: none is created
        migrate.check_not_newer(migrate.current(db))  # schema_too_new: nothing undone
        steps = migrate.steps_down(db, revision)
        if not steps:
            render.plain(f"nothing to undo: schema at {migrate.current(db) or 'base'}")
            return
        plan = _plan(db, revision, steps)
        if not yes:
            if not sys.stdin.isatty():
                fail(f"{plan} Nothing was changed: add --yes to go ahead.",
                     ConfirmationRequired.code)
            render.plain(plan)
            if not typer.confirm("Go ahead?", default=False):
                render.plain("nothing changed")
                raise typer.Exit(1)
        else:
            render.plain(plan)
        migrate.downgrade(db, revision)
        render.plain(f"schema at {migrate.current(db) or 'empty (no revision)'}")


def _plan(db: str | None, revision: str, steps: list[tuple[str, str]]) -> str:
    """One paragraph: what the downgrade undoes and, to base, which books it deletes."""
    undone = "; ".join(f"{rev} ({doc.rstrip('.')})" for rev, doc in steps)
    plan = (f"Downgrading {_shown_url(db)} from {steps[0][0]} to {revision} undoes "
            f"{undone}, dropping the tables those revisions created with every row in them.")
    if revision == "base":
        from ledgercore.store.directory import list_ledgers

        held = ", ".join(f"{summary.name!r} ({summary.entries} entries)"
                         for summary in list_ledgers(db))
        plan += (f" That is every table: all the books are deleted"
                 f"{': ledgers ' + held if held else ''}.")
    return plan


def _shown_url(db: str | None) -> str:
    from sqlalchemy.engine import make_url

    return make_url(resolve_database_url(db)).render_as_string(hide_password=True)
