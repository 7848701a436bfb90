"""Period closes: the record of every close and reopening, and the ledger's lock.

`period_closes` holds each close of the books (through which day, into which
retained-earnings account, by which closing entry) and, once reopened, when and by which
reversal. `ledgers.closed_until` is the first instant a write may be dated at while a
close stands: posting reads it (under a share lock on PostgreSQL) before it writes.

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("ledgers", sa.Column("closed_until", sa.BigInteger(), nullable=True))
    op.create_table(
        "period_closes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("through", sa.String(length=10), nullable=False),
        sa.Column("closed_until", sa.BigInteger(), nullable=False),
        sa.Column("retained_earnings_id", sa.Integer(), nullable=False),
        sa.Column("closing_entry_id", _KEY, nullable=True),
        sa.Column("closed_at", sa.BigInteger(), nullable=False),
        sa.Column("reopened_at", sa.BigInteger(), nullable=True),
        sa.Column("reopening_entry_id", _KEY, nullable=True),
        sa.ForeignKeyConstraint(["ledger_id"], ["ledgers.id"],
                                name=op.f("fk_period_closes_ledger_id_ledgers")),
        sa.ForeignKeyConstraint(["retained_earnings_id"], ["accounts.id"],
                                name=op.f("fk_period_closes_retained_earnings_id_accounts")),
        sa.ForeignKeyConstraint(["closing_entry_id"], ["journal_entries.id"],
                                name=op.f("fk_period_closes_closing_entry_id_journal_entries")),
        sa.ForeignKeyConstraint(
            ["reopening_entry_id"], ["journal_entries.id"],
            name=op.f("fk_period_closes_reopening_entry_id_journal_entries")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_closes")),
    )
    op.create_index("ix_period_closes_ledger_id_closed_until", "period_closes",
                    ["ledger_id", "closed_until"])


def downgrade() -> None:
    op.drop_index("ix_period_closes_ledger_id_closed_until", table_name="period_closes")
    op.drop_table("period_closes")
    # Plain ALTER TABLE on both engines (SQLite 3.35+): a batch copy of `ledgers` would
    # drop the table every other table refers to.
    op.execute("ALTER TABLE ledgers DROP COLUMN closed_until")
