"""The tables that hold a ledger, as SQLAlchemy Core tables on one `metadata`.

One database holds many ledgers (tenants); every row below a ledger carries its
`ledger_id`, and every query filters on it. Instants are BIGINT microseconds since the
Unix epoch in UTC: exact, identical on SQLite and PostgreSQL, and cheap to compare.
Amounts are BIGINT minor units. A line item also carries, denormalised from its entry
and account, the ledger, the effective instant and its signed `effect` on the account's
normal-sign balance, so a balance is one indexed ``GROUP BY`` without joins.
Period totals are derived data: per account and commodity, the sum of effects in each
UTC year, month and day, maintained in the posting transaction so a balance over a
range reads whole buckets plus the raw lines of at most two partial days. The `cash_*`
tables are the cash-basis projection (docs/cash-basis.md, "Storage and speed"): open
items, allocations, the cash view's lines of every entry touching a clearing account
(as a delta against its accrual lines) and their period totals, all derived and
rebuildable from the journal. `cash_flow_totals` keeps the direct cash flow's sums by the
same buckets.

These tables describe the schema for queries and for the autogenerate check; the
schema itself is created only by the Alembic migrations in ``ledgercore/migrations/``. They are
plain Core tables, not ORM classes: every query is Core, and importing
``sqlalchemy.orm`` and mapping classes would cost a cold CLI run about a fifth of its
time. Rows never leave the store: the repository translates them to and from the
frozen domain types.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    ForeignKeyConstraint,
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
from sqlalchemy.types import TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_Type = TypeEngine[Any] | type[TypeEngine[Any]]

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# A 64-bit key on PostgreSQL; on SQLite an INTEGER PRIMARY KEY (the rowid, 64-bit anyway).
BigKey = BigInteger().with_variant(Integer(), "sqlite")

# Period-total granularities: UTC calendar year, month and day.
YEAR, MONTH, DAY = "Y", "M", "D"

# The predicate of the partial indexes of open items. A query must spell it exactly so
# (a literal, not a bound parameter) for SQLite's planner to use them.
OPEN_ITEM = "remaining > 0"


def _key_type(target: str) -> TypeEngine[int]:
    """The type of the key `target` (``table.id``)."""
    return BigKey if target in ("journal_entries.id", "transfers.id") else Integer()


def _ref(name: str, target: str, *, primary_key: bool = False) -> Column[int]:
    """A NOT NULL foreign key to `target` (``table.id``), typed like the key it refers to."""
    return Column(name, _key_type(target), ForeignKey(target), primary_key=primary_key,
                  nullable=False)


def _key(name: str, target: str, *, primary_key: bool = False) -> Column[int]:
    """A NOT NULL key of `target` (``table.id``) with no foreign key of its own.

    Either a table constraint checks it with other columns (a line item's entry and
    ledger), or it keys a derived row: period totals and the cash-basis projection are
    written in the posting transaction from the very line items whose keys have just
    been checked, and are rebuilt from them on demand, so the second line of defence
    stays on the facts (migrations 0003 and 0004 say what checking again cost).
    """
    return Column(name, _key_type(target), primary_key=primary_key, nullable=False)


def _required(name: str, kind: _Type) -> Column[Any]:
    return Column(name, kind, nullable=False)


def _optional(name: str, kind: _Type) -> Column[Any]:
    return Column(name, kind, nullable=True)


# A tenant: one set of books (a Layer business, an Alpaca ledger).
ledgers = Table(
    "ledgers", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), unique=True, nullable=False),
    _required("timezone", String(64)),
    _optional("activation_at", BigInteger),
    # The first instant writes may be dated at while a close stands (`period_closes`);
    # posting reads it under a share lock, a close writes it under an update lock.
    _optional("closed_until", BigInteger),
    # Counts the ledger's chart changes (migration 0012): a handle whose cached chart is
    # of another count reads the chart again before it posts or reports (`Catalog`).
    Column("chart_version", BigInteger, nullable=False, server_default=text("0")),
)

commodities = Table(
    "commodities", metadata,
    Column("id", Integer, primary_key=True),
    _ref("ledger_id", "ledgers.id"),
    _required("code", String(32)),
    _required("scale", SmallInteger),
    UniqueConstraint("ledger_id", "code"),
    CheckConstraint("scale >= 0 AND scale <= 9", name="scale_range"),
)

accounts = Table(
    "accounts", metadata,
    Column("id", Integer, primary_key=True),
    _ref("ledger_id", "ledgers.id"),
    _required("external_id", String(200)),
    _required("name", Text),
    Column("parent_id", Integer, ForeignKey("accounts.id"), nullable=True),
    _required("type", String(16)),
    _optional("subtype", String(64)),
    _required("normality", String(6)),
    _optional("stable_name", String(200)),
    _optional("account_number", String(64)),
    _optional("description", Text),
    # The seen instant of the chart snapshot whose labels the row holds (NULL: only
    # flat views so far). See account_history and migration 0006.
    _optional("labels_seen_at", BigInteger),
    UniqueConstraint("ledger_id", "external_id"),
    UniqueConstraint("ledger_id", "stable_name"),
    CheckConstraint("normality IN ('DEBIT', 'CREDIT')", name="normality"),
)

# A posted entry. `digest` hashes its posted content, for idempotent re-posting.
journal_entries = Table(
    "journal_entries", metadata,
    Column("id", BigKey, primary_key=True),
    _ref("ledger_id", "ledgers.id"),
    _required("external_id", String(200)),
    _required("entry_type", String(64)),
    _required("entry_at", BigInteger),
    _required("created_at", BigInteger),
    _optional("description", Text),
    _optional("counterparty_kind", String(16)),
    _optional("counterparty_id", String(200)),
    # Links by external id, so a batch may hold an entry and its reversal in any order.
    _optional("reversal_of_id", String(200)),
    _optional("reversal_id", String(200)),
    _required("digest", String(64)),
    # How many line items the entry has: inserting the entry inserts its seal (below).
    Column("line_count", SmallInteger, nullable=False, server_default=text("0")),
    UniqueConstraint("ledger_id", "external_id"),
    Index("ix_journal_entries_ledger_order", "ledger_id", "entry_at", "created_at",
          "external_id"),
    # A customer's or vendor's entries in a range (`--customer` / `--vendor` balances)
    # without scanning the ledger's whole journal.
    Index("ix_journal_entries_ledger_counterparty", "ledger_id", "counterparty_kind",
          "counterparty_id", "entry_at"),
    # The target of the line items' (entry, ledger) key.
    Index("ix_journal_entries_id_ledger_id", "id", "ledger_id", unique=True),
    CheckConstraint("(counterparty_kind IS NULL) = (counterparty_id IS NULL)",
                    name="counterparty_pair"),
    CheckConstraint("counterparty_kind IN ('CUSTOMER', 'VENDOR')", name="counterparty_kind"),
)

line_items = Table(
    "line_items", metadata,
    _key("entry_id", "journal_entries.id", primary_key=True),
    Column("position", SmallInteger, primary_key=True),
    _key("ledger_id", "ledgers.id"),
    _ref("account_id", "accounts.id"),
    _ref("commodity_id", "commodities.id"),
    _required("amount", BigInteger),
    _required("direction", String(6)),
    _required("effect", BigInteger),
    _required("entry_at", BigInteger),
    _optional("external_id", String(200)),
    # Covering index for balances over a time range: scan, no table lookups.
    Index("ix_line_items_ledger_time", "ledger_id", "entry_at", "account_id",
          "commodity_id", "effect"),
    Index("ix_line_items_account_time", "account_id", "entry_at"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("direction IN ('DEBIT', 'CREDIT')", name="direction"),
    CheckConstraint("effect = amount OR effect = -amount", name="effect_magnitude"),
    # One key for both: the line belongs to its entry, in its entry's ledger.
    ForeignKeyConstraint(["entry_id", "ledger_id"],
                         ["journal_entries.id", "journal_entries.ledger_id"]),
    # Clustered by entry on SQLite: an entry's lines sit together, and no rowid index.
    sqlite_with_rowid=False,
)

# The position of an entry's last line, inserted with the entry by a trigger (migration
# 0005). Its key to that line is checked at commit: an entry commits with all its lines or
# not at all. The last line seals the entry: no line or tag can be added after it.
entry_seals = Table(
    "entry_seals", metadata,
    Column("entry_id", BigKey, primary_key=True),
    _required("last_position", SmallInteger),
    ForeignKeyConstraint(["entry_id", "last_position"],
                         ["line_items.entry_id", "line_items.position"],
                         deferrable=True, initially="DEFERRED"),
    sqlite_with_rowid=False,
)

entry_tags = Table(
    "entry_tags", metadata,
    _ref("entry_id", "journal_entries.id", primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("value", String(200), primary_key=True),
    sqlite_with_rowid=False,
)


def _period_totals(name: str) -> Table:
    """Sum of effects and count of lines of one account and commodity in one UTC bucket.

    On SQLite the table also checks ``typeof(total) = 'integer'`` (migration 0005; not
    stated here, as PostgreSQL has no `typeof`): SQLite would store a sum past 2^63 - 1
    as an inexact REAL, where PostgreSQL's BIGINT refuses it.
    """
    return Table(
        name, metadata,
        _key("ledger_id", "ledgers.id", primary_key=True),
        Column("granularity", String(1), primary_key=True),
        Column("bucket_start", BigInteger, primary_key=True),
        _key("account_id", "accounts.id", primary_key=True),
        _key("commodity_id", "commodities.id", primary_key=True),
        _required("total", BigInteger),
        _required("lines", BigInteger),
        CheckConstraint("granularity IN ('Y', 'M', 'D')", name="granularity"),
        sqlite_with_rowid=False,
    )


period_totals = _period_totals("period_totals")

# What one entry added to one clearing account in one commodity, and what is left.
#
# The domain's `OpenItem` without its basis (recomputed from the entry when a line is
# recognised); `remaining` is ``total - settled``. The entry's counterparty is copied
# here so a payment reads the first open items of its counterparty (or of none) in FIFO
# order straight from a partial index of the items still open (``remaining > 0``):
# settled items, the bulk of a ledger's history, are not in the indexes at all.
cash_open_items = Table(
    "cash_open_items", metadata,
    _key("entry_id", "journal_entries.id", primary_key=True),
    _key("account_id", "accounts.id", primary_key=True),
    _key("commodity_id", "commodities.id", primary_key=True),
    _key("ledger_id", "ledgers.id"),
    _required("entry_at", BigInteger),
    _optional("counterparty_kind", String(16)),
    _optional("counterparty_id", String(200)),
    _required("total", BigInteger),
    _required("remaining", BigInteger),
    # Partial on both engines (migration 0002). Only SQLite's predicate is named here:
    # naming PostgreSQL's would import its dialect into every SQLite process (~45 ms of a
    # cold CLI run), and autogenerate does not compare index predicates.
    Index("ix_cash_open_items_open", "account_id", "commodity_id", "entry_at",
          sqlite_where=text(OPEN_ITEM)),
    Index("ix_cash_open_items_open_party", "account_id", "commodity_id",
          "counterparty_kind", "counterparty_id", "entry_at",
          sqlite_where=text(OPEN_ITEM)),
    CheckConstraint("remaining >= 0 AND remaining <= total", name="remaining_range"),
    sqlite_with_rowid=False,
)

# `amount` of an open item settled (> 0) or re-opened (< 0) by a settling entry.
#
# `seq` orders one settling entry's allocations on one clearing account and commodity
# (the order they were made in, which a reversal undoes newest first).
cash_allocations = Table(
    "cash_allocations", metadata,
    _key("settling_entry_id", "journal_entries.id", primary_key=True),
    _key("account_id", "accounts.id", primary_key=True),
    _key("commodity_id", "commodities.id", primary_key=True),
    Column("seq", Integer, primary_key=True),
    _key("ledger_id", "ledgers.id"),
    _key("item_entry_id", "journal_entries.id"),
    _required("amount", BigInteger),
    _required("settled_before", BigInteger),
    _required("recognised_at", BigInteger),
    Index("ix_cash_allocations_account", "account_id"),
    sqlite_with_rowid=False,
)

# One line of the cash-basis delta of an entry that touches a clearing account.
#
# ``sign = -1``: one of the entry's accrual lines, withdrawn (`effect` negated); written
# once when the entry is projected. ``sign = +1``: a line of the entry's cash view
# (`ledgercore.domain.cash.cash_entry`), rewritten when its allocations change. Accrual
# plus these rows is the cash view, line for line and in line counts.
cash_lines = Table(
    "cash_lines", metadata,
    _key("entry_id", "journal_entries.id", primary_key=True),
    Column("sign", SmallInteger, primary_key=True),
    Column("position", SmallInteger, primary_key=True),
    _key("ledger_id", "ledgers.id"),
    _key("account_id", "accounts.id"),
    _key("commodity_id", "commodities.id"),
    _required("amount", BigInteger),
    _required("direction", String(6)),
    _required("effect", BigInteger),
    _required("entry_at", BigInteger),
    _optional("external_id", Text),
    Index("ix_cash_lines_ledger_time", "ledger_id", "entry_at", "account_id",
          "commodity_id", "effect", "sign"),
    Index("ix_cash_lines_account_time", "account_id", "entry_at"),
    CheckConstraint("sign IN (-1, 1)", name="sign"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint("direction IN ('DEBIT', 'CREDIT')", name="direction"),
    sqlite_with_rowid=False,
)

# Period totals of the cash lines: the cash basis minus accrual, per UTC bucket.
cash_period_totals = _period_totals("cash_period_totals")

# The direct cash flow's sums per counter-account, UTC bucket (migration 0011): the lines
# of entries that moved cash, accrual plus cash lines, off the cash accounts
# (`ledgercore.store.cash_flow_totals`).
cash_flow_totals = _period_totals("cash_flow_totals")

# -- transfers and balance guards (docs/transfers.md; migration 0007) ------------------

TRANSFER_STATUSES = "('pending', 'executed', 'canceled', 'rejected', 'deleted', 'refused')"

# A balance guard: the account's available balance in each commodity may not go below
# `floor` (a decimal string in the commodity's units); a NULL floor is "no guard", set
# explicitly (an account with no row is guarded at 0 when it first sends a transfer).
# The row is also the guard's lock: a write that lowers the account locks it first.
account_guards = Table(
    "account_guards", metadata,
    _ref("account_id", "accounts.id", primary_key=True),
    _ref("ledger_id", "ledgers.id"),
    _optional("floor", String(64)),
)

# The posted balance (normal sign) of a guarded account per commodity, kept by every
# write that touches it, under the guard's lock: what a guard checks, without summing.
guarded_balances = Table(
    "guarded_balances", metadata,
    _key("account_id", "accounts.id", primary_key=True),
    _key("commodity_id", "commodities.id", primary_key=True),
    _key("ledger_id", "ledgers.id"),
    _required("balance", BigInteger),
    sqlite_with_rowid=False,
)

# A ledger's transfer rules: a new JNLC above `pending_above` (a decimal) stays pending
# until settlement; `sandbox` = 1 honours description fixtures.
transfer_policies = Table(
    "transfer_policies", metadata,
    _ref("ledger_id", "ledgers.id", primary_key=True),
    _optional("pending_above", String(64)),
    _required("sandbox", SmallInteger),
    CheckConstraint("sandbox IN (0, 1)", name="sandbox"),
)

transfers = Table(
    "transfers", metadata,
    Column("id", BigKey, primary_key=True),
    _ref("ledger_id", "ledgers.id"),
    _required("external_id", String(200)),
    _ref("from_account_id", "accounts.id"),
    _ref("to_account_id", "accounts.id"),
    _ref("commodity_id", "commodities.id"),
    _required("amount", BigInteger),
    _optional("price", String(64)),
    _required("status", String(16)),
    _optional("description", Text),
    _optional("idempotency_key", String(200)),
    _required("digest", String(64)),
    _optional("fixture", String(16)),
    _required("created_at", BigInteger),
    _required("system_date", String(10)),
    _optional("settle_date", String(10)),
    # While it was pending: [pending_from, pending_until), NULL until when still pending.
    _optional("pending_from", BigInteger),
    _optional("pending_until", BigInteger),
    UniqueConstraint("ledger_id", "external_id"),
    UniqueConstraint("ledger_id", "idempotency_key"),
    Index("ix_transfers_ledger_created", "ledger_id", "created_at", "id"),
    Index("ix_transfers_outgoing", "from_account_id", "status", "commodity_id"),
    Index("ix_transfers_incoming", "to_account_id", "status", "commodity_id"),
    CheckConstraint("amount > 0", name="amount_positive"),
    CheckConstraint(f"status IN {TRANSFER_STATUSES}", name="status"),
    CheckConstraint("from_account_id <> to_account_id", name="two_accounts"),
)

# Every status a transfer entered (its creation first), with the instant.
transfer_events = Table(
    "transfer_events", metadata,
    _ref("transfer_id", "transfers.id", primary_key=True),
    Column("seq", SmallInteger, primary_key=True),
    _required("status", String(16)),
    _required("at", BigInteger),
    CheckConstraint(f"status IN {TRANSFER_STATUSES}", name="status"),
    sqlite_with_rowid=False,
)

# Every set of labels an account was given (name, placement, ...) and when it was seen.
account_history = Table(
    "account_history", metadata,
    Column("id", Integer, primary_key=True),
    _ref("ledger_id", "ledgers.id"),
    _ref("account_id", "accounts.id"),
    _required("seen_at", BigInteger),
    _required("name", Text),
    _optional("parent_external_id", String(200)),
    _optional("stable_name", String(200)),
    _optional("description", Text),
    _optional("subtype", String(64)),
    _optional("account_number", String(64)),
    Index("ix_account_history_account_id_seen_at", "account_id", "seen_at"),
)

# Each status an Alpaca journal was seen in, and when (docs/providers.md, "Data over time").
journal_statuses = Table(
    "journal_statuses", metadata,
    _ref("ledger_id", "ledgers.id", primary_key=True),
    Column("journal_id", String(200), primary_key=True),
    Column("status", String(32), primary_key=True),
    Column("seen_at", BigInteger, primary_key=True),
)

# Each Alpaca JIT window seen: its start, its reported starting balance and the opening
# entry it placed (an account's opening is its earliest window's; `store.windows`).
balance_windows = Table(
    "balance_windows", metadata,
    _ref("ledger_id", "ledgers.id", primary_key=True),
    _ref("account_id", "accounts.id", primary_key=True),
    Column("start_at", BigInteger, primary_key=True),
    _required("starting", BigInteger),
    _optional("opening_entry_id", String(200)),
)

# A close of the books (`ledgercore.domain.closing`): recorded, and when reopened, the
# reopening recorded beside it, never erased.
period_closes = Table(
    "period_closes", metadata,
    Column("id", Integer, primary_key=True),
    _ref("ledger_id", "ledgers.id"),
    _required("through", String(10)),
    _required("closed_until", BigInteger),
    _ref("retained_earnings_id", "accounts.id"),
    Column("closing_entry_id", BigKey, ForeignKey("journal_entries.id"), nullable=True),
    _required("closed_at", BigInteger),
    _optional("reopened_at", BigInteger),
    Column("reopening_entry_id", BigKey, ForeignKey("journal_entries.id"), nullable=True),
    Index("ix_period_closes_ledger_id_closed_until", "ledger_id", "closed_until"),
)
