"""Refusals that only the store can make, in the ledger-wide `LedgerError` family."""

from __future__ import annotations

from ledgercore.domain.errors import LedgerError


class UnknownLedger(LedgerError):
    """`Ledger.open(..., create=False)` names a ledger the database does not hold."""

    code = "unknown_ledger"

    @classmethod
    def naming(cls, name: str, known: list[str]) -> UnknownLedger:
        """The refusal for `name`, listing the ledgers the database does hold."""
        held = (f"it holds {', '.join(repr(k) for k in known)}: pick one with --ledger NAME"
                if known else "it holds none yet (an import creates one)")
        return cls(f"no ledger named {name!r} in this database; {held}", ledger=name,
                   known=known)


class UnsupportedBasis(LedgerError):
    """A reporting basis the store cannot compute yet."""

    code = "unsupported_basis"


class SchemaOutOfDate(LedgerError):
    """The database is not migrated to the schema this version of ledgercore needs."""

    code = "schema_out_of_date"


class DatabaseNotFound(LedgerError):
    """A command that only reads names a SQLite file that does not exist (none is created)."""

    code = "database_not_found"


class NotALedgerDatabase(LedgerError):
    """The database exists but is not one ledgercore made (another app's, or not SQLite)."""

    code = "not_a_ledger_database"


class DatabaseBusy(LedgerError):
    """A writer waited for another process's write lock (SQLite) and gave up."""

    code = "database_busy"


class SchemaTooNew(LedgerError):
    """The database was migrated by a newer ledgercore than this one."""

    code = "schema_too_new"


class TotalLimit(LedgerError):
    """A write would carry a running total past `MAX_TOTAL` (see domain/limits.py)."""

    code = "total_limit"


class ReadOnlyDatabase(LedgerError):
    """A write to a database opened read-only (a read-only file, mode=ro, a replica)."""

    code = "read_only_database"


class InvalidLedger(LedgerError):
    """A ledger name no database can keep (too long, NUL, a lone surrogate)."""

    code = "invalid_ledger"


class TamperedHistory(LedgerError):
    """The journal holds entries the store never writes (incomplete or unbalanced)."""

    code = "tampered_history"
