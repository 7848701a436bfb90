"""Cash-flow totals: the direct cash flow's sums kept by UTC year, month and day.

Derived data like the period totals (same columns, unkeyed as migration 0004 left those,
and on SQLite the same check that a total is an integer, as 0005 added): per
counter-account, commodity and bucket, the lines of the entries that moved cash, accrual
plus cash lines, off the cash accounts (`ledgercore.store.cash_flow_totals`). Maintained
in the posting transaction and rebuilt by `Ledger.rebuild_cash_projection`; the upgrade
builds them for every ledger already in the database, so a direct cash flow reads them
at once.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # SQLite would keep a sum past 2^63 - 1 as an inexact REAL; PostgreSQL's BIGINT refuses it.
    integer_total = ([sa.CheckConstraint("typeof(total) = 'integer'",
                                         name=op.f("ck_cash_flow_totals_integer_total"))]
                     if sqlite else [])
    op.create_table(
        "cash_flow_totals",
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("granularity", sa.String(length=1), nullable=False),
        sa.Column("bucket_start", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("commodity_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("granularity IN ('Y', 'M', 'D')",
                           name=op.f("ck_cash_flow_totals_granularity")),
        *integer_total,
        sa.PrimaryKeyConstraint("ledger_id", "granularity", "bucket_start", "account_id",
                                "commodity_id", name=op.f("pk_cash_flow_totals")),
        sqlite_with_rowid=False,
    )
    _build_existing_ledgers()


def _build_existing_ledgers() -> None:
    # Imported here: the totals are computed through the store's catalog, as 0002 does.
    from ledgercore.store.cash_flow_totals import rebuild
    from ledgercore.store.catalog import Catalog

    connection = op.get_bind()
    for (ledger_id,) in connection.execute(sa.text("SELECT id FROM ledgers")).all():
        catalog = Catalog(ledger_id)
        catalog.load(connection)
        rebuild(connection, catalog)


def downgrade() -> None:
    op.drop_table("cash_flow_totals")
