"""Financial statements: the income statement, the balance sheet and the cash flow.

A statement arranges balances; it never reads entries. Every account falls in one
*section* by its type and subtype (Layer's): revenue, cost of goods sold, operating
expenses, other income, other expenses, assets, liabilities, equity. Inside a section the
accounts keep the chart's hierarchy (an account's parent on the statement is its nearest
ancestor in the same section) and every figure reads in the *section's* sign: a contra
account (returns under revenue, accumulated depreciation under assets) shows negative and
nets inside its section. Figures are per commodity in integer minor units.

Net income is revenue - cost of goods sold - operating expenses + other income - other
expenses: the credit-signed sum of every profit-and-loss account. Closing entries
(`ledgercore.domain.closing`) are never part of the balances a statement is given: the
balance sheet shows the earnings of closed periods (*retained earnings*) and those since
the last close (*current earnings*) as equity lines computed from profit and loss, so
assets = liabilities + equity holds for every ledger, instant and basis. The cash flow's
indirect method starts from net income and adds the change of every balance-sheet account
but cash; its direct method lists the cash each counter-account brought in or took out in
the entries that moved cash. Both equal the change in cash by double entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from ledgercore.domain.accounts import (
    Account,
    AccountSubtype,
    AccountType,
    ChartOfAccounts,
    Direction,
)
from ledgercore.domain.balances import Balance, Balances
from ledgercore.domain.entries import JournalEntry
from ledgercore.domain.periods import Period

# commodity code -> integer minor units; an absent commodity is zero.
Figures = dict[str, int]


class Section(StrEnum):
    """Where an account appears on a statement."""

    REVENUE = "revenue"
    COST_OF_GOODS_SOLD = "cost_of_goods_sold"
    OPERATING_EXPENSES = "operating_expenses"
    OTHER_INCOME = "other_income"
    OTHER_EXPENSES = "other_expenses"
    ASSETS = "assets"
    LIABILITIES = "liabilities"
    EQUITY = "equity"

    @property
    def normality(self) -> Direction:
        """The sign the section's figures read in."""
        credit = (Section.REVENUE, Section.OTHER_INCOME, Section.LIABILITIES, Section.EQUITY)
        return Direction.CREDIT if self in credit else Direction.DEBIT


INCOME_SECTIONS = (Section.REVENUE, Section.COST_OF_GOODS_SOLD, Section.OPERATING_EXPENSES,
                   Section.OTHER_INCOME, Section.OTHER_EXPENSES)
OTHER_INCOME_SUBTYPES = frozenset({AccountSubtype.DIVIDEND_INCOME,
                                   AccountSubtype.INTEREST_INCOME, AccountSubtype.OTHER_INCOME})
OTHER_EXPENSE_SUBTYPES = frozenset({AccountSubtype.INTEREST_EXPENSES,
                                    AccountSubtype.FINANCE_COSTS,
                                    AccountSubtype.LOAN_EXPENSES,
                                    AccountSubtype.OTHER_EXPENSES})
# Cash and bank: the accounts whose change a cash-flow statement explains (and every
# account below one of them).
CASH_SUBTYPES = frozenset({AccountSubtype.CASH, AccountSubtype.BANK_ACCOUNTS})


def section_of(account: Account) -> Section:
    """The statement section of `account`, from its type and subtype."""
    kind = account.type
    if kind is AccountType.ASSET:
        return Section.ASSETS
    if kind is AccountType.LIABILITY:
        return Section.LIABILITIES
    if kind is AccountType.EQUITY:
        return Section.EQUITY
    if kind is AccountType.REVENUE:
        return (Section.OTHER_INCOME if account.subtype in OTHER_INCOME_SUBTYPES
                else Section.REVENUE)
    if kind is AccountType.COGS or account.subtype is AccountSubtype.COGS:
        return Section.COST_OF_GOODS_SOLD
    return (Section.OTHER_EXPENSES if account.subtype in OTHER_EXPENSE_SUBTYPES
            else Section.OPERATING_EXPENSES)


class Activity(StrEnum):
    """The cash-flow activity a non-cash account's change belongs to."""

    OPERATING = "operating"
    INVESTING = "investing"
    FINANCING = "financing"


_INVESTING = frozenset({AccountSubtype.FIXED_ASSET, AccountSubtype.NON_CURRENT_ASSET,
                        AccountSubtype.INTANGIBLE_ASSET, AccountSubtype.DEVELOPMENT_COSTS,
                        AccountSubtype.LOANS_RECEIVABLE})
