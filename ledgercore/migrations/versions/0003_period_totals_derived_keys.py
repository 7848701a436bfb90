"""Period totals without foreign keys: derived rows, keyed by the lines they sum.

A period total is a sum of line items, written in the same transaction from the very
rows it sums, whose ledger, account and commodity keys the line items' own foreign keys
have just checked; `Ledger.rebuild_period_totals` recomputes every one from the lines.
Checking the three keys again per bucket cost PostgreSQL more than writing the bucket
(an import writes about one bucket per line item: 34 against 3.4 µs a row by COPY), so
the second line of defence stays on the facts (line items) and leaves the derived sums.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEYS = (("ledger_id", "ledgers"), ("account_id", "accounts"),
         ("commodity_id", "commodities"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_table(with_foreign_keys=False)
        return
    for column, target in _KEYS:
        op.drop_constraint(f"fk_period_totals_{column}_{target}", "period_totals",
                           type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_table(with_foreign_keys=True)
        return
    for column, target in _KEYS:
        op.create_foreign_key(f"fk_period_totals_{column}_{target}", "period_totals",
                              target, [column], ["id"])


def _rebuild_sqlite_table(*, with_foreign_keys: bool) -> None:
    """SQLite cannot drop or add a constraint: copy the rows into a new table."""
    keys = [sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                    name=op.f(f"fk_period_totals_{column}_{target}"))
            for column, target in _KEYS] if with_foreign_keys else []
    op.create_table(
        "period_totals_new",
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("granularity", sa.String(length=1), nullable=False),
        sa.Column("bucket_start", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("commodity_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "granularity IN ('Y', 'M', 'D')", name=op.f("ck_period_totals_granularity")
        ),
        *keys,
        sa.PrimaryKeyConstraint(
            "ledger_id", "granularity", "bucket_start", "account_id", "commodity_id",
            name=op.f("pk_period_totals"),
        ),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO period_totals_new (ledger_id, granularity, bucket_start, "
               "account_id, commodity_id, total, lines) SELECT ledger_id, granularity, "
               "bucket_start, account_id, commodity_id, total, lines FROM period_totals")
    op.drop_table("period_totals")
    op.rename_table("period_totals_new", "period_totals")
