"""What an import produces: a frozen batch of domain objects plus what the provider reported.

An `ImportBatch` is the whole effect of one payload, ready for the store to write in one
transaction: the accounts it defines, the journal entries it posts (ids are the
provider's, or derived deterministically where the provider gives none, so importing the
same file twice changes nothing), and the per-kind extras kept for verification and
reporting — an Alpaca JIT ledger's reported figures and running balances, its candidate
opening-balance entries, and the journals that moved nothing because they were not
executed. pydantic models never appear here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ledgercore.domain import Account, ChartOfAccounts, JournalEntry


class PayloadKind(StrEnum):
    """The payload kinds, named as on the command line (`ledgercore import KIND`)."""

    LAYER_ENTRIES = "layer-entries"
    LAYER_BALANCES = "layer-balances"
    ALPACA_JIT_BALANCES = "alpaca-jit-balances"
    ALPACA_JOURNALS = "alpaca-journals"
    LAYER_CHART = "layer-chart"


@dataclass(frozen=True, slots=True)
class ReportedTransaction:
    """One JIT transaction as reported, in USD minor units.

    Attributes:
        entry_id: the journal entry it became; None for a zero amount, which moves
            nothing and so posts nothing (its running balance is still verified).
        amount: signed change to the ledger's balance.
        balance: the running balance the provider reported after it, if any.
    """

    entry_id: str | None
    system_date: date
    amount: int
    balance: int | None
    entry_type: str | None
    description: str | None
    contra_account_name: str | None


@dataclass(frozen=True, slots=True)
class ReportedLedger:
    """An Alpaca JIT ledger's reported figures over the requested dates (USD minor units).

    ``activity_amount`` stays the provider's text: the document calls it "the number of
    transactions" yet types it as a decimal, and verify decides which reading holds.
    """

    account_id: str
    ledger_no: str | None
    ledger_name: str | None
    starting: int
    ending: int
    activity_amount: str | None
    transactions: tuple[ReportedTransaction, ...]


@dataclass(frozen=True, slots=True)
class SkippedJournal:
    """An Alpaca journal that moved nothing because its status is not ``executed``."""

    journal_id: str
    status: str
    entry_type: str
    from_account: str
    to_account: str


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """The domain objects of one payload.

    Attributes:
        kind: which payload it came from.
        accounts: accounts the payload defines, parents before children.
        entries: journal entries to post, in payload order.
        opening_entries: Alpaca JIT only: one entry per ledger bringing its reported
            ``starting_balance`` (see docs/providers.md for when to post it).
        ledgers: Alpaca JIT only: the reported figures, for verification.
        skipped_journals: Alpaca journals only: the ones that moved nothing.
        source: the file name, when read from a file.
        read_bytes: how many bytes of the file had been read when the batch was cut, when
            the file is streamed (progress reporting); None when read whole.
    """

    kind: PayloadKind
    accounts: tuple[Account, ...] = ()
    entries: tuple[JournalEntry, ...] = ()
    opening_entries: tuple[JournalEntry, ...] = ()
    ledgers: tuple[ReportedLedger, ...] = ()
    skipped_journals: tuple[SkippedJournal, ...] = ()
    source: str | None = None
    read_bytes: int | None = None

    def chart(self) -> ChartOfAccounts:
        """The batch's accounts as a validated chart."""
        return ChartOfAccounts(self.accounts)
