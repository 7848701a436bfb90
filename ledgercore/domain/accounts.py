"""Accounts, their normality, and the chart that nests them.

Normality is the one sign convention of ledgercore, stated here once: every account is
DEBIT- or CREDIT-normal (ASSET, EXPENSE, COGS are DEBIT; LIABILITY, EQUITY, REVENUE are
CREDIT; an explicit normality, as on a contra account, wins). A line item changes its
account's balance by ``+amount`` when its direction equals the account's normality and
``-amount`` otherwise, so balances read in the account's normal sign, as Layer reports them.

The chart of accounts validates the hierarchy (unique ids and stable names, known
parents, no cycles) once, and precomputes ancestors and descendants so roll-ups and
subtree filters are dictionary lookups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ledgercore.domain.errors import InvalidAccount, UnknownAccount
from ledgercore.domain.limits import MAX_ACCOUNT_NUMBER_LENGTH, MAX_ID_LENGTH, check_text


class Direction(StrEnum):
    """The side of a line item, and the normality of an account."""

    DEBIT = "DEBIT"
    CREDIT = "CREDIT"

    @property
    def opposite(self) -> Direction:
        return Direction.CREDIT if self is Direction.DEBIT else Direction.DEBIT


# An account's normality is the direction that increases its balance.
Normality = Direction


class AccountType(StrEnum):
    ASSET = "ASSET"
    LIABILITY = "LIABILITY"
    EQUITY = "EQUITY"
    REVENUE = "REVENUE"
    COGS = "COGS"
    EXPENSE = "EXPENSE"

    @property
    def default_normality(self) -> Normality:
        debit = {AccountType.ASSET, AccountType.EXPENSE, AccountType.COGS}
        return Normality.DEBIT if self in debit else Normality.CREDIT

    @property
    def is_profit_and_loss(self) -> bool:
        return self in (AccountType.REVENUE, AccountType.COGS, AccountType.EXPENSE)


class AccountSubtype(StrEnum):
    """Layer's `LedgerAccountSubtype` list, complete."""

    BANK_ACCOUNTS = "BANK_ACCOUNTS"
    ACCOUNTS_RECEIVABLE = "ACCOUNTS_RECEIVABLE"
    INVENTORY = "INVENTORY"
    PAYMENT_PROCESSOR_CLEARING_ACCOUNT = "PAYMENT_PROCESSOR_CLEARING_ACCOUNT"
    FIXED_ASSET = "FIXED_ASSET"
    ACCUMULATED_DEPRECIATION = "ACCUMULATED_DEPRECIATION"
    CASH = "CASH"
    UNDEPOSITED_FUNDS = "UNDEPOSITED_FUNDS"
    CURRENT_ASSET = "CURRENT_ASSET"
    NON_CURRENT_ASSET = "NON_CURRENT_ASSET"
    PREPAID_EXPENSES = "PREPAID_EXPENSES"
    DEVELOPMENT_COSTS = "DEVELOPMENT_COSTS"
    LOANS_RECEIVABLE = "LOANS_RECEIVABLE"
    INTANGIBLE_ASSET = "INTANGIBLE_ASSET"
    ACCOUNTS_PAYABLE = "ACCOUNTS_PAYABLE"
    CREDIT_CARD = "CREDIT_CARD"
    TAXES_PAYABLE = "TAXES_PAYABLE"
    INCOME_TAXES_PAYABLE = "INCOME_TAXES_PAYABLE"
    SALES_TAXES_PAYABLE = "SALES_TAXES_PAYABLE"
    OTHER_TAXES_PAYABLE = "OTHER_TAXES_PAYABLE"
    PAYROLL_TAXES_PAYABLE = "PAYROLL_TAXES_PAYABLE"
    UNEARNED_REVENUE = "UNEARNED_REVENUE"
    PAYROLL_LIABILITY = "PAYROLL_LIABILITY"
    PAYROLL_CLEARING = "PAYROLL_CLEARING"
    LINE_OF_CREDIT = "LINE_OF_CREDIT"
    TIPS = "TIPS"
    REFUND_LIABILITIES = "REFUND_LIABILITIES"
    UNDEPOSITED_OUTFLOWS = "UNDEPOSITED_OUTFLOWS"
    OUTGOING_PAYMENT_CLEARING_ACCOUNT = "OUTGOING_PAYMENT_CLEARING_ACCOUNT"
    OTHER_CURRENT_LIABILITY = "OTHER_CURRENT_LIABILITY"
    LOANS_PAYABLE = "LOANS_PAYABLE"
    NOTES_PAYABLE = "NOTES_PAYABLE"
    SHAREHOLDER_LOAN = "SHAREHOLDER_LOAN"
    NON_CURRENT_LIABILITY = "NON_CURRENT_LIABILITY"
    CONTRIBUTIONS = "CONTRIBUTIONS"
    DISTRIBUTIONS = "DISTRIBUTIONS"
    COMMON_STOCK = "COMMON_STOCK"
    PREFERRED_STOCK = "PREFERRED_STOCK"
    ADDITIONAL_PAID_IN_CAPITAL = "ADDITIONAL_PAID_IN_CAPITAL"
    RETAINED_EARNINGS = "RETAINED_EARNINGS"
    ACCUMULATED_ADJUSTMENTS = "ACCUMULATED_ADJUSTMENTS"
    OPENING_BALANCE_EQUITY = "OPENING_BALANCE_EQUITY"
    OTHER_EQUITY = "OTHER_EQUITY"
    SALES = "SALES"
    UNCATEGORIZED_REVENUE = "UNCATEGORIZED_REVENUE"
    RETURNS_ALLOWANCES = "RETURNS_ALLOWANCES"
    DIVIDEND_INCOME = "DIVIDEND_INCOME"
    INTEREST_INCOME = "INTEREST_INCOME"
    OTHER_INCOME = "OTHER_INCOME"
    COGS = "COGS"
    OPERATING_EXPENSES = "OPERATING_EXPENSES"
    PAYROLL = "PAYROLL"
    TAXES_LICENSES = "TAXES_LICENSES"
    UNCATEGORIZED_EXPENSE = "UNCATEGORIZED_EXPENSE"
    CHARITABLE_CONTRIBUTIONS = "CHARITABLE_CONTRIBUTIONS"
    LOAN_EXPENSES = "LOAN_EXPENSES"
    FINANCE_COSTS = "FINANCE_COSTS"
    INTEREST_EXPENSES = "INTEREST_EXPENSES"
    DEPRECIATION = "DEPRECIATION"
    AMORTIZATION = "AMORTIZATION"
    BAD_DEBT = "BAD_DEBT"
    OTHER_EXPENSES = "OTHER_EXPENSES"


