"""ledgercore: a local double-entry accounting core.

The public API in one import::

    from ledgercore import Ledger, Account, AccountType, JournalEntry, LineItem, USD, Period

`Ledger` (SQLite or PostgreSQL) posts entries and answers balances computed in SQL; the
pure domain model (`ledgercore.domain`) computes the same figures from plain values;
`ledgercore.providers` reads and writes Alpaca and Layer payloads; `ledgercore.verify`
checks a provider's reported figures. `__version__` is the installed distribution's
version (pyproject.toml is its one source).
"""

from typing import Any

from ledgercore.domain import *  # noqa: F403 - the domain's __all__ is the public vocabulary
from ledgercore.domain import __all__ as _domain_all
from ledgercore.store import Ledger, LedgerSettings, LoadResult, Page, PostResult


def __getattr__(name: str) -> Any:
    # `__version__` is looked up on first use: importlib.metadata costs a cold command
    # line start-up more than the figures it prints.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("ledgercore")
        except PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [*_domain_all, "Ledger", "LedgerSettings", "LoadResult", "Page", "PostResult"]
