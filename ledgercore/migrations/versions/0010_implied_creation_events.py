"""A transfer's creation is no longer stored as its first event: its row says it.

A transfer is made at ``created_at``, pending if it ever changed status (only a pending
transfer does), else in the status it still has; storing that as event 0 cost every
transfer a row and a statement. The transitions keep their numbers (1 onwards).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM transfer_events WHERE seq = 0")


def downgrade() -> None:
    op.execute("INSERT INTO transfer_events (transfer_id, seq, status, at) "
               "SELECT t.id, 0, CASE WHEN EXISTS (SELECT 1 FROM transfer_events e "
               "WHERE e.transfer_id = t.id) THEN 'pending' ELSE t.status END, t.created_at "
               "FROM transfers t")
