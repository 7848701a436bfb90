"""Initial schema: ledgers, commodities, accounts, entries, line items, tags, period totals.

Posted content is immutable in the database too (the second line of defence after the
API, which offers no update or delete): triggers refuse UPDATE and DELETE of line items
and tags, and of journal entries except setting `reversal_id` once, from NULL, with
every other column unchanged.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledgers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("activation_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledgers")),
        sa.UniqueConstraint("name", name=op.f("uq_ledgers_name")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("subtype", sa.String(length=64), nullable=True),
        sa.Column("normality", sa.String(length=6), nullable=False),
        sa.Column("stable_name", sa.String(length=200), nullable=True),
        sa.Column("account_number", sa.String(length=64), nullable=True),
        sa.CheckConstraint("normality IN ('DEBIT', 'CREDIT')", name=op.f("ck_accounts_normality")),
        sa.ForeignKeyConstraint(
            ["ledger_id"], ["ledgers.id"], name=op.f("fk_accounts_ledger_id_ledgers")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["accounts.id"], name=op.f("fk_accounts_parent_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint(
            "ledger_id", "external_id", name=op.f("uq_accounts_ledger_id_external_id")
        ),
        sa.UniqueConstraint(
            "ledger_id", "stable_name", name=op.f("uq_accounts_ledger_id_stable_name")
        ),
    )
    op.create_table(
        "commodities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("scale", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("scale >= 0 AND scale <= 9", name=op.f("ck_commodities_scale_range")),
        sa.ForeignKeyConstraint(
            ["ledger_id"], ["ledgers.id"], name=op.f("fk_commodities_ledger_id_ledgers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commodities")),
        sa.UniqueConstraint("ledger_id", "code", name=op.f("uq_commodities_ledger_id_code")),
    )
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("entry_type", sa.String(length=64), nullable=False),
        sa.Column("entry_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("counterparty_kind", sa.String(length=16), nullable=True),
        sa.Column("counterparty_id", sa.String(length=200), nullable=True),
        sa.Column("reversal_of_id", sa.String(length=200), nullable=True),
        sa.Column("reversal_id", sa.String(length=200), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "counterparty_kind IN ('CUSTOMER', 'VENDOR')",
            name=op.f("ck_journal_entries_counterparty_kind"),
        ),
        sa.CheckConstraint(
            "(counterparty_kind IS NULL) = (counterparty_id IS NULL)",
            name=op.f("ck_journal_entries_counterparty_pair"),
        ),
        sa.ForeignKeyConstraint(
            ["ledger_id"], ["ledgers.id"], name=op.f("fk_journal_entries_ledger_id_ledgers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint(
            "ledger_id", "external_id", name=op.f("uq_journal_entries_ledger_id_external_id")
        ),
    )
    op.create_index(
        "ix_journal_entries_ledger_order",
        "journal_entries",
        ["ledger_id", "entry_at", "created_at", "external_id"],
    )
    op.create_index(
        "ix_journal_entries_ledger_counterparty",
        "journal_entries",
        ["ledger_id", "counterparty_kind", "counterparty_id", "entry_at"],
    )

    op.create_table(
        "entry_tags",
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_entry_tags_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("entry_id", "key", "value", name=op.f("pk_entry_tags")),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "line_items",
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("ledger_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("commodity_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("direction", sa.String(length=6), nullable=False),
        sa.Column("effect", sa.BigInteger(), nullable=False),
        sa.Column("entry_at", sa.BigInteger(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "direction IN ('DEBIT', 'CREDIT')", name=op.f("ck_line_items_direction")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_line_items_amount_positive")),
        sa.CheckConstraint(
            "effect = amount OR effect = -amount", name=op.f("ck_line_items_effect_magnitude")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_line_items_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["commodity_id"],
            ["commodities.id"],
            name=op.f("fk_line_items_commodity_id_commodities"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_line_items_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["ledger_id"], ["ledgers.id"], name=op.f("fk_line_items_ledger_id_ledgers")
        ),
        sa.PrimaryKeyConstraint("entry_id", "position", name=op.f("pk_line_items")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_line_items_account_time", "line_items", ["account_id", "entry_at"])
    op.create_index(
        "ix_line_items_ledger_time",
        "line_items",
        ["ledger_id", "entry_at", "account_id", "commodity_id", "effect"],
    )

    op.create_table(
        "period_totals",
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
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_period_totals_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["commodity_id"],
            ["commodities.id"],
            name=op.f("fk_period_totals_commodity_id_commodities"),
        ),
        sa.ForeignKeyConstraint(
            ["ledger_id"], ["ledgers.id"], name=op.f("fk_period_totals_ledger_id_ledgers")
        ),
        sa.PrimaryKeyConstraint(
            "ledger_id",
            "granularity",
            "bucket_start",
            "account_id",
            "commodity_id",
            name=op.f("pk_period_totals"),
        ),
        sqlite_with_rowid=False,
    )
    create_immutability_triggers()


def downgrade() -> None:
    drop_immutability_triggers()
    op.drop_table("period_totals")
    op.drop_table("line_items")
    op.drop_table("entry_tags")
    op.drop_table("journal_entries")
    op.drop_table("commodities")
    op.drop_table("accounts")
    op.drop_table("ledgers")


_ENTRY_COLUMNS = (
    "id",
    "ledger_id",
    "external_id",
    "entry_type",
    "entry_at",
    "created_at",
    "description",
    "counterparty_kind",
    "counterparty_id",
    "reversal_of_id",
    "digest",
)
_FROZEN_TABLES = ("line_items", "entry_tags")


def create_immutability_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _create_postgresql_triggers()
    else:
        _create_sqlite_triggers()


def drop_immutability_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in (*_FROZEN_TABLES, "journal_entries"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ledgercore_refuse_change()")
        op.execute("DROP FUNCTION IF EXISTS ledgercore_entry_change()")
    else:
        for table in (*_FROZEN_TABLES, "journal_entries"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def _create_sqlite_triggers() -> None:
    refuse = "SELECT RAISE(ABORT, 'ledgercore: posted entries are immutable');"
    for table in _FROZEN_TABLES:
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN {refuse} END")
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN {refuse} END")
    unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _ENTRY_COLUMNS)
    op.execute(
        "CREATE TRIGGER journal_entries_no_update BEFORE UPDATE ON journal_entries "
        f"WHEN NOT (OLD.reversal_id IS NULL AND NEW.reversal_id IS NOT NULL "
        f"AND {unchanged}) BEGIN {refuse} END"
    )
    op.execute(
        "CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries "
        f"BEGIN {refuse} END"
    )


def _create_postgresql_triggers() -> None:
    op.execute("""
        CREATE FUNCTION ledgercore_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'ledgercore: % on % refused: posted entries are immutable',
                TG_OP, TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
        END $$""")
    new = ", ".join(f"NEW.{c}" for c in _ENTRY_COLUMNS)
    old = ", ".join(f"OLD.{c}" for c in _ENTRY_COLUMNS)
    op.execute(f"""
        CREATE FUNCTION ledgercore_entry_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.reversal_id IS NULL AND NEW.reversal_id IS NOT NULL
               AND ROW({new}) IS NOT DISTINCT FROM ROW({old}) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'ledgercore: % on journal_entries refused: entries are immutable',
                TG_OP USING ERRCODE = 'restrict_violation';
        END $$""")
    for table in (*_FROZEN_TABLES, "journal_entries"):
        function = (
            "ledgercore_entry_change" if table == "journal_entries" else "ledgercore_refuse_change"
        )
        op.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION ledgercore_refuse_change()"
        )