@dataclass(frozen=True, slots=True)
class Account:
    """A ledger account.

    `normality` defaults from `type`; pass it explicitly for a contra account
    (ACCUMULATED_DEPRECIATION is an ASSET with CREDIT normality). `id`, `type` and
    `normality` are its identity and meaning, fixed once it has postings; the rest are
    labels and placement, which may change (`LABELS`).
    """

    id: str
    name: str
    type: AccountType
    subtype: AccountSubtype | None = None
    normality: Normality | None = None
    parent_id: str | None = None
    stable_name: str | None = None
    account_number: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InvalidAccount("an account needs a non-empty string id", account_id=self.id)
        # Text no store can keep (longer than its column, NUL, a lone surrogate) is refused
        # here, so SQLite and PostgreSQL give one answer.
        for name, limit in (("id", MAX_ID_LENGTH), ("name", None),
                            ("parent_id", MAX_ID_LENGTH), ("stable_name", MAX_ID_LENGTH),
                            ("account_number", MAX_ACCOUNT_NUMBER_LENGTH)):
            check_text(getattr(self, name), f"account {self.id[:40]}: {name}",
                       InvalidAccount, limit=limit, path=f"$.{name}", account_id=self.id[:40])
        # Callers (the store, importers) hold these as strings. `effect` and `roll_up`
        # compare enum members by identity, so a plain "CREDIT" would silently take the
        # wrong sign: coerce to the enums here, once, or refuse an unknown value.
        for name, enum in (("type", AccountType), ("subtype", AccountSubtype),
                           ("normality", Direction)):
            value = getattr(self, name)
            if isinstance(value, enum) or (value is None and name != "type"):
                continue
            try:
                object.__setattr__(self, name, enum(value))
            except ValueError:
                raise InvalidAccount(f"account {self.id}: {value!r} is not a valid {name}",
                                     account_id=self.id, path=f"$.{name}") from None
        if self.normality is None:
            object.__setattr__(self, "normality", self.type.default_normality)
        if self.parent_id == self.id:
            raise InvalidAccount(f"account {self.id} cannot be its own parent",
                                 account_id=self.id)

    @property
    def normal(self) -> Normality:
        """The account's normality, never None after construction."""
        assert self.normality is not None
        return self.normality

    def effect(self, direction: Direction, amount: int) -> int:
        """Signed change to this account's normal-sign balance from one line item."""
        return amount if direction is self.normality else -amount


