"""The tables that hold a ledger, as SQLAlchemy 2.0 typed row classes.

One database holds many ledgers (tenants); every row below a ledger carries its
`ledger_id`, and every query filters on it. Instants are BIGINT microseconds since the
Unix epoch in UTC: exact, identical on SQLite and PostgreSQL, and cheap to compare.
Amounts are BIGINT minor units. A line item also carries, denormalised from its entry
and account, the ledger, the effective instant and its signed `effect` on the account's
normal-sign balance, so a balance is one indexed ``GROUP BY`` without joins.
`PeriodTotal` rows are derived data: per account and commodity, the sum of effects in
each UTC year, month and day, maintained in the posting transaction so a balance over a
range reads whole buckets plus the raw lines of at most two partial days. The `cash_*`
tables are the cash-basis projection (docs/cash-basis.md, "Storage and speed"): open
items, allocations, the cash view's lines of every entry touching a clearing account
(as a delta against its accrual lines) and their period totals, all derived and
rebuildable from the journal.

These classes describe the schema for queries and for the autogenerate check; the
schema itself is created only by the Alembic migrations in ``migrations/``. Rows never
leave the store: the repository translates them to and from the frozen domain types.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A 64-bit key on PostgreSQL; on SQLite an INTEGER PRIMARY KEY (the rowid, 64-bit anyway).
BigKey = BigInteger().with_variant(Integer(), "sqlite")

# Period-total granularities: UTC calendar year, month and day.
YEAR, MONTH, DAY = "Y", "M", "D"

# The predicate of the partial indexes of open items. A query must spell it exactly so
# (a literal, not a bound parameter) for SQLite's planner to use them.
OPEN_ITEM = "remaining > 0"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class LedgerRow(Base):
    """A tenant: one set of books (a Layer business, an Alpaca ledger)."""

    __tablename__ = "ledgers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    activation_at: Mapped[int | None] = mapped_column(BigInteger)


class CommodityRow(Base):
    __tablename__ = "commodities"
    __table_args__ = (
        UniqueConstraint("ledger_id", "code"),
        CheckConstraint("scale >= 0 AND scale <= 9", name="scale_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id"))
    code: Mapped[str] = mapped_column(String(32))
    scale: Mapped[int] = mapped_column(SmallInteger)


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("ledger_id", "external_id"),
        UniqueConstraint("ledger_id", "stable_name"),
        CheckConstraint("normality IN ('DEBIT', 'CREDIT')", name="normality"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    type: Mapped[str] = mapped_column(String(16))
    subtype: Mapped[str | None] = mapped_column(String(64))
    normality: Mapped[str] = mapped_column(String(6))
    stable_name: Mapped[str | None] = mapped_column(String(200))
    account_number: Mapped[str | None] = mapped_column(String(64))


class JournalEntryRow(Base):
    """A posted entry. `digest` hashes its posted content, for idempotent re-posting."""

    __tablename__ = "journal_entries"
    __table_args__ = (
        UniqueConstraint("ledger_id", "external_id"),
        Index("ix_journal_entries_ledger_order", "ledger_id", "entry_at", "created_at",
              "external_id"),
        CheckConstraint("(counterparty_kind IS NULL) = (counterparty_id IS NULL)",
                        name="counterparty_pair"),
        CheckConstraint("counterparty_kind IN ('CUSTOMER', 'VENDOR')",
                        name="counterparty_kind"),
    )

    id: Mapped[int] = mapped_column(BigKey, primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id"))
    external_id: Mapped[str] = mapped_column(String(200))
    entry_type: Mapped[str] = mapped_column(String(64))
    entry_at: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str | None] = mapped_column(Text)
    counterparty_kind: Mapped[str | None] = mapped_column(String(16))
    counterparty_id: Mapped[str | None] = mapped_column(String(200))
    # Links by external id, so a batch may hold an entry and its reversal in any order.
    reversal_of_id: Mapped[str | None] = mapped_column(String(200))
    reversal_id: Mapped[str | None] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))


class LineItemRow(Base):
    __tablename__ = "line_items"
    __table_args__ = (
        # Covering index for balances over a time range: scan, no table lookups.
        Index("ix_line_items_ledger_time", "ledger_id", "entry_at", "account_id",
              "commodity_id", "effect"),
        Index("ix_line_items_account_time", "account_id", "entry_at"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("direction IN ('DEBIT', 'CREDIT')", name="direction"),
        CheckConstraint("effect = amount OR effect = -amount", name="effect_magnitude"),
        # Clustered by entry on SQLite: an entry's lines sit together, and no rowid index.
        {"sqlite_with_rowid": False},
    )

    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    commodity_id: Mapped[int] = mapped_column(ForeignKey("commodities.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    direction: Mapped[str] = mapped_column(String(6))
    effect: Mapped[int] = mapped_column(BigInteger)
    entry_at: Mapped[int] = mapped_column(BigInteger)
    external_id: Mapped[str | None] = mapped_column(String(200))


class EntryTagRow(Base):
    __tablename__ = "entry_tags"
    __table_args__ = ({"sqlite_with_rowid": False},)

    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)


class PeriodTotalRow(Base):
    """Sum of effects and count of lines of one account and commodity in one UTC bucket."""

    __tablename__ = "period_totals"
    __table_args__ = (
        CheckConstraint("granularity IN ('Y', 'M', 'D')", name="granularity"),
        {"sqlite_with_rowid": False},
    )

    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id"), primary_key=True)
    granularity: Mapped[str] = mapped_column(String(1), primary_key=True)
    bucket_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    commodity_id: Mapped[int] = mapped_column(ForeignKey("commodities.id"), primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[int] = mapped_column(BigInteger)


class CashOpenItemRow(Base):
    """What one entry added to one clearing account in one commodity, and what is left.

    The domain's `OpenItem` without its basis (recomputed from the entry when a line is
    recognised); `remaining` is ``total - settled``. The entry's counterparty is copied
    here so a payment reads the first open items of its counterparty (or of none) in FIFO
    order straight from a partial index of the items still open (``remaining > 0``):
    settled items, the bulk of a ledger's history, are not in the indexes at all.
    """

    __tablename__ = "cash_open_items"
    __table_args__ = (
        Index("ix_cash_open_items_open", "account_id", "commodity_id", "entry_at",
              sqlite_where=text(OPEN_ITEM), postgresql_where=text(OPEN_ITEM)),
        Index("ix_cash_open_items_open_party", "account_id", "commodity_id",
              "counterparty_kind", "counterparty_id", "entry_at",
              sqlite_where=text(OPEN_ITEM), postgresql_where=text(OPEN_ITEM)),
        CheckConstraint("remaining >= 0 AND remaining <= total", name="remaining_range"),
        {"sqlite_with_rowid": False},
    )

    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    commodity_id: Mapped[int] = mapped_column(ForeignKey("commodities.id"), primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id"))
    entry_at: Mapped[int] = mapped_column(BigInteger)
    counterparty_kind: Mapped[str | None] = mapped_column(String(16))
    counterparty_id: Mapped[str | None] = mapped_column(String(200))
    total: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)


class CashAllocationRow(Base):
    """`amount` of an open item settled (> 0) or re-opened (< 0) by a settling entry.

    `seq` orders one settling entry's allocations on one clearing account and commodity
    (the order they were made in, which a reversal undoes newest first).
    """

    __tablename__ = "cash_allocations"
    __table_args__ = (
        Index("ix_cash_allocations_account", "account_id"),
        {"sqlite_with_rowid": False},
    )

    settling_entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"),
                                                   primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    commodity_id: Mapped[int] = mapped_column(ForeignKey("commodities.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id"))
    item_entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    settled_before: Mapped[int] = mapped_column(BigInteger)
    recognised_at: Mapped[int] = mapped_column(BigInteger)


class CashLineRow(Base):
    """One line of the cash-basis delta of an entry that touches a clearing account.

    ``sign = -1``: one of the entry's accrual lines, withdrawn (`effect` negated); written
    once when the entry is projected. ``sign = +1``: a line of the entry's cash view
    (`ledgercore.domain.cash.cash_entry`), rewritten when its allocations change. Accrual
    plus these rows is the cash view, line for line and in line counts.
    """

    __tablename__ = "cash_lines"
    __table_args__ = (
        Index("ix_cash_lines_ledger_time", "ledger_id", "entry_at", "account_id",
              "commodity_id", "effect", "sign"),
        Index("ix_cash_lines_account_time", "account_id", "entry_at"),
        CheckConstraint("sign IN (-1, 1)", name="sign"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("direction IN ('DEBIT', 'CREDIT')", name="direction"),
        {"sqlite_with_rowid": False},
    )

    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), primary_key=True)
    sign: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    commodity_id: Mapped[int] = mapped_column(ForeignKey("commodities.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    direction: Mapped[str] = mapped_column(String(6))
    effect: Mapped[int] = mapped_column(BigInteger)
    entry_at: Mapped[int] = mapped_column(BigInteger)
    external_id: Mapped[str | None] = mapped_column(Text)


class CashPeriodTotalRow(Base):
    """`PeriodTotal` of the cash lines: the cash basis minus accrual, per UTC bucket."""

    __tablename__ = "cash_period_totals"
    __table_args__ = (
        CheckConstraint("granularity IN ('Y', 'M', 'D')", name="granularity"),
        {"sqlite_with_rowid": False},
    )

    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledgers.id"), primary_key=True)
    granularity: Mapped[str] = mapped_column(String(1), primary_key=True)
    bucket_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    commodity_id: Mapped[int] = mapped_column(ForeignKey("commodities.id"), primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[int] = mapped_column(BigInteger)


# The Core tables, for the store's SQL (queries and bulk writes need no ORM sessions).
ledgers = cast(Table, LedgerRow.__table__)
commodities = cast(Table, CommodityRow.__table__)
accounts = cast(Table, AccountRow.__table__)
journal_entries = cast(Table, JournalEntryRow.__table__)
line_items = cast(Table, LineItemRow.__table__)
entry_tags = cast(Table, EntryTagRow.__table__)
period_totals = cast(Table, PeriodTotalRow.__table__)
cash_open_items = cast(Table, CashOpenItemRow.__table__)
cash_allocations = cast(Table, CashAllocationRow.__table__)
cash_lines = cast(Table, CashLineRow.__table__)
cash_period_totals = cast(Table, CashPeriodTotalRow.__table__)
