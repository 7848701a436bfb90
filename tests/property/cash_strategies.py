"""Hypothesis strategies for cash-basis ledgers: invoices, bills and what settles them.

A generated `CashLedger` is a fixed small chart (bank, receivables, payables, unearned
revenue, a tax payable and an input-tax asset, revenue with sub-accounts and a debit-normal
returns account, COGS and expenses) and a journal built the way a business books: invoices
(several revenue lines, sometimes a tax line, a discount, cash taken on the spot, a second
commodity), bills, partial payments and over-payments (some with a fee line), credit notes,
write-offs, cash sales, netting of a receivable against a payable, deposits on unearned
revenue, and reversals of any earlier entry (sometimes dated before it). Effective dates
are coarse so ties are common; ``created_at`` follows the order the entries were written,
so the arrival order differs from the ledger order (back-dated postings). Some payments
name the items they settle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from ledgercore.domain import (
    USD,
    Account,
    AccountSubtype,
    AccountType,
    ChartOfAccounts,
    Commodity,
    Counterparty,
    CounterpartyKind,
    Direction,
    JournalEntry,
    LineItem,
)
from ledgercore.domain.balances import statement_order
from ledgercore.domain.cash import DEFAULT_CLEARING_SUBTYPES

DR, CR = Direction.DEBIT, Direction.CREDIT
EUR = Commodity("EUR", 2)
JPY = Commodity("JPY", 0)
START = datetime(2024, 1, 1, tzinfo=UTC)

CHART = ChartOfAccounts([
    Account("bank", "Bank", AccountType.ASSET, AccountSubtype.BANK_ACCOUNTS),
    Account("cash", "Cash", AccountType.ASSET, AccountSubtype.CASH),
    Account("ar", "Accounts Receivable", AccountType.ASSET, AccountSubtype.ACCOUNTS_RECEIVABLE),
    Account("vat_in", "Input Tax", AccountType.ASSET, AccountSubtype.CURRENT_ASSET),
    Account("ap", "Accounts Payable", AccountType.LIABILITY, AccountSubtype.ACCOUNTS_PAYABLE),
    Account("unearned", "Unearned Revenue", AccountType.LIABILITY,
            AccountSubtype.UNEARNED_REVENUE),
    Account("tax", "Sales Tax Payable", AccountType.LIABILITY,
            AccountSubtype.SALES_TAXES_PAYABLE),
    Account("equity", "Owner Equity", AccountType.EQUITY, AccountSubtype.CONTRIBUTIONS),
    Account("revenue", "Revenue", AccountType.REVENUE, AccountSubtype.SALES),
    Account("product", "Product Sales", AccountType.REVENUE, AccountSubtype.SALES,
            parent_id="revenue"),
    Account("service", "Service Revenue", AccountType.REVENUE, AccountSubtype.SALES,
            parent_id="revenue"),
    Account("returns", "Returns and Discounts", AccountType.REVENUE,
            AccountSubtype.RETURNS_ALLOWANCES, normality=DR, parent_id="revenue"),
    Account("cogs", "Cost of Goods", AccountType.COGS, AccountSubtype.COGS),
    Account("rent", "Rent", AccountType.EXPENSE, AccountSubtype.OPERATING_EXPENSES),
    Account("fees", "Bank Fees", AccountType.EXPENSE, AccountSubtype.FINANCE_COSTS),
    Account("bad_debt", "Bad Debt", AccountType.EXPENSE, AccountSubtype.BAD_DEBT),
])
REVENUES = ("product", "service")
EXPENSES = ("cogs", "rent")
CUSTOMERS = (Counterparty(CounterpartyKind.CUSTOMER, "alice"),
             Counterparty(CounterpartyKind.CUSTOMER, "bob"))
VENDORS = (Counterparty(CounterpartyKind.VENDOR, "acme"),)
KINDS = ("invoice", "invoice", "invoice", "bill", "bill", "receipt", "receipt", "receipt",
         "payment", "payment", "credit_note", "write_off", "cash_sale", "netting", "deposit",
         "earn", "mixed", "reversal", "reversal")


@dataclass(frozen=True)
class CashLedger:
    chart: ChartOfAccounts
    entries: tuple[JournalEntry, ...]  # in the order they were written (arrival order)
    settlements: dict[str, tuple[str, ...]]
    clearing_subtypes: frozenset[AccountSubtype]


Leg = tuple[str, Direction, int]


def _amount(draw: st.DrawFn, small: bool) -> int:
    return draw(st.integers(1, 9) if small else st.integers(1, 200_000))


@st.composite
def _legs(draw: st.DrawFn, kind: str, small: bool) -> list[Leg]:
    """The lines of one business event, balanced by construction."""
    def amt() -> int:
        return _amount(draw, small)

    if kind == "invoice":
        legs: list[Leg] = [(a, CR, amt()) for a in
                           draw(st.lists(st.sampled_from(REVENUES), min_size=1, max_size=3))]
        if draw(st.booleans()):
            legs.append(("tax", CR, amt()))
        credit = sum(x for _, _, x in legs)
        for account in ("returns", "bank"):
            if credit > 2 and draw(st.integers(0, 3)) == 0:
                taken = draw(st.integers(1, credit - 1))
                legs.append((account, DR, taken))
                credit -= taken
        return [("ar", DR, credit), *legs]
    if kind == "bill":
        legs = [(a, DR, amt()) for a in
                draw(st.lists(st.sampled_from(EXPENSES), min_size=1, max_size=2))]
        if draw(st.booleans()):
            legs.append(("vat_in", DR, amt()))
        debit = sum(x for _, _, x in legs)
        if debit > 1 and draw(st.integers(0, 3)) == 0:
            paid = draw(st.integers(1, debit - 1))
            legs.append(("bank", CR, paid))
            debit -= paid
        return [("ap", CR, debit), *legs]
    x = amt()
    if kind == "receipt":
        fee = draw(st.integers(0, x - 1)) if x > 1 and draw(st.booleans()) else 0
        fee_leg: list[Leg] = [("fees", DR, fee)] if fee else []
        return [("bank", DR, x - fee), *fee_leg, ("ar", CR, x)]
    simple = {"payment": ("ap", "bank"), "credit_note": ("returns", "ar"),
              "write_off": ("bad_debt", "ar"), "cash_sale": ("cash", "product"),
              "netting": ("ap", "ar"), "deposit": ("bank", "unearned"),
              "earn": ("unearned", "service")}
    if kind in simple:
        debit_account, credit_account = simple[kind]
        return [(debit_account, DR, x), (credit_account, CR, x)]
    y, z = amt(), amt()
    if draw(st.booleans()):  # a receipt that also pays a bill and books a cash sale
        return [("bank", DR, x + z), ("ar", CR, x), ("product", CR, z), ("ap", DR, y),
                ("bank", CR, y)]
    # an invoice and a bill in one entry: increases on both sides of the clearing accounts
    return [("ar", DR, x), ("product", CR, x), ("rent", DR, y), ("ap", CR, y)]


def _party(draw: st.DrawFn, kind: str) -> Counterparty | None:
    if kind in ("invoice", "receipt", "credit_note", "write_off"):
        return draw(st.sampled_from((None, *CUSTOMERS)))
    if kind in ("bill", "payment"):
        return draw(st.sampled_from((None, *VENDORS)))
    return None


@st.composite
def cash_ledgers(draw: st.DrawFn, max_entries: int = 24) -> CashLedger:
    """A random journal of invoices, bills, settlements and reversals (arrival order)."""
    small = draw(st.booleans())  # tiny amounts make rounding matter
    size = draw(st.integers(1, max_entries))
    entries: list[JournalEntry] = []
    reversed_ids: set[str] = set()
    for n in range(size):
        kind = draw(st.sampled_from(KINDS))
        created = START + timedelta(days=400, minutes=n)
        when = START + timedelta(days=draw(st.integers(0, 90)), hours=draw(st.sampled_from(
            (0, 12))))
        candidates = [e for e in entries if e.id not in reversed_ids]
        if kind == "reversal" and candidates:
            original = draw(st.sampled_from(candidates))
            shift = timedelta(days=draw(st.integers(-3, 30)))
            updated, reversal = original.reverse(f"e{n}", entry_at=original.entry_at + shift,
                                                 created_at=created)
            entries[entries.index(original)] = updated
            reversed_ids.add(original.id)
            entries.append(reversal)
            continue
        if kind == "reversal":
            kind = "invoice"
        commodity = draw(st.sampled_from((USD, USD, USD, EUR, JPY)))
        legs = draw(_legs(kind, small))
        lines = [LineItem(a, commodity, x, d) for a, d, x in legs]
        if kind == "invoice" and draw(st.integers(0, 4)) == 0:  # a second commodity
            lines += [LineItem(a, EUR, x, d) for a, d, x in draw(_legs("invoice", small))]
        entries.append(JournalEntry(f"e{n}", when, tuple(lines), created_at=created,
                                    entry_type=kind.upper(), counterparty=_party(draw, kind)))
    ordered = sorted(entries, key=statement_order)
    settlements: dict[str, tuple[str, ...]] = {}
    for index, entry in enumerate(ordered):
        if entry.entry_type in ("RECEIPT", "PAYMENT", "NETTING") and index and draw(
                st.integers(0, 3)) == 0:
            earlier = [e.id for e in ordered[:index]]
            settlements[entry.id] = tuple(draw(st.lists(st.sampled_from(earlier), max_size=2,
                                                        unique=True)))
    subtypes = draw(st.sampled_from((DEFAULT_CLEARING_SUBTYPES, DEFAULT_CLEARING_SUBTYPES
                                     | {AccountSubtype.UNEARNED_REVENUE})))
    return CashLedger(CHART, tuple(entries), settlements, subtypes)
