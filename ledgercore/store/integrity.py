"""Whether a ledger's journal is whole: every entry sealed, complete and balanced.

The database refuses every change to posted history (migrations 0001 and 0005), so a
journal written since 0005 is whole. One changed by hand before that, or with the
triggers dropped, may not be: rebuilding the derived figures from it would make the
tampering look legitimate, so `Ledger.rebuild_period_totals` and
`Ledger.rebuild_cash_projection` check first and refuse (`tampered_history`).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ledgercore.store.errors import TamperedHistory

# An entry is whole when it has its seal, exactly its stated lines, at positions 0 .. n-1,
# and debits equal credits per commodity.
_BROKEN = text("""
    SELECT e.external_id FROM journal_entries e
    LEFT JOIN entry_seals s ON s.entry_id = e.id
    WHERE e.ledger_id = :ledger AND (
        s.entry_id IS NULL OR s.last_position <> e.line_count - 1
        OR e.line_count <> (SELECT count(*) FROM line_items l WHERE l.entry_id = e.id)
        OR EXISTS (SELECT 1 FROM line_items l WHERE l.entry_id = e.id
                   AND (l.position < 0 OR l.position >= e.line_count))
        OR EXISTS (SELECT 1 FROM line_items l WHERE l.entry_id = e.id
                   GROUP BY l.commodity_id
                   HAVING sum(CASE WHEN l.direction = 'DEBIT' THEN l.amount
                                   ELSE -l.amount END) <> 0))
    ORDER BY e.external_id
    LIMIT 20
""")


def broken_entries(connection: Connection, ledger_id: int) -> list[str]:
    """Ids of (up to 20) entries of the ledger that are not whole."""
    return list(connection.execute(_BROKEN, {"ledger": ledger_id}).scalars())


def check(connection: Connection, ledger_id: int) -> None:
    """Raise TamperedHistory if any entry of the ledger is not whole."""
    broken = broken_entries(connection, ledger_id)
    if broken:
        raise TamperedHistory(
            f"entries changed outside ledgercore: {', '.join(broken)} (incomplete or "
            f"unbalanced); nothing was rebuilt. Restore the database from a backup",
            entry_ids=broken)
