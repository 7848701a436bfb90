"""The durable store: SQLAlchemy tables, Alembic migrations and the `Ledger` facade.

``from ledgercore.store import Ledger`` is the entry point: it opens a ledger in a
SQLite file or a PostgreSQL database and speaks only in domain values.
"""

from ledgercore.store.errors import SchemaOutOfDate, UnknownLedger, UnsupportedBasis
from ledgercore.store.journal import Page
from ledgercore.store.ledger import Ledger, LedgerSettings, LoadResult
from ledgercore.store.posting import PostResult, PreparedEntries, prepare
from ledgercore.store.windows import OpeningBalance

__all__ = ["Ledger", "LedgerSettings", "LoadResult", "OpeningBalance", "Page", "PostResult",
           "PreparedEntries", "SchemaOutOfDate", "UnknownLedger", "UnsupportedBasis", "prepare"]
