"""Transfers (pending and executed) and balance guards.

`account_guards` flags accounts whose available balance may not go below a floor (its
row is the lock a lowering write takes); `guarded_balances` keeps those accounts' posted
balances per commodity; `transfers` and `transfer_events` hold two-phase transfers and
every status they entered; `transfer_policies` a ledger's pending limit and sandbox flag.
New tables only: nothing existing is read or rewritten.

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_STATUSES = "('pending', 'executed', 'canceled', 'rejected', 'deleted', 'refused')"


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "account_guards",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("floor", sa.String(length=64), nullable=True),
        _fk("account_guards", "account_id", "accounts"),
        _fk("account_guards", "ledger_id", "ledgers"),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_guards")),
    )
    op.create_table(
        "guarded_balances",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("commodity_id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "commodity_id", name=op.f("pk_guarded_balances")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "transfer_policies",
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("pending_above", sa.String(length=64), nullable=True),
        sa.Column("sandbox", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("sandbox IN (0, 1)", name=op.f("ck_transfer_policies_sandbox")),
        _fk("transfer_policies", "ledger_id", "ledgers"),
        sa.PrimaryKeyConstraint("ledger_id", name=op.f("pk_transfer_policies")),
    )
    op.create_table(
        "transfers",
        sa.Column("id", _KEY, nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("from_account_id", sa.Integer(), nullable=False),
        sa.Column("to_account_id", sa.Integer(), nullable=False),
        sa.Column("commodity_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("price", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("fixture", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("system_date", sa.String(length=10), nullable=False),
        sa.Column("settle_date", sa.String(length=10), nullable=True),
        sa.Column("pending_from", sa.BigInteger(), nullable=True),
        sa.Column("pending_until", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_transfers_amount_positive")),
        sa.CheckConstraint(f"status IN {_STATUSES}", name=op.f("ck_transfers_status")),
        sa.CheckConstraint("from_account_id <> to_account_id",
                           name=op.f("ck_transfers_two_accounts")),
        _fk("transfers", "ledger_id", "ledgers"),
        _fk("transfers", "from_account_id", "accounts"),
        _fk("transfers", "to_account_id", "accounts"),
        _fk("transfers", "commodity_id", "commodities"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("ledger_id", "external_id",
                            name=op.f("uq_transfers_ledger_id_external_id")),
        sa.UniqueConstraint("ledger_id", "idempotency_key",
                            name=op.f("uq_transfers_ledger_id_idempotency_key")),
    )
    op.create_index("ix_transfers_ledger_created", "transfers",
                    ["ledger_id", "created_at", "id"])
    op.create_index("ix_transfers_outgoing", "transfers",
                    ["from_account_id", "status", "commodity_id"])
    op.create_index("ix_transfers_incoming", "transfers",
                    ["to_account_id", "status", "commodity_id"])
    op.create_table(
        "transfer_events",
        sa.Column("transfer_id", _KEY, nullable=False),
        sa.Column("seq", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(f"status IN {_STATUSES}", name=op.f("ck_transfer_events_status")),
        _fk("transfer_events", "transfer_id", "transfers"),
        sa.PrimaryKeyConstraint("transfer_id", "seq", name=op.f("pk_transfer_events")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("transfer_events")
    for index in ("ix_transfers_incoming", "ix_transfers_outgoing",
                  "ix_transfers_ledger_created"):
        op.drop_index(index, table_name="transfers")
    for table in ("transfers", "transfer_policies", "guarded_balances", "account_guards"):
        op.drop_table(table)
