"""Sealed entries and fixed meanings: the database refuses every change to posted history.

Migration 0001 refused UPDATE and DELETE of posted rows; INSERT was still open, and so
were the rows that give posted figures their meaning. Now, on both engines:

- An entry states how many line items it has (``journal_entries.line_count``). Inserting
  it inserts its seal (``entry_seals``: the position of its last line), whose deferred
  foreign key to that line is checked at commit: an entry without all its lines never
  commits.
- Line items go in in position order, up to the last; the last one seals the entry, and
  must leave it balanced (debits equal credits per commodity). No line can be added to a
  sealed entry, and no tag either (an entry's tags go in before its lines).
- An account's type, normality, ledger and id, a commodity's code, scale and ledger, and a
  ledger's timezone cannot change once postings depend on them.
- SQLite: a period total (accrual or cash) must be an integer; SQLite would otherwise
  store a sum past 2^63 - 1 as an inexact REAL. PostgreSQL's BIGINT refuses it itself.

SQLite checks with row triggers; PostgreSQL with statement triggers over the inserted
rows (transition tables), so a COPY of thousands of lines is checked by one query.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# journal_entries' columns that never change (0001's list and the line count).
_OLD_ENTRY_COLUMNS = ("id", "ledger_id", "external_id", "entry_type", "entry_at", "created_at",
                      "description", "counterparty_kind", "counterparty_id", "reversal_of_id",
                      "digest")
_ENTRY_COLUMNS = (*_OLD_ENTRY_COLUMNS, "line_count")
_TOTALS = ("period_totals", "cash_period_totals")
# Columns fixed once postings depend on the row, and the postings that do.
_FIXED = {
    "accounts": (("type", "normality", "ledger_id", "external_id"),
                 "SELECT 1 FROM line_items WHERE account_id = OLD.id"),
    "commodities": (("code", "scale", "ledger_id"),
                    "SELECT 1 FROM line_items WHERE commodity_id = OLD.id"),
    "ledgers": (("timezone",), "SELECT 1 FROM journal_entries WHERE ledger_id = OLD.id"),
}
_REFUSED = "ledgercore: posted entries are immutable"
_LINE_REFUSED = ("line item refused: its entry is sealed, the line is out of order or it "
                 "leaves the entry unbalanced")
# SQLite: a total must be an integer (a sum past 2^63 - 1 would become an inexact REAL).
_INTEGER_TOTAL = "typeof(total) = 'integer'"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _drop_entry_update_trigger(sqlite)
    op.add_column("journal_entries", sa.Column("line_count", sa.SmallInteger(), nullable=False,
                                               server_default=sa.text("0")))
    op.execute("UPDATE journal_entries SET line_count = (SELECT count(*) FROM line_items "
               "WHERE line_items.entry_id = journal_entries.id)")
    op.create_table(
        "entry_seals",
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("last_position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id", "last_position"],
                                ["line_items.entry_id", "line_items.position"],
                                name=op.f("fk_entry_seals_entry_id_line_items"),
                                deferrable=True, initially="DEFERRED"),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_entry_seals")),
        sqlite_with_rowid=False,
    )
    # Entries already posted are sealed at their last line (one without lines, which
    # nothing but a hand-made row could be, stays unsealed: `ledgercore db rebuild`
    # reports it).
    op.execute("INSERT INTO entry_seals (entry_id, last_position) SELECT entry_id, "
               "max(position) FROM line_items GROUP BY entry_id")
    if sqlite:
        _create_sqlite_triggers()
    else:
        _create_postgresql_triggers()


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for trigger in ("journal_entries_seal", "line_items_sealed", "entry_tags_sealed",
                        "entry_seals_no_update", "entry_seals_no_delete",
                        *(f"{t}_fixed" for t in _FIXED)):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for table in _TOTALS:
            _rebuild_sqlite_table(table, _without_check(f"ck_{table}_integer_total",
                                                         _INTEGER_TOTAL))
    else:
        for table, trigger in (("journal_entries", "journal_entries_seal"),
                               ("line_items", "line_items_sealed"),
                               ("entry_tags", "entry_tags_sealed"),
                               ("entry_seals", "entry_seals_immutable"),
                               ("entry_seals", "entry_seals_no_truncate"),
                               *((t, f"{t}_fixed") for t in _FIXED)):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for function in ("ledgercore_seal_entries", "ledgercore_check_lines",
                         "ledgercore_check_tags", *(f"ledgercore_{t}_fixed" for t in _FIXED)):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_table("entry_seals")
    _drop_entry_update_trigger(sqlite)
    if sqlite:
        # SQLite drops a column only while no trigger names it: 0001's trigger comes back
        # afterwards.
        op.drop_column("journal_entries", "line_count")
        _create_sqlite_entry_update_trigger(_OLD_ENTRY_COLUMNS)
    else:
        op.drop_column("journal_entries", "line_count")
        _create_postgresql_entry_update_trigger(_OLD_ENTRY_COLUMNS)


def _drop_entry_update_trigger(sqlite: bool) -> None:
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS journal_entries_no_update")
    else:
        op.execute("DROP TRIGGER IF EXISTS journal_entries_immutable ON journal_entries")
        op.execute("DROP FUNCTION IF EXISTS ledgercore_entry_change()")


def _create_sqlite_entry_update_trigger(columns: Sequence[str]) -> None:
    """0001's rule: only `reversal_id` may be set, once, from NULL; now over `columns`."""
    unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in columns)
    op.execute(
        "CREATE TRIGGER journal_entries_no_update BEFORE UPDATE ON journal_entries "
        f"WHEN NOT (OLD.reversal_id IS NULL AND NEW.reversal_id IS NOT NULL "
        f"AND {unchanged}) BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END")