_FINANCING = frozenset({AccountSubtype.LOANS_PAYABLE, AccountSubtype.NOTES_PAYABLE,
                        AccountSubtype.SHAREHOLDER_LOAN, AccountSubtype.NON_CURRENT_LIABILITY,
                        AccountSubtype.LINE_OF_CREDIT})


def activity_of(account: Account) -> Activity:
    """Operating (profit and loss, working capital, depreciation), investing (long-lived
    assets) or financing (loans, equity)."""
    if account.type is AccountType.EQUITY or account.subtype in _FINANCING:
        return Activity.FINANCING
    if account.subtype in _INVESTING:
        return Activity.INVESTING
    return Activity.OPERATING


_last_cash: tuple[ChartOfAccounts, frozenset[str]] | None = None


def cash_accounts(chart: ChartOfAccounts) -> frozenset[str]:
    """The cash and bank accounts (by subtype) and every account below one of them."""
    global _last_cash
    # A chart is immutable: the last one's answer is kept (every statement asks).
    cached = _last_cash
    if cached is not None and cached[0] is chart:
        return cached[1]
    found: set[str] = set()
    for account in chart:
        if account.type is AccountType.ASSET and account.subtype in CASH_SUBTYPES:
            found.update(chart.subtree(account.id))
    _last_cash = (chart, frozenset(found))
    return _last_cash[1]


# -- figures ----------------------------------------------------------------------------

def add(*figures: Mapping[str, int]) -> Figures:
    """The per-commodity sum, zeros left out."""
    if len(figures) == 1:  # most calls (a line's figure put in order): nothing to add
        only = figures[0]
        return {code: only[code] for code in sorted(only) if only[code]}
    out: dict[str, int] = {}
    for figure in figures:
        for code, value in figure.items():
            out[code] = out.get(code, 0) + value
    return {code: out[code] for code in sorted(out) if out[code]}


def negate(figure: Mapping[str, int]) -> Figures:
    return {code: -value for code, value in figure.items() if value}


def _signed(account: Account, normality: Direction, figure: Mapping[str, int]) -> Figures:
    """`figure` (in the account's normal sign) read in `normality`'s sign."""
    return dict(figure) if account.normal is normality else negate(figure)


def _figure(own: Balances, account_id: str, which: str) -> Figures:
    by_code = own.get(account_id, {})
    if which == "activity":
        return {code: balance.activity for code, balance in by_code.items()
                if balance.activity}
    return {code: getattr(balance, which) for code, balance in by_code.items()
            if getattr(balance, which)}


def subtract_balances(own: Balances, other: Balances) -> Balances:
    """`own` less `other`, account by account (how closing entries are taken out)."""
    out: Balances = {account: dict(by_code) for account, by_code in own.items()}
    for account, by_code in other.items():
        mine = out.setdefault(account, {})
        for code, balance in by_code.items():
            left = mine[code] + -balance if code in mine else -balance
            mine[code] = left
    return out


_PROFIT_AND_LOSS = frozenset({AccountType.REVENUE, AccountType.COGS, AccountType.EXPENSE})


def _value(balance: Balance, which: str) -> int:
    if which == "activity":
        return balance.ending - balance.starting
    return balance.ending if which == "ending" else balance.starting


def net_income(chart: ChartOfAccounts, own: Balances, which: str = "activity") -> Figures:
    """The credit-signed sum of every profit-and-loss account's `which` figure
    (``activity``, ``starting`` or ``ending``)."""
    out: dict[str, int] = {}
    for account_id, by_code in own.items():
        if account_id not in chart:
            continue
        account = chart.get(account_id)
        if account.type not in _PROFIT_AND_LOSS:
            continue
        credit = account.normal is Direction.CREDIT
        for code, balance in by_code.items():
            value = _value(balance, which)
            if value:
                out[code] = out.get(code, 0) + (value if credit else -value)
    return {code: value for code, value in sorted(out.items()) if value}


# -- sections ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StatementRow:
    """One account on a statement: itself and its descendants in the same section.

    Attributes:
        columns: one figure per column, in the section's sign.
        depth: the account's depth inside the section (0 for a section root).
    """

    account_id: str
    name: str
    depth: int
    columns: tuple[Figures, ...]


@dataclass(frozen=True, slots=True)
class StatementSection:
    """A section's accounts, parents before children, and its total per column."""

    section: Section
    rows: tuple[StatementRow, ...]
    totals: tuple[Figures, ...]


