"""Refusals that only the store can make, in the ledger-wide `LedgerError` family."""

from __future__ import annotations

from ledgercore.domain.errors import LedgerError


class UnknownLedger(LedgerError):
    """`Ledger.open(..., create=False)` names a ledger the database does not hold."""

    code = "unknown_ledger"


class UnsupportedBasis(LedgerError):
    """A reporting basis the store cannot compute yet."""

    code = "unsupported_basis"


class SchemaOutOfDate(LedgerError):
    """The database is not migrated to the schema this version of ledgercore needs."""

    code = "schema_out_of_date"


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