def _create_postgresql_entry_update_trigger(columns: Sequence[str]) -> None:
    new = ", ".join(f"NEW.{c}" for c in columns)
    old = ", ".join(f"OLD.{c}" for c in columns)
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
    op.execute("CREATE TRIGGER journal_entries_immutable BEFORE UPDATE OR DELETE ON "
               "journal_entries FOR EACH ROW EXECUTE FUNCTION ledgercore_entry_change()")


def _raise(message: str) -> str:
    return f"SELECT RAISE(ABORT, 'ledgercore: {message}');"


def _create_sqlite_triggers() -> None:
    _create_sqlite_entry_update_trigger(_ENTRY_COLUMNS)
    op.execute("CREATE TRIGGER journal_entries_seal AFTER INSERT ON journal_entries BEGIN "
               "INSERT INTO entry_seals (entry_id, last_position) "
               "VALUES (NEW.id, NEW.line_count - 1); END")
    for event in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER entry_seals_no_{event.lower()} BEFORE {event} ON "
                   f"entry_seals BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END")
    # One trigger, one seal lookup per line (two triggers cost SQLite twice the time):
    # lines go in in position order up to the last (the one before must be there), and
    # the last must leave the entry balanced per commodity. The common case, one
    # commodity, sums the entry's lines in one pass; several group them.
    signed = "CASE direction WHEN 'DEBIT' THEN amount ELSE -amount END"
    new_signed = "CASE NEW.direction WHEN 'DEBIT' THEN NEW.amount ELSE -NEW.amount END"
    unbalanced = (
        f"(SELECT CASE WHEN min(commodity_id) = NEW.commodity_id "
        f"AND max(commodity_id) = NEW.commodity_id THEN sum({signed}) + {new_signed} <> 0 "
        f"ELSE EXISTS (SELECT 1 FROM (SELECT commodity_id, {signed} AS signed "
        f"FROM line_items WHERE entry_id = NEW.entry_id "
        f"UNION ALL SELECT NEW.commodity_id, {new_signed}) "
        f"GROUP BY commodity_id HAVING sum(signed) <> 0) END "
        f"FROM line_items WHERE entry_id = NEW.entry_id)")
    op.execute(
        "CREATE TRIGGER line_items_sealed BEFORE INSERT ON line_items WHEN "
        "coalesce((SELECT CASE WHEN NEW.position > s.last_position THEN 1 "
        f"WHEN NEW.position < s.last_position THEN 0 ELSE {unbalanced} END "
        "FROM entry_seals s WHERE s.entry_id = NEW.entry_id), 1) "
        "OR NEW.position < 0 "
        "OR (NEW.position > 0 AND NOT EXISTS (SELECT 1 FROM line_items p "
        "WHERE p.entry_id = NEW.entry_id AND p.position = NEW.position - 1)) "
        f"BEGIN {_raise(_LINE_REFUSED)} END")
    op.execute(
        "CREATE TRIGGER entry_tags_sealed BEFORE INSERT ON entry_tags WHEN EXISTS ("
        "SELECT 1 FROM entry_seals s JOIN line_items l ON l.entry_id = s.entry_id "
        "AND l.position = s.last_position WHERE s.entry_id = NEW.entry_id) "
        f"BEGIN {_raise('tag refused: its entry is posted')} END")
    for table, (columns, postings) in _FIXED.items():
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
        op.execute(
            f"CREATE TRIGGER {table}_fixed BEFORE UPDATE ON {table} "
            f"WHEN ({changed}) AND EXISTS ({postings}) "
            f"BEGIN {_raise(f'{table}: postings depend on ' + ', '.join(columns))} END")
    for table in _TOTALS:
        _rebuild_sqlite_table(table, _with_check(f"ck_{table}_integer_total", _INTEGER_TOTAL))


def _with_check(name: str, condition: str) -> Callable[[str], str]:
    """An edit of a stored table definition adding a CHECK constraint at its end."""
    def edit(definition: str) -> str:
        head, paren, tail = definition.rpartition(")")  # the column list's end
        return f"{head.rstrip()}, CONSTRAINT {name} CHECK ({condition})\n{paren}{tail}"

    return edit


