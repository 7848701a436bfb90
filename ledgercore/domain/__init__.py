"""The pure domain model of ledgercore: no I/O, no SQLAlchemy, no pydantic.

Everything a caller needs is re-exported here:
``from ledgercore.domain import JournalEntry, LineItem, Period, balances``.
"""

from ledgercore.domain.accounts import (
    Account,
    AccountSubtype,
    AccountType,
    ChartOfAccounts,
    Direction,
    Normality,
)
from ledgercore.domain.balances import (
    ALL_ENTRIES,
    Balance,
    Balances,
    EntryFilter,
    ReportingBasis,
    RolledBalance,
    Statement,
    StatementLine,
    TrialBalance,
    TrialBalanceRow,
    balances,
    roll_up,
    statement,
    statement_order,
    trial_balance,
)
from ledgercore.domain.entries import (
    Counterparty,
    CounterpartyKind,
    JournalEntry,
    LineItem,
    Tags,
    normalize_tags,
)
from ledgercore.domain.errors import (
    AlreadyReversed,
    Conflict,
    InsufficientBalance,
    InvalidAccount,
    InvalidAmount,
    InvalidCommodity,
    InvalidDate,
    InvalidEntry,
    InvalidPayload,
    InvalidPeriod,
    LedgerError,
    UnbalancedEntry,
    UnknownAccount,
    UnknownEntry,
)
from ledgercore.domain.money import (
    JPY,
    USD,
    Commodity,
    format_fixed,
    format_minor,
    parse_minor,
)
from ledgercore.domain.periods import EndSemantics, Period, parse_bound, parse_instant

__all__ = [
    "ALL_ENTRIES", "JPY", "USD", "Account", "AccountSubtype", "AccountType", "AlreadyReversed",
    "Balance", "Balances", "ChartOfAccounts", "Commodity", "Conflict", "Counterparty",
    "CounterpartyKind", "Direction", "EndSemantics", "EntryFilter", "InsufficientBalance",
    "InvalidAccount", "InvalidAmount", "InvalidCommodity", "InvalidDate", "InvalidEntry",
    "InvalidPayload", "InvalidPeriod", "JournalEntry", "LedgerError", "LineItem", "Normality",
    "Period", "ReportingBasis", "RolledBalance", "Statement", "StatementLine", "Tags",
    "TrialBalance", "TrialBalanceRow", "UnbalancedEntry", "UnknownAccount", "UnknownEntry",
    "balances", "format_fixed", "format_minor", "normalize_tags", "parse_bound",
    "parse_instant", "parse_minor", "roll_up", "statement", "statement_order", "trial_balance",
]
