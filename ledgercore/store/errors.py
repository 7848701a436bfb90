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


class DatabaseBusy(LedgerError):
    """A writer waited for another process's write lock (SQLite) and gave up."""

    code = "database_busy"


class TamperedHistory(LedgerError):
    """The journal holds entries the store never writes (incomplete or unbalanced)."""

    code = "tampered_history"
