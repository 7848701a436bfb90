"""The settings every SQLite connection of a ledger runs with (see `config.create_engine`)."""

from __future__ import annotations

from ledgercore.config import SQLITE_BUSY_TIMEOUT_MS, SQLITE_CHECKPOINT_PAGES, create_engine


def test_a_sqlite_file_is_opened_for_safe_concurrent_and_fast_posting(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            def pragma(name: str) -> object:
                return connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()

            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("synchronous") == 1  # NORMAL
            assert pragma("busy_timeout") == SQLITE_BUSY_TIMEOUT_MS
            assert pragma("wal_autocheckpoint") == SQLITE_CHECKPOINT_PAGES
    finally:
        engine.dispose()
