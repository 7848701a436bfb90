"""Alembic environment for ledgercore: synchronous, URL from ledgercore's configuration.

The caller may hand over an open connection (``config.attributes["connection"]``, as
`ledgercore.store.migrate` does); otherwise the URL is the ``sqlalchemy.url`` option,
else `ledgercore.config.resolve_database_url`, so ``alembic upgrade head`` run by hand
migrates the same database the library would open.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from ledgercore.config import create_engine, resolve_database_url
from ledgercore.store.schema import metadata

config = context.config
target_metadata = metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or resolve_database_url(None)
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _configure(given)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.connect() as connection:
            _configure(connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