@dataclass(frozen=True, slots=True)
class _Shape:
    """A section's accounts as the statement walks them (derived from the chart once).

    Attributes:
        postorder: (account, same sign as the section, its children), children first.
        preorder: (account, name, depth) in display order.
        roots: the section's top accounts.
    """

    postorder: tuple[tuple[str, bool, tuple[str, ...]], ...]
    preorder: tuple[tuple[str, str, int], ...]
    roots: tuple[str, ...]


# The shapes of the last few charts, by identity (a store's catalog keeps its chart object
# until the chart changes), so a statement does not walk the hierarchy again.
_SHAPES: dict[int, tuple[ChartOfAccounts, dict[Section, _Shape]]] = {}


def _shapes(chart: ChartOfAccounts) -> dict[Section, _Shape]:
    hit = _SHAPES.get(id(chart))
    if hit is not None and hit[0] is chart:
        return hit[1]
    grouped: dict[Section, list[Account]] = {which: [] for which in Section}
    for account in chart:
        grouped[section_of(account)].append(account)
    out: dict[Section, _Shape] = {}
    for which, members in grouped.items():
        inside = {a.id for a in members}
        children: dict[str | None, list[str]] = defaultdict(list)
        for account in members:
            parent = next((p for p in chart.ancestors(account.id) if p in inside), None)
            children[parent].append(account.id)
        post, pre = _walk(children, {a.id: a for a in members}, which.normality)
        out[which] = _Shape(post, pre, tuple(children[None]))
    if len(_SHAPES) >= 8:
        _SHAPES.clear()
    _SHAPES[id(chart)] = (chart, out)
    return out


def _walk(children: Mapping[str | None, list[str]], by_id: Mapping[str, Account],
          normality: Direction) -> tuple[tuple[tuple[str, bool, tuple[str, ...]], ...],
                                         tuple[tuple[str, str, int], ...]]:
    """The section's accounts children first, and in display order (see `_Shape`)."""
    post: list[tuple[str, bool, tuple[str, ...]]] = []
    pre: list[tuple[str, str, int]] = []

    def visit(account_id: str, depth: int) -> None:
        account = by_id[account_id]
        pre.append((account_id, account.name, depth))
        for child in children.get(account_id, ()):
            visit(child, depth + 1)
        post.append((account_id, account.normal is normality,
                     tuple(children.get(account_id, ()))))

    for root in children.get(None, ()):
        visit(root, 0)
    return tuple(post), tuple(pre)


def section(chart: ChartOfAccounts, which: Section, own_by_column: Sequence[Balances],
            figure: str = "activity") -> StatementSection:
    """Lay out one section over columns.

    Args:
        chart: the chart of accounts.
        which: the section.
        own_by_column: per column, each account's own balances.
        figure: which figure of a balance counts: ``activity`` or ``ending``.

    Returns:
        Every account of the section with a non-zero figure in its subtree, rolled up
        inside the section, in the section's sign; and the section's total per column.
    """
    shape = _shapes(chart)[which]
    activity = figure == "activity"
    count = len(own_by_column)
    rolled: dict[str, tuple[Figures, ...]] = {}
    active: dict[str, bool] = {}
    for account_id, same, kids in shape.postorder:
        mine: list[dict[str, int]] = [{} for _ in range(count)]
        alive = False
        for index in range(count):
            by_code = own_by_column[index].get(account_id)
            if by_code:
                target = mine[index]
                for code, balance in by_code.items():
                    value = balance.ending - balance.starting if activity else balance.ending
                    if value:
                        alive = True
                        target[code] = target.get(code, 0) + (value if same else -value)
        for child in kids:
            alive = alive or active[child]
            for index, part in enumerate(rolled[child]):
                target = mine[index]
                for code, value in part.items():
                    target[code] = target.get(code, 0) + value
        # Zeros (a contra account cancelling its parent) are left out, as `add` does.
        rolled[account_id] = tuple(m if all(m.values()) else {c: v for c, v in m.items() if v}
                                   for m in mine)
        active[account_id] = alive
    rows = tuple(StatementRow(account_id, name, depth, rolled[account_id])
                 for account_id, name, depth in shape.preorder if active[account_id])
    totals = tuple(add(*(rolled[root][index] for root in shape.roots))
                   for index in range(count))
    return StatementSection(which, rows, totals)


# -- income statement -------------------------------------------------------------------

INCOME_TOTALS = ("revenue", "cost_of_goods_sold", "gross_profit", "expenses",
                 "operating_income", "other_income", "other_expenses", "net_income")


