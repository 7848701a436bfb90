"""The cash-basis projection without foreign keys: derived rows, as the period totals.

Open items, allocations, cash lines and their period totals are computed in the posting
transaction from the entries and line items just written, whose keys the journal's own
foreign keys have checked, and `Ledger.rebuild_cash_projection` recomputes all of them
from the journal. Checking their 16 keys again cost PostgreSQL a fifth of an import
(100,000 Layer entries: 131 against 106 µs an entry, nearly all of it in the server's
per-row key checks), so, as migration 0003 did for the accrual period totals, the second
line of defence stays on the facts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each projection table's keys: (column, referred table).
_KEYS = {
    "cash_open_items": (("entry_id", "journal_entries"), ("account_id", "accounts"),
                        ("commodity_id", "commodities"), ("ledger_id", "ledgers")),
    "cash_allocations": (("settling_entry_id", "journal_entries"), ("account_id", "accounts"),
                         ("commodity_id", "commodities"), ("ledger_id", "ledgers"),
                         ("item_entry_id", "journal_entries")),
    "cash_lines": (("entry_id", "journal_entries"), ("account_id", "accounts"),
                   ("commodity_id", "commodities"), ("ledger_id", "ledgers")),
    "cash_period_totals": (("account_id", "accounts"), ("commodity_id", "commodities"),
                           ("ledger_id", "ledgers")),
}
_FOREIGN_KEY = re.compile(r",\s*CONSTRAINT fk_\w+ FOREIGN KEY\s*\(\w+\) REFERENCES \w+ \(id\)")


def _name(table: str, column: str, target: str) -> str:
    return f"fk_{table}_{column}_{target}"


def upgrade() -> None:
    for table, keys in _KEYS.items():
        if op.get_bind().dialect.name == "sqlite":
            _rebuild_sqlite_table(table, lambda sql: _FOREIGN_KEY.sub("", sql))
        else:
            for column, target in keys:
                op.drop_constraint(_name(table, column, target), table, type_="foreignkey")


def downgrade() -> None:
    for table, keys in _KEYS.items():
        if op.get_bind().dialect.name == "sqlite":
            clauses = "".join(f", CONSTRAINT {_name(table, column, target)} FOREIGN KEY"
                              f"({column}) REFERENCES {target} (id)" for column, target in keys)

            def with_keys(sql: str, clauses: str = clauses) -> str:
                head, paren, tail = sql.rpartition(")")  # the column list's end
                return f"{head}{clauses}{paren}{tail}"

            _rebuild_sqlite_table(table, with_keys)
        else:
            for column, target in keys:
                op.create_foreign_key(_name(table, column, target), table, target,
                                      [column], ["id"])


def _rebuild_sqlite_table(table: str, edit: Callable[[str], str]) -> None:
    """SQLite cannot drop or add a constraint: copy the rows into an edited copy.

    The copy is made from the table's own stored definition, so columns, checks,
    ``WITHOUT ROWID`` and the indexes (partial ones included) stay exactly as they are.
    """
    bind = op.get_bind()
    definition = bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :table"),
        {"table": table}).scalar_one()
    indexes = bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table "
        "AND sql IS NOT NULL"), {"table": table}).scalars().all()
    copy = re.sub(r"^CREATE TABLE \"?\w+\"? \(", f"CREATE TABLE {table}_new (",
                  edit(definition))
    op.execute(copy)
    op.execute(f"INSERT INTO {table}_new SELECT * FROM {table}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    for index in indexes:
        op.execute(index)
