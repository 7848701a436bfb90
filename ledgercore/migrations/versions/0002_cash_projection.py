"""Cash-basis projection: open items, allocations, cash lines and their period totals.

Derived data, maintained in the posting transaction (`ledgercore.store.cash.projection`)
and rebuildable from the journal (`Ledger.rebuild_cash_projection`). The upgrade builds
the projection of every ledger already in the database, so cash-basis reports read it
at once.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_OPEN = "remaining > 0"  # the open items' partial indexes (schema.OPEN_ITEM)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "cash_open_items",
        sa.Column("entry_id", _KEY, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("commodity_id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("entry_at", sa.BigInteger(), nullable=False),
        sa.Column("counterparty_kind", sa.String(length=16), nullable=True),
        sa.Column("counterparty_id", sa.String(length=200), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("remaining", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("remaining >= 0 AND remaining <= total",
                           name=op.f("ck_cash_open_items_remaining_range")),
        _fk("cash_open_items", "entry_id", "journal_entries"),
        _fk("cash_open_items", "account_id", "accounts"),
        _fk("cash_open_items", "commodity_id", "commodities"),
        _fk("cash_open_items", "ledger_id", "ledgers"),
        sa.PrimaryKeyConstraint("entry_id", "account_id", "commodity_id",
                                name=op.f("pk_cash_open_items")),
        sqlite_with_rowid=False,
    )
    # Partial: only the items still open, the ones a payment may settle.
    op.create_index("ix_cash_open_items_open", "cash_open_items",
                    ["account_id", "commodity_id", "entry_at"],
                    sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))
    op.create_index("ix_cash_open_items_open_party", "cash_open_items",
                    ["account_id", "commodity_id", "counterparty_kind", "counterparty_id",
                     "entry_at"],
                    sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))
    op.create_table(
        "cash_allocations",
        sa.Column("settling_entry_id", _KEY, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("commodity_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("item_entry_id", _KEY, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("settled_before", sa.BigInteger(), nullable=False),
        sa.Column("recognised_at", sa.BigInteger(), nullable=False),
        _fk("cash_allocations", "settling_entry_id", "journal_entries"),
        _fk("cash_allocations", "account_id", "accounts"),
        _fk("cash_allocations", "commodity_id", "commodities"),
        _fk("cash_allocations", "ledger_id", "ledgers"),
        _fk("cash_allocations", "item_entry_id", "journal_entries"),
        sa.PrimaryKeyConstraint("settling_entry_id", "account_id", "commodity_id", "seq",
                                name=op.f("pk_cash_allocations")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_cash_allocations_account", "cash_allocations", ["account_id"])
    op.create_table(
        "cash_lines",
        sa.Column("entry_id", _KEY, nullable=False),
        sa.Column("sign", sa.SmallInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("commodity_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("direction", sa.String(length=6), nullable=False),
        sa.Column("effect", sa.BigInteger(), nullable=False),
        sa.Column("entry_at", sa.BigInteger(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.CheckConstraint("sign IN (-1, 1)", name=op.f("ck_cash_lines_sign")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_cash_lines_amount_positive")),
        sa.CheckConstraint("direction IN ('DEBIT', 'CREDIT')",
                           name=op.f("ck_cash_lines_direction")),
        _fk("cash_lines", "entry_id", "journal_entries"),
        _fk("cash_lines", "account_id", "accounts"),
        _fk("cash_lines", "commodity_id", "commodities"),
        _fk("cash_lines", "ledger_id", "ledgers"),
        sa.PrimaryKeyConstraint("entry_id", "sign", "position", name=op.f("pk_cash_lines")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_cash_lines_ledger_time", "cash_lines",
                    ["ledger_id", "entry_at", "account_id", "commodity_id", "effect", "sign"])
    op.create_index("ix_cash_lines_account_time", "cash_lines", ["account_id", "entry_at"])
    op.create_table(
        "cash_period_totals",
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("granularity", sa.String(length=1), nullable=False),
        sa.Column("bucket_start", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("commodity_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("granularity IN ('Y', 'M', 'D')",
                           name=op.f("ck_cash_period_totals_granularity")),
        _fk("cash_period_totals", "account_id", "accounts"),
        _fk("cash_period_totals", "commodity_id", "commodities"),
        _fk("cash_period_totals", "ledger_id", "ledgers"),
        sa.PrimaryKeyConstraint("ledger_id", "granularity", "bucket_start", "account_id",
                                "commodity_id", name=op.f("pk_cash_period_totals")),
        sqlite_with_rowid=False,
    )
    _project_existing_ledgers()


def _project_existing_ledgers() -> None:
    # Imported here: the projection code reads the chart through the store's catalog.
    from ledgercore.store.cash.projection import rebuild
    from ledgercore.store.catalog import Catalog

    connection = op.get_bind()
    for (ledger_id,) in connection.execute(sa.text("SELECT id FROM ledgers")).all():
        catalog = Catalog(ledger_id, described=False)  # the column comes in 0006
        catalog.load(connection)
        rebuild(connection, catalog)


def downgrade() -> None:
    op.drop_table("cash_period_totals")
    op.drop_index("ix_cash_lines_account_time", table_name="cash_lines")
    op.drop_index("ix_cash_lines_ledger_time", table_name="cash_lines")
    op.drop_table("cash_lines")
    op.drop_index("ix_cash_allocations_account", table_name="cash_allocations")
    op.drop_table("cash_allocations")
    op.drop_index("ix_cash_open_items_open_party", table_name="cash_open_items")
    op.drop_index("ix_cash_open_items_open", table_name="cash_open_items")
    op.drop_table("cash_open_items")