@dataclass(frozen=True, slots=True)
class IncomeStatement:
    """Profit and loss over one or more column periods.

    Attributes:
        columns: the column periods, in order (adjacent when split by month, quarter, year).
        sections: revenue, cost of goods sold, operating expenses, other income, other
            expenses.
        totals: name -> one figure per column: ``revenue``, ``cost_of_goods_sold``,
            ``gross_profit`` (revenue - cost of goods sold), ``expenses`` (operating),
            ``operating_income``, ``other_income``, ``other_expenses``, ``net_income``.
    """

    columns: tuple[Period, ...]
    sections: tuple[StatementSection, ...]
    totals: Mapping[str, tuple[Figures, ...]]

    def total(self, name: str) -> Figures:
        """A total summed across the columns (the whole range when they partition it)."""
        return add(*self.totals[name])


def income_statement(chart: ChartOfAccounts, own_by_column: Sequence[Balances],
                     columns: Sequence[Period]) -> IncomeStatement:
    """The income statement of each column's activity.

    Args:
        chart: the chart of accounts.
        own_by_column: each column's own balances (closing entries left out); the
            activity (ending - starting) is what counts.
        columns: the column periods, for the labels.
    """
    sections = tuple(section(chart, which, own_by_column) for which in INCOME_SECTIONS)
    by = {s.section: s.totals for s in sections}
    totals: dict[str, tuple[Figures, ...]] = {}
    count = len(own_by_column)
    totals["revenue"] = by[Section.REVENUE]
    totals["cost_of_goods_sold"] = by[Section.COST_OF_GOODS_SOLD]
    totals["gross_profit"] = tuple(add(by[Section.REVENUE][i],
                                       negate(by[Section.COST_OF_GOODS_SOLD][i]))
                                   for i in range(count))
    totals["expenses"] = by[Section.OPERATING_EXPENSES]
    totals["operating_income"] = tuple(add(totals["gross_profit"][i],
                                           negate(totals["expenses"][i]))
                                       for i in range(count))
    totals["other_income"] = by[Section.OTHER_INCOME]
    totals["other_expenses"] = by[Section.OTHER_EXPENSES]
    totals["net_income"] = tuple(add(totals["operating_income"][i], by[Section.OTHER_INCOME][i],
                                     negate(by[Section.OTHER_EXPENSES][i]))
                                 for i in range(count))
    return IncomeStatement(tuple(columns), sections, totals)


# -- balance sheet ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BalanceSheet:
    """Assets, liabilities and equity at an instant (None: after everything).

    Attributes:
        retained_earnings: net income of every closed period (up to the last close).
        current_earnings: net income since the last close.
        totals: ``assets``, ``liabilities``, ``equity`` (the equity accounts plus
            retained and current earnings), ``retained_earnings``, ``current_earnings``,
            ``liabilities_and_equity``.
    """

    at: datetime | None
    assets: StatementSection
    liabilities: StatementSection
    equity: StatementSection
    retained_earnings: Figures
    current_earnings: Figures
    totals: Mapping[str, Figures] = field(default_factory=dict)

    def is_balanced(self) -> bool:
        return self.totals["assets"] == self.totals["liabilities_and_equity"]


def balance_sheet(chart: ChartOfAccounts, own: Balances, retained_earnings: Mapping[str, int],
                  current_earnings: Mapping[str, int], at: datetime | None) -> BalanceSheet:
    """The balance sheet from each account's ending balance (closing entries left out).

    Args:
        chart: the chart of accounts.
        own: own balances whose `ending` is at the instant.
        retained_earnings: net income up to the last close (`net_income`).
        current_earnings: net income from the last close to the instant.
        at: the instant, for the label.
    """
    assets, liabilities, equity = (section(chart, which, [own], "ending") for which in
                                   (Section.ASSETS, Section.LIABILITIES, Section.EQUITY))
    retained, current = add(retained_earnings), add(current_earnings)
    total_equity = add(equity.totals[0], retained, current)
    totals = {"assets": assets.totals[0], "liabilities": liabilities.totals[0],
              "equity": total_equity, "retained_earnings": retained,
              "current_earnings": current,
              "liabilities_and_equity": add(liabilities.totals[0], total_equity)}
    return BalanceSheet(at, assets, liabilities, equity, retained, current, totals)


# -- cash flow --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CashFlowLine:
    """Cash an account brought in (positive) or took out (negative), by activity."""

    account_id: str
    name: str
    activity: Activity
    amount: Figures


