"""ledgercore: a local double-entry accounting core.

The public API in one import::

    from ledgercore import Ledger, Account, AccountType, JournalEntry, LineItem, USD, Period

`Ledger` (SQLite or PostgreSQL) posts entries and answers balances computed in SQL; the
pure domain model (`ledgercore.domain`) computes the same figures from plain values;
`ledgercore.providers` reads and writes Alpaca and Layer payloads; `ledgercore.verify`
checks a provider's reported figures.
"""

from ledgercore.domain import *  # noqa: F403 - the domain's __all__ is the public vocabulary
from ledgercore.domain import __all__ as _domain_all
from ledgercore.store import Ledger, LedgerSettings, LoadResult, Page, PostResult

__all__ = [*_domain_all, "Ledger", "LedgerSettings", "LoadResult", "Page", "PostResult"]
