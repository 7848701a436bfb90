"""The command line's refusals: bad input and usage exit 2 with one paragraph on stderr.

The paragraph says what is wrong, where (file and JSON path), how to fix it, and ends
with the error's stable code in brackets; no traceback, and nothing was written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from ledgercore.cli.render import err
from ledgercore.config import resolve_database_url
from ledgercore.domain import LedgerError

SUPPORTED = ("sqlite", "postgresql", "postgres")

class ConfirmationRequired(LedgerError):
    """A command that destroys data was not told to go ahead (`db downgrade`)."""

    code = "confirmation_required"


class InvalidDatabaseUrl(LedgerError):
    """The database URL is not one ledgercore can use (not SQLite or PostgreSQL)."""

    code = "invalid_database_url"


class DatabaseUnavailable(LedgerError):
    """The database could not be opened (no such directory, no server, refused)."""

    code = "database_unavailable"


class UnknownRevision(LedgerError):
    """A `--revision` no migration script defines."""

    code = "unknown_revision"


class InvalidOption(LedgerError):
    """An option value the command cannot use (e.g. a chart file that is not .png/.svg)."""

    code = "invalid_option"


class UsageRefused(LedgerError):
    """The command line itself could not be parsed: an unknown option, a choice that is
    not one of the listed values, a missing argument."""

    code = "usage"


class MissingExtra(LedgerError):
    """The command needs an optional dependency that is not installed."""

    code = "missing_extra"


def fail(message: str, code: str | None = None) -> NoReturn:
    """Exit 2 with one paragraph on stderr, ending in the error's code when it has one."""
    from rich.markup import escape

    if code is not None:
        message = f"{message} [{code}]"
    # The message is text, not rich markup: its "[code]" and "$[0]" must print as written.
    err().print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(2)


@contextmanager
def refusals(source: Path | None = None) -> Iterator[None]:
    """Turn a LedgerError into the exit-2 paragraph the contract promises."""
    try:
        try:
            yield
        except DBAPIError as exc:
            refused = database_refusal(exc)
            if refused is None:
                raise
            raise refused from exc
    except LedgerError as exc:
        message = exc.message if exc.message.endswith(".") else exc.message + "."
        if source is not None and source.name not in message:
            message = f"{source}: {message}"
        where = f" At {exc.path}." if exc.path else ""
        found = exc.details.get("found")
        if exc.code == "wrong_payload_kind" and not found and source is not None:
            found = _kind_of(source)
        if found and _importable(found):
            fix = f" Name it as {found}: `ledgercore import {found} FILE`."
        elif source is not None:
            fix = " Nothing of this file was written: correct it and run the command again."
        else:
            fix = ""
        fail(f"{message}{where}{fix}", exc.code)


def readable(*files: Path) -> None:
    """Exit 2 (``unreadable_file``) unless every file opens for reading.

    Checked before the database is opened: a typo in the last file name writes nothing.
    """
    from ledgercore.providers.documents import unreadable

    for file in files:
        with refusals():
            try:
                with open(file, "rb"):
                    pass
            except OSError as exc:
                raise unreadable(file, exc) from None


def database_refusal(exc: DBAPIError) -> LedgerError | None:
    """The refusal a database error stands for, when it is not a bug or an outage."""
    from ledgercore.store.errors import ReadOnlyDatabase, TotalLimit

    reason = str(exc.orig)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if "readonly database" in reason or sqlstate == "25006":
        return ReadOnlyDatabase(
            "the database is read-only (a read-only file or directory, a mode=ro URL, or a "
            "read-only server): this command writes; nothing was written. Use a writable "
            "copy, or run only the reports (balances, entries, verify) on it")
    if reason == "integer overflow":
        # SQLite's sum() refuses rather than round: a report whose sum passes 2^63 - 1.
        return TotalLimit("a sum in this report passes 2^63 - 1 minor units, more than "
                          "SQLite adds exactly; narrow the range, or use PostgreSQL")
    return None


def _importable(kind: str) -> bool:
    """Whether `ledgercore import` reads payloads of `kind` (a POST request body is
    "found" as a request, which nothing imports)."""
    from ledgercore.providers import PayloadKind

    return kind in {k.value for k in PayloadKind}


def _kind_of(source: Path) -> str | None:
    """Which payload kind a file looks like, to say which command reads it."""
    from ledgercore.providers import detect_kind, read_document

    try:
        kind = detect_kind(read_document(source))
    except LedgerError:
        return None
    return None if kind is None else kind.value


def _shown_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


@contextmanager
def database_errors(db: str | None) -> Iterator[None]:
    """Exit 2 when the database URL is unusable or the database cannot be opened.

    Only around opening and migrating: a failure in the middle of a command is a bug or
    an outage, and keeps its traceback.
    """
    url = resolve_database_url(db)
    origin = "--db" if db else "the database URL (--db, else $LEDGERCORE_DATABASE_URL)"
    try:
        backend = make_url(url).get_backend_name()
        if backend not in SUPPORTED:
            fail(f"{origin} {_shown_url(url)!r} names a {backend} database; ledgercore keeps "
                 f"its books in SQLite or PostgreSQL: write it as sqlite:///books.db or "
                 f"postgresql://user@host/dbname.", InvalidDatabaseUrl.code)
        yield
    except (ArgumentError, ImportError) as exc:
        fail(f"{origin} {url!r} is not a database URL ledgercore can use ({exc}). Write it "
             f"as sqlite:///books.db or postgresql://user@host/dbname.", InvalidDatabaseUrl.code)
    except DBAPIError as exc:
        refused = database_refusal(exc)
        if refused is not None:
            raise refused from exc
        fail(f"cannot open the database at {_shown_url(url)}: {exc.orig}. Check {origin}: "
             f"the directory of a SQLite file must exist, a server must be running and "
             f"accept the connection.", DatabaseUnavailable.code)


@contextmanager
def migrations(db: str | None) -> Iterator[None]:
    """The refusals of a `db` command: an unknown revision is usage, as a bad URL is."""
    from alembic.util import CommandError

    with refusals(), database_errors(db):
        try:
            yield
        except CommandError as exc:
            fail(f"{exc}. `ledgercore db current` shows where the database is; the "
                 f"revisions are 'head', 'base' or an id from ledgercore/migrations/versions/.",
                 UnknownRevision.code)