def _without_check(name: str, condition: str) -> Callable[[str], str]:
    def edit(definition: str) -> str:
        clause = f", CONSTRAINT {name} CHECK ({condition})\n"
        if clause not in definition:
            raise RuntimeError(f"{clause!r} is not in the stored definition {definition!r}")
        return definition.replace(clause, "\n")

    return edit


def _rebuild_sqlite_table(table: str, edit: Callable[[str], str]) -> None:
    """Copy a SQLite table's rows into an edited copy of its own stored definition
    (as migration 0004 does), its indexes and triggers recreated as they were stored."""
    bind = op.get_bind()
    definition = bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :table"),
        {"table": table}).scalar_one()
    dependents = bind.execute(sa.text(
        "SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
        "AND tbl_name = :table AND sql IS NOT NULL ORDER BY type"),
        {"table": table}).scalars().all()
    op.execute(re.sub(r"^CREATE TABLE \"?\w+\"? \(", f"CREATE TABLE {table}_new (",
                      edit(definition)))
    op.execute(f"INSERT INTO {table}_new SELECT * FROM {table}")
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    for statement in dependents:
        op.execute(statement)


def _plpgsql(name: str, body: str) -> None:
    op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
               f"BEGIN\n{body}\nEND $$")


def _pg_raise(message: str) -> str:
    return f"RAISE EXCEPTION 'ledgercore: {message}' USING ERRCODE = 'restrict_violation';"


def _create_postgresql_triggers() -> None:
    _create_postgresql_entry_update_trigger(_ENTRY_COLUMNS)
    _plpgsql("ledgercore_seal_entries", """
        INSERT INTO entry_seals (entry_id, last_position)
        SELECT id, line_count - 1 FROM new_entries;
        RETURN NULL;""")
    op.execute("CREATE TRIGGER journal_entries_seal AFTER INSERT ON journal_entries "
               "REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT "
               "EXECUTE FUNCTION ledgercore_seal_entries()")
    op.execute("CREATE TRIGGER entry_seals_immutable BEFORE UPDATE OR DELETE ON entry_seals "
               "FOR EACH ROW EXECUTE FUNCTION ledgercore_refuse_change()")
    op.execute("CREATE TRIGGER entry_seals_no_truncate BEFORE TRUNCATE ON entry_seals "
               "FOR EACH STATEMENT EXECUTE FUNCTION ledgercore_refuse_change()")
    _plpgsql("ledgercore_check_lines", f"""
        IF EXISTS (
            SELECT 1 FROM new_lines n LEFT JOIN entry_seals s ON s.entry_id = n.entry_id
            WHERE s.entry_id IS NULL OR n.position < 0 OR n.position > s.last_position
               OR (n.position > 0 AND NOT EXISTS (
                   SELECT 1 FROM line_items p
                   WHERE p.entry_id = n.entry_id AND p.position = n.position - 1))) THEN
            {_pg_raise('line item refused: its entry is sealed or the line is out of order')}
        END IF;
        IF EXISTS (
            SELECT 1 FROM line_items l
            WHERE l.entry_id IN (SELECT n.entry_id FROM new_lines n JOIN entry_seals s
                                 ON s.entry_id = n.entry_id AND n.position = s.last_position)
            GROUP BY l.entry_id, l.commodity_id
            HAVING sum(CASE WHEN l.direction = 'DEBIT' THEN l.amount
                            ELSE -l.amount END) <> 0) THEN
            {_pg_raise('unbalanced entry refused: debits must equal credits')}
        END IF;
        RETURN NULL;""")
    op.execute("CREATE TRIGGER line_items_sealed AFTER INSERT ON line_items "
               "REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT "
               "EXECUTE FUNCTION ledgercore_check_lines()")
    _plpgsql("ledgercore_check_tags", f"""
        IF EXISTS (
            SELECT 1 FROM new_tags t JOIN entry_seals s ON s.entry_id = t.entry_id
            JOIN line_items l ON l.entry_id = s.entry_id AND l.position = s.last_position)
        THEN
            {_pg_raise('tag refused: its entry is posted')}
        END IF;
        RETURN NULL;""")
    op.execute("CREATE TRIGGER entry_tags_sealed AFTER INSERT ON entry_tags "
               "REFERENCING NEW TABLE AS new_tags FOR EACH STATEMENT "
               "EXECUTE FUNCTION ledgercore_check_tags()")
    for table, (columns, postings) in _FIXED.items():
        new = ", ".join(f"NEW.{c}" for c in columns)
        old = ", ".join(f"OLD.{c}" for c in columns)
        _plpgsql(f"ledgercore_{table}_fixed", f"""
        IF ROW({new}, 0) IS DISTINCT FROM ROW({old}, 0) AND EXISTS ({postings}) THEN
            {_pg_raise(f'{table}: postings depend on ' + ', '.join(columns))}
        END IF;
        RETURN NEW;""")
        op.execute(f"CREATE TRIGGER {table}_fixed BEFORE UPDATE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION ledgercore_{table}_fixed()")