# The fields of an account that may change after it has postings; the others give every
# posted figure its sign and are fixed (docs/providers.md, "Data over time").
LABELS = ("name", "stable_name", "description", "parent_id", "subtype", "account_number")
FIXED = ("type", "normality")


@dataclass(frozen=True, slots=True)
class ChartOfAccounts:
    """A validated set of accounts forming a forest.

    Raises InvalidAccount on duplicate ids or stable names, unknown parents or cycles.
    """

    accounts: tuple[Account, ...]
    _by_id: Mapping[str, Account] = field(init=False, repr=False, compare=False)
    _children: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _ancestors: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __init__(self, accounts: Iterable[Account] = ()) -> None:
        accounts = tuple(accounts)
        by_id: dict[str, Account] = {}
        stable: dict[str, str] = {}
        for account in accounts:
            if account.id in by_id:
                raise InvalidAccount(f"account id {account.id} appears twice",
                                     account_id=account.id)
            by_id[account.id] = account
            if account.stable_name is not None:
                if account.stable_name in stable:
                    raise InvalidAccount(
                        f"stable name {account.stable_name} is used by accounts "
                        f"{stable[account.stable_name]} and {account.id}",
                        account_id=account.id)
                stable[account.stable_name] = account.id
        children: dict[str, list[str]] = {a.id: [] for a in accounts}
        for account in accounts:
            if account.parent_id is not None:
                if account.parent_id not in by_id:
                    raise UnknownAccount(
                        f"account {account.id} names unknown parent {account.parent_id}",
                        account_id=account.parent_id)
                children[account.parent_id].append(account.id)
        ancestors: dict[str, tuple[str, ...]] = {}
        for account in accounts:
            chain: list[str] = []
            seen = {account.id}
            parent = account.parent_id
            while parent is not None:
                if parent in seen:
                    raise InvalidAccount(f"account hierarchy has a cycle through {parent}",
                                         account_id=parent)
                seen.add(parent)
                chain.append(parent)
                parent = by_id[parent].parent_id
            ancestors[account.id] = tuple(chain)
        object.__setattr__(self, "accounts", accounts)
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_children", {k: tuple(v) for k, v in children.items()})
        object.__setattr__(self, "_ancestors", ancestors)

    def __contains__(self, account_id: object) -> bool:
        return account_id in self._by_id

    def __iter__(self) -> Iterator[Account]:
        return iter(self.accounts)

    def __len__(self) -> int:
        return len(self.accounts)

    def get(self, account_id: str) -> Account:
        """The account with this id. Raises UnknownAccount."""
        try:
            return self._by_id[account_id]
        except KeyError:
            raise UnknownAccount(f"account {account_id} is not in the chart of accounts",
                                 account_id=account_id) from None

    def by_stable_name(self, stable_name: str) -> Account:
        for account in self.accounts:
            if account.stable_name == stable_name:
                return account
        raise UnknownAccount(f"no account has stable name {stable_name}",
                             account_id=stable_name)

    def children(self, account_id: str) -> tuple[str, ...]:
        self.get(account_id)
        return self._children[account_id]

    def roots(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.accounts if a.parent_id is None)

    def ancestors(self, account_id: str) -> tuple[str, ...]:
        """Parent first, root last."""
        self.get(account_id)
        return self._ancestors[account_id]

    def descendants(self, account_id: str) -> tuple[str, ...]:
        """All accounts below `account_id`, depth first, excluding itself."""
        out: list[str] = []
        stack = list(reversed(self.children(account_id)))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(self._children[node]))
        return tuple(out)

    def subtree(self, account_id: str) -> tuple[str, ...]:
        """`account_id` and all its descendants."""
        return (account_id, *self.descendants(account_id))

    def with_accounts(self, accounts: Iterable[Account]) -> ChartOfAccounts:
        """A new chart with `accounts` added (validation runs again)."""
        return ChartOfAccounts((*self.accounts, *accounts))
