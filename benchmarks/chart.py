"""The synthetic chart of accounts the benchmark ledgers post to.

Exactly 240 accounts in three levels over Layer's six account types: one root per type,
five groups under each root (each group carries a Layer subtype), and 204 leaves spread
over the groups. Line items post to leaves only. Every account also has a beancount /
ledger name under beancount's five roots (COGS sits under ``Expenses:CostOfGoodsSold``),
so the three file formats name the same accounts. Ids come from a seeded generator, so a
seed always yields the same chart.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

ACCOUNT_COUNT = 240
LEAF_COUNT = 204

TYPE_DISPLAY = {
    "ASSET": "Assets", "LIABILITY": "Liabilities", "EQUITY": "Equity",
    "REVENUE": "Revenue", "COGS": "Cost of Goods Sold", "EXPENSE": "Expenses",
}
# Beancount has five roots; COGS becomes a branch of Expenses, REVENUE is Income.
BEANCOUNT_ROOT = {
    "ASSET": "Assets", "LIABILITY": "Liabilities", "EQUITY": "Equity",
    "REVENUE": "Income", "COGS": "Expenses:CostOfGoodsSold", "EXPENSE": "Expenses",
}
DEBIT_NORMAL = {"ASSET", "EXPENSE", "COGS"}

# type -> five (group name, subtype, leaf count); leaf counts add up to LEAF_COUNT.
GROUPS: dict[str, list[tuple[str, str, int]]] = {
    "ASSET": [("Bank Accounts", "BANK_ACCOUNTS", 8), ("Receivables", "ACCOUNTS_RECEIVABLE", 4),
              ("Inventory", "INVENTORY", 6), ("Fixed Assets", "FIXED_ASSET", 8),
              ("Accumulated Depreciation", "ACCUMULATED_DEPRECIATION", 4)],
    "LIABILITY": [("Payables", "ACCOUNTS_PAYABLE", 4), ("Credit Cards", "CREDIT_CARD", 6),
                  ("Sales Taxes Payable", "SALES_TAXES_PAYABLE", 4),
                  ("Payroll Liabilities", "PAYROLL_LIABILITY", 6),
                  ("Loans Payable", "LOANS_PAYABLE", 4)],
    "EQUITY": [("Common Stock", "COMMON_STOCK", 2), ("Contributions", "CONTRIBUTIONS", 4),
               ("Distributions", "DISTRIBUTIONS", 4), ("Retained Earnings", "RETAINED_EARNINGS", 2),
               ("Opening Balance Equity", "OPENING_BALANCE_EQUITY", 2)],
    "REVENUE": [("Product Sales", "SALES", 18), ("Service Revenue", "SALES", 14),
                ("Interest Income", "INTEREST_INCOME", 4), ("Other Income", "OTHER_INCOME", 6),
                ("Returns and Allowances", "RETURNS_ALLOWANCES", 4)],
    "COGS": [("Materials", "COGS", 12), ("Direct Labor", "COGS", 6), ("Freight", "COGS", 6),
             ("Subcontractors", "COGS", 6), ("Packaging", "COGS", 4)],
    "EXPENSE": [("Operating Expenses", "OPERATING_EXPENSES", 26), ("Payroll", "PAYROLL", 14),
                ("Taxes and Licenses", "TAXES_LICENSES", 6), ("Depreciation", "DEPRECIATION", 4),
                ("Interest Expenses", "INTEREST_EXPENSES", 6)],
}
ROOT_SUBTYPE = {"ASSET": "CURRENT_ASSET", "LIABILITY": "OTHER_CURRENT_LIABILITY",
                "EQUITY": "OTHER_EQUITY", "REVENUE": "OTHER_INCOME", "COGS": "COGS",
                "EXPENSE": "OTHER_EXPENSES"}


@dataclass(slots=True)
class SyntheticAccount:
    """One account of the synthetic chart, with its names in every output format."""

    id: str
    name: str
    stable_name: str
    type: str
    subtype: str
    normality: str
    parent_id: str | None
    beancount_name: str
    children: list[SyntheticAccount] = field(default_factory=list)
    # The account object exactly as a Layer line item embeds it, serialised once.
    entry_json: str = ""

    @property
    def debit_normal(self) -> bool:
        return self.normality == "DEBIT"


def _camel(text: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in text.replace("-", " ").split())


def _display(subtype: str) -> str:
    return subtype.replace("_", " ").title()


def new_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from `rng` (reproducible, unlike uuid.uuid4)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_chart(rng: random.Random) -> tuple[list[SyntheticAccount], dict[str, list[str]]]:
    """The 240 accounts (roots first, then groups, then leaves) and the leaves by group.

    Returns:
        ``(accounts, leaves)``: every account, and for each group's stable name the ids of
        its leaves, which the entry templates draw from.
    """
    roots: list[SyntheticAccount] = []
    groups_: list[SyntheticAccount] = []
    leaf_accounts: list[SyntheticAccount] = []
    leaves: dict[str, list[str]] = {}
    for type_, groups in GROUPS.items():
        root = SyntheticAccount(
            new_uuid(rng), TYPE_DISPLAY[type_], type_ + "_ROOT", type_, ROOT_SUBTYPE[type_],
            "DEBIT" if type_ in DEBIT_NORMAL else "CREDIT", None, BEANCOUNT_ROOT[type_])
        roots.append(root)
        for group_name, subtype, leaf_count in groups:
            # Accumulated depreciation is the contra-asset: an ASSET with CREDIT normality.
            normality = "CREDIT" if subtype == "ACCUMULATED_DEPRECIATION" else root.normality
            stable = group_name.upper().replace(" ", "_")
            group = SyntheticAccount(new_uuid(rng), group_name, stable, type_, subtype,
                                     normality, root.id,
                                     f"{root.beancount_name}:{_camel(group_name)}")
            root.children.append(group)
            groups_.append(group)
            leaves[stable] = []
            for k in range(1, leaf_count + 1):
                leaf = SyntheticAccount(
                    new_uuid(rng), f"{group_name} {k:02d}", f"{stable}_{k:02d}", type_, subtype,
                    normality, group.id, f"{group.beancount_name}:{_camel(group_name)}{k:02d}")
                group.children.append(leaf)
                leaves[stable].append(leaf.id)
                leaf_accounts.append(leaf)
    accounts = roots + groups_ + leaf_accounts
    assert len(accounts) == ACCOUNT_COUNT, len(accounts)
    for account in accounts:
        account.entry_json = (
            f'{{"id":"{account.id}","name":"{account.name}",'
            f'"stable_name":"{account.stable_name}","normality":"{account.normality}",'
            f'"account_type":{{"value":"{account.type}",'
            f'"display_name":"{TYPE_DISPLAY[account.type]}"}},'
            f'"account_subtype":{{"value":"{account.subtype}",'
            f'"display_name":"{_display(account.subtype)}"}}}}')
    return accounts, leaves


def balances_node(account: SyntheticAccount, own: dict[str, int]) -> dict[str, object]:
    """The Layer `NestedApiLedgerAccount` of `account`, balance rolled up in normal sign.

    Args:
        account: the node.
        own: account id -> own all-time balance, debit-signed minor units.
    """
    children = [balances_node(child, own) for child in account.children]
    total = own.get(account.id, 0)
    for child in account.children:
        total += _subtree_debit(child, own)
    return {
        "id": {"type": "AccountId", "id": account.id},
        "name": account.name,
        "stable_name": {"type": "StableName", "stable_name": account.stable_name},
        "normality": account.normality,
        "account_type": {"value": account.type, "display_name": TYPE_DISPLAY[account.type]},
        "account_subtype": {"value": account.subtype,
                            "display_name": _display(account.subtype)},
        "balance": total if account.debit_normal else -total,
        "entries": [],
        "sub_accounts": children,
    }


def _subtree_debit(account: SyntheticAccount, own: dict[str, int]) -> int:
    return own.get(account.id, 0) + sum(_subtree_debit(c, own) for c in account.children)