@dataclass(frozen=True, slots=True)
class CashFlow:
    """The change in cash and bank over a period, explained twice.

    Attributes:
        net_income: the period's net income on the statement's basis.
        indirect: each non-cash balance-sheet account's change, as cash (an asset that
            grew took cash; a liability or equity account that grew brought it).
        direct: per counter-account, the cash received (positive) and paid (negative) in
            the cash-basis entries that moved cash.
        totals: ``net_change_in_cash``, ``opening_cash``, ``closing_cash``,
            ``net_income``, ``operating``, ``investing``, ``financing`` (indirect
            method), ``direct_receipts``, ``direct_payments``, ``direct_total``.
    """

    period: Period
    cash_accounts: tuple[str, ...]
    net_income: Figures
    indirect: tuple[CashFlowLine, ...]
    direct: tuple[CashFlowLine, ...]
    totals: Mapping[str, Figures]

    def indirect_total(self) -> Figures:
        return add(self.totals["operating"], self.totals["investing"],
                   self.totals["financing"])


def _debit_signed(account: Account, figure: Mapping[str, int]) -> Figures:
    return _signed(account, Direction.DEBIT, figure)


def direct_flows(chart: ChartOfAccounts, entries: Iterable[JournalEntry],
                 cash: frozenset[str]) -> dict[str, Figures]:
    """Per counter-account, the cash it brought in (positive) or took out (negative).

    Args:
        chart: the chart of accounts.
        entries: the cash-basis entries of the period (already filtered).
        cash: the cash and bank accounts (`cash_accounts`).
    """
    flows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in entries:
        if not any(item.account_id in cash for item in entry.line_items):
            continue
        for item in entry.line_items:
            if item.account_id not in cash:
                flows[item.account_id][item.commodity.code] -= item.debit_signed()
    return {account: add(by_code) for account, by_code in flows.items() if add(by_code)}


def cash_flow(chart: ChartOfAccounts, own: Balances,
              direct: Mapping[str, Mapping[str, int]] | None, period: Period) -> CashFlow:
    """The cash-flow statement of a period.

    Args:
        chart: the chart of accounts.
        own: own balances over the period on the statement's basis (closing entries left
            out).
        direct: the period's `direct_flows` (from the cash basis); None leaves the direct
            method out (its lines and ``direct_*`` totals).
        period: the period, for the label.
    """
    cash = cash_accounts(chart)
    opening = add(*(_debit_signed(chart.get(a), _figure(own, a, "starting"))
                    for a in own if a in cash))
    closing = add(*(_debit_signed(chart.get(a), _figure(own, a, "ending"))
                    for a in own if a in cash))
    income = net_income(chart, own)
    indirect: list[CashFlowLine] = []
    by_activity: dict[Activity, list[Figures]] = {a: [] for a in Activity}
    by_activity[Activity.OPERATING].append(income)
    for account in chart:
        by_code = own.get(account.id)
        if not by_code or account.id in cash or account.type in _PROFIT_AND_LOSS:
            continue
        # Cash an account's change brought: minus its debit-signed change.
        debit = account.normal is Direction.DEBIT
        change = {code: -(b.ending - b.starting) if debit else b.ending - b.starting
                  for code, b in by_code.items() if b.ending != b.starting}
        if change:
            line = CashFlowLine(account.id, account.name, activity_of(account), add(change))
            indirect.append(line)
            by_activity[line.activity].append(line.amount)
    direct_lines = []
    # The direct totals, added up as the lines are made (one pass over a line per
    # counter-account: the statement of a large chart spends its time here).
    receipts: dict[str, int] = {}
    payments: dict[str, int] = {}
    direct_by: dict[Activity, dict[str, int]] = {a: {} for a in Activity}
    given = direct or {}
    for account in chart:
        flows = given.get(account.id)
        if not flows:
            continue
        amount = add(flows)
        if amount:
            kind = (Activity.OPERATING if account.type.is_profit_and_loss
                    else activity_of(account))
            direct_lines.append(CashFlowLine(account.id, account.name, kind, amount))
            of_kind = direct_by[kind]
            for code, value in amount.items():
                side = receipts if value > 0 else payments
                side[code] = side.get(code, 0) + value
                of_kind[code] = of_kind.get(code, 0) + value
    totals = {"net_change_in_cash": add(closing, negate(opening)), "opening_cash": opening,
              "closing_cash": closing, "net_income": income,
              **{a.value: add(*by_activity[a]) for a in Activity}}
    if direct is not None:
        totals.update({"direct_receipts": add(receipts), "direct_payments": add(payments),
                       "direct_total": add(receipts, payments)})
        for name in Activity:
            totals[f"direct_{name.value}"] = add(direct_by[name])
    return CashFlow(period, tuple(sorted(cash)), income, tuple(indirect),
                    tuple(direct_lines), totals)
