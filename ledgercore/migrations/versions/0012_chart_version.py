"""The count of a ledger's chart changes, so a handle knows when its chart is behind.

`ledgers.chart_version` goes up by one with every chart change. A handle (another
process, say) that cached the chart at another count reads it again before it posts or
reports: which accounts are cash and which are clearing accounts decide the rows a post
derives (the cash projection, the cash-flow totals) and what a report reads.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ledgers", sa.Column("chart_version", sa.BigInteger(), nullable=False,
                                       server_default=sa.text("0")))


def downgrade() -> None:
    # Plain ALTER TABLE on both engines (SQLite 3.35+): a batch copy of `ledgers` would
    # drop the table every other table refers to.
    op.execute("ALTER TABLE ledgers DROP COLUMN chart_version")
