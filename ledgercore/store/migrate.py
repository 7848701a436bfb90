"""Schema migrations: the only way the ledger's tables come into being.

The Alembic scripts ship inside the package (``ledgercore/migrations``, found with
`importlib.resources`, so a wheel migrates as a checkout does); this module drives them
programmatically, so ``ledgercore db upgrade`` works from any directory and an app can
migrate on open. Each run holds the database's write lock (SQLite ``BEGIN IMMEDIATE``,
a PostgreSQL transaction-scoped advisory lock), so processes that open the same fresh
database at once migrate it exactly once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from ledgercore.config import WRITE_OPTION, create_engine, normalize_url, resolve_database_url
from ledgercore.store.errors import SchemaTooNew

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a migration actually runs: opening an up-to-date
# database must not pay its import time (most of a cold `ledgercore balances`).

# A wheel installs the package as plain files, so the resource is a real directory.
MIGRATIONS_DIR = Path(str(resources.files("ledgercore") / "migrations"))
# An arbitrary constant naming ledgercore's migration lock among PostgreSQL advisory locks.
_ADVISORY_LOCK_KEY = 0x1ED6E5C0


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration pointing at ledgercore's migration scripts."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option(
        "sqlalchemy.url",
        normalize_url(resolve_database_url(url)).render_as_string(hide_password=False)
        .replace("%", "%%"))
    return config


@functools.cache
def head() -> str:
    """The newest revision the scripts define.

    Revisions are numbered like their files (``0002_cash_projection.py`` is ``"0002"``),
    so the head is the highest number; a test holds this equal to Alembic's own answer.
    """
    revisions = [p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py")]
    if not revisions:
        raise RuntimeError(f"ledgercore is installed without its migration scripts "
                           f"(nothing in {MIGRATIONS_DIR / 'versions'}): reinstall it")
    return max(revisions)


def known(revision: str | None) -> bool:
    """Whether this version's scripts define `revision` (None: an empty database)."""
    if revision is None:
        return True
    names = {p.name.split("_", 1)[0] for p in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py")}
    return revision in names


def check_not_newer(revision: str | None) -> None:
    """Refuse a database migrated past what this version of ledgercore knows.

    Raises:
        SchemaTooNew: `revision` is not one of this version's migrations (a newer
            ledgercore wrote it); opening or migrating it could only do harm.
    """
    if not known(revision):
        raise SchemaTooNew(
            f"the database schema is at revision {revision}, which this version of "
            f"ledgercore does not know (it knows up to {head()}): the database was made by "
            f"a newer ledgercore; use that version, or upgrade ledgercore",
            revision=revision, head=head())


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision` (default: the newest)."""
    from alembic import command

    _run(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str | None, revision: str) -> None:
    """Migrate the database at `url` down to `revision` (``"base"`` drops everything)."""
    from alembic import command

    _run(url, lambda config: command.downgrade(config, revision))


def current(url: str | None = None) -> str | None:
    """The revision the database at `url` is at, or None when it was never migrated."""
    engine = create_engine(resolve_database_url(url))
    try:
        with engine.connect() as connection:
            return current_revision(connection)
    finally:
        engine.dispose()


def current_revision(connection: Connection) -> str | None:
    """The revision of the database behind an open connection."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind `engine` (used by `Ledger.open`)."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    _migrate(engine, config, lambda cfg: command.upgrade(cfg, revision))


def _run(url: str | None, action: Callable[[Config], None]) -> None:
    config = alembic_config(url)
    engine = create_engine(resolve_database_url(url))
    try:
        _migrate(engine, config, action)
    finally:
        engine.dispose()


def _migrate(engine: Engine, config: Config, action: Callable[[Config], None]) -> None:
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection, \
            connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": _ADVISORY_LOCK_KEY})
        check_not_newer(current_revision(connection))
        config.attributes["connection"] = connection
        action(config)


def steps_down(url: str | None, revision: str) -> list[tuple[str, str]]:
    """The revisions a downgrade of the database at `url` to `revision` would undo.

    Returns:
        ``(revision, description)`` pairs, newest first; empty when there is nothing to
        undo (the database is at `revision` or below, or was never migrated).

    Raises:
        alembic.util.CommandError: `revision` is not a revision of ledgercore's scripts.
    """
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    at = current(url)
    newest_first = list(ScriptDirectory.from_config(alembic_config(url)).walk_revisions())
    ids = [script.revision for script in newest_first]
    if revision != "base" and revision not in ids:
        raise CommandError(f"Can't locate revision identified by {revision!r}")
    if at is None or at not in ids:
        return []
    stop = len(ids) if revision == "base" else ids.index(revision)
    return [(script.revision, script.doc or "")
            for script in newest_first[ids.index(at):stop]]
