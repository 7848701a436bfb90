"""Provider data over time: account labels that evolve, their history, journal statuses.

- ``accounts.description`` (Layer's account description) and ``accounts.labels_seen_at``:
  the instant of the chart snapshot whose labels (name, stable name, description, parent,
  subtype, number) the row holds; NULL while only flat views (line items, transfers)
  have described the account, which any chart snapshot then relabels.
- ``account_history``: every set of labels an account was given, with when it was seen.
- ``balance_windows``: each Alpaca JIT window seen (its account, start day, reported
  starting balance) and the opening entry it placed; the opening of an account is the
  earliest window's, placed once (docs/providers.md, "Data over time"). The openings
  posted before this revision are recorded as their windows, so a ledger keeps its
  opening where it was.
- ``journal_statuses``: each status an Alpaca journal was seen in, and when; the books of
  a journal are a function of this set (docs/providers.md, "Data over time").

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("description", sa.Text(), nullable=True))
    op.add_column("accounts", sa.Column("labels_seen_at", sa.BigInteger(), nullable=True))
    op.create_table(
        "account_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_external_id", sa.String(length=200), nullable=True),
        sa.Column("stable_name", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("subtype", sa.String(length=64), nullable=True),
        sa.Column("account_number", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["ledger_id"], ["ledgers.id"],
                                name=op.f("fk_account_history_ledger_id_ledgers")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_account_history_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_history")),
    )
    op.create_index(op.f("ix_account_history_account_id_seen_at"), "account_history",
                    ["account_id", "seen_at"])
    op.create_table(
        "journal_statuses",
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("journal_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("seen_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["ledger_id"], ["ledgers.id"],
                                name=op.f("fk_journal_statuses_ledger_id_ledgers")),
        sa.PrimaryKeyConstraint("ledger_id", "journal_id", "status", "seen_at",
                                name=op.f("pk_journal_statuses")),
    )
    op.create_table(
        "balance_windows",
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("start_at", sa.BigInteger(), nullable=False),
        sa.Column("starting", sa.BigInteger(), nullable=False),
        sa.Column("opening_entry_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["ledger_id"], ["ledgers.id"],
                                name=op.f("fk_balance_windows_ledger_id_ledgers")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_balance_windows_account_id_accounts")),
        sa.PrimaryKeyConstraint("ledger_id", "account_id", "start_at",
                                name=op.f("pk_balance_windows")),
    )
    _record_existing_openings()


# The JIT importer's opening entries: ``alpaca-jit:<ledger>:opening:<start day>``, a line on
# the ledger's account and one on ``alpaca:opening-balance``.
_OPENINGS = sa.text(
    "SELECT je.ledger_id, je.external_id, li.account_id, li.effect, l.timezone "
    "FROM journal_entries je JOIN line_items li ON li.entry_id = je.id "
    "JOIN accounts a ON a.id = li.account_id JOIN ledgers l ON l.id = je.ledger_id "
    "WHERE je.entry_type = 'OPENING_BALANCE' AND je.external_id LIKE 'alpaca-jit:%' "
    "AND je.reversal_id IS NULL AND je.reversal_of_id IS NULL "
    "AND a.external_id <> 'alpaca:opening-balance'")


def _record_existing_openings() -> None:
    connection = op.get_bind()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    rows: dict[tuple[int, int, int], dict[str, object]] = {}
    for ledger_id, entry_id, account_id, effect, timezone in connection.execute(_OPENINGS):
        head, _, day = entry_id.rpartition(":")
        if not head.endswith(":opening"):
            continue
        start = datetime.combine(date.fromisoformat(day), time(), tzinfo=ZoneInfo(timezone))
        start_at = (start - epoch) // timedelta(microseconds=1)
        rows[ledger_id, account_id, start_at] = {
            "ledger_id": ledger_id, "account_id": account_id, "start_at": start_at,
            "starting": effect, "opening_entry_id": entry_id}
    if rows:
        op.bulk_insert(sa.table("balance_windows", *(sa.column(c) for c in (
            "ledger_id", "account_id", "start_at", "starting", "opening_entry_id"))),
            list(rows.values()))



def downgrade() -> None:
    op.drop_table("balance_windows")
    op.drop_table("journal_statuses")
    op.drop_index(op.f("ix_account_history_account_id_seen_at"), table_name="account_history")
    op.drop_table("account_history")
    # Both engines drop a plain column in place (SQLite since 3.35); a batch copy of
    # `accounts` would trip the foreign keys that point at it.
    op.execute("ALTER TABLE accounts DROP COLUMN labels_seen_at")
    op.execute("ALTER TABLE accounts DROP COLUMN description")
