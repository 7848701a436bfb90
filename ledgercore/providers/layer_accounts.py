"""Layer accounts into domain accounts: identifiers, types, subtypes and normality.

Layer names an account by id (``{"type": "AccountId", "id": ...}`` or a bare string) or,
in a line item, possibly by stable name alone. The domain account id is Layer's id; an
account known only by stable name is looked up in the chart given to the importer, and
otherwise takes the stable name as its id. The type comes from ``account_type.value``,
or, when Layer omits it as in its published samples, from the display name ("Asset",
"Liabilities", ...). An unknown subtype maps to none, since it does not change a sign;
an unknown type is refused, since it does. An `AccountBook` gathers the accounts an
entries file mentions and refuses one id described two incompatible ways.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ledgercore.domain import (
    Account,
    AccountSubtype,
    AccountType,
    ChartOfAccounts,
    InvalidAccount,
    LedgerError,
    UnknownAccount,
)
from ledgercore.providers.layer_models import (
    ApiLedgerAccountSubtype,
    ApiLedgerAccountType,
    NestedApiLedgerAccount,
    SingleApiChartAccount,
)

_TYPE_NAMES = {
    "ASSET": AccountType.ASSET, "ASSETS": AccountType.ASSET,
    "LIABILITY": AccountType.LIABILITY, "LIABILITIES": AccountType.LIABILITY,
    "EQUITY": AccountType.EQUITY, "REVENUE": AccountType.REVENUE,
    "REVENUES": AccountType.REVENUE, "INCOME": AccountType.REVENUE,
    "COGS": AccountType.COGS, "COST OF GOODS SOLD": AccountType.COGS,
    "EXPENSE": AccountType.EXPENSE, "EXPENSES": AccountType.EXPENSE,
}
_SUBTYPES = {s.value for s in AccountSubtype}


def account_type(model: ApiLedgerAccountType | None, path: str) -> AccountType:
    """The account type from its value, else its display name.

    Raises:
        InvalidAccount: neither says which of the six types it is.
    """
    if model is not None and model.value is not None:
        return model.value
    display = (model.display_name or "") if model is not None else ""
    found = _TYPE_NAMES.get(display.strip().upper())
    if found is None:
        raise InvalidAccount(
            f"account type {display!r} is not one of ASSET, LIABILITY, EQUITY, REVENUE, "
            f"COGS, EXPENSE; give account_type.value", path=path, value=display or None)
    return found


def account_subtype(model: ApiLedgerAccountSubtype | None) -> AccountSubtype | None:
    """The subtype from its value or display name ("Current Assets"); None if unknown."""
    if model is None:
        return None
    for text in (model.value, model.display_name):
        if not text:
            continue
        name = text.strip().upper().replace(" ", "_")
        for candidate in (name, name.removesuffix("S")):
            if candidate in _SUBTYPES:
                return AccountSubtype(candidate)
    return None


def to_account(model: SingleApiChartAccount | NestedApiLedgerAccount, path: str,
               parent_id: str | None = None) -> Account:
    """A domain account from a Layer account object at JSON path `path`."""
    stable = (model.stable_name.stable_name if model.stable_name is not None
              else model.id.stable_name)
    account_id = model.id.id or stable
    assert account_id is not None  # AccountIdentifier guarantees one of the two
    try:
        return Account(
            id=account_id,
            name=model.name or stable or account_id,
            type=account_type(model.account_type, f"{path}.account_type"),
            subtype=account_subtype(model.account_subtype),
            normality=model.normality,
            parent_id=parent_id,
            stable_name=stable,
            account_number=model.account_number,
            description=model.description,
        )
    except LedgerError as error:
        if error.path is None:
            error.path = path
        raise


def _defines_type(model: SingleApiChartAccount) -> bool:
    kind = model.account_type
    return kind is not None and (kind.value is not None or kind.display_name is not None)


def _differing_field(known: Account, seen: Account) -> str | None:
    """The first field whose description differs; a stable name one side omits does not."""
    for name in ("type", "normality", "stable_name"):
        mine, theirs = getattr(known, name), getattr(seen, name)
        if name == "stable_name" and (mine is None or theirs is None):
            continue
        if mine != theirs:
            return name
    return None


class AccountBook:
    """The accounts an entries payload mentions, resolved once each.

    Args:
        chart: accounts already known (e.g. from a balances import or the store); a line
            item may name one of them by id or stable name without describing it.
    """

    def __init__(self, chart: ChartOfAccounts | None = None) -> None:
        self.chart = chart
        self.accounts: dict[str, Account] = {}
        self.fresh: list[Account] = []
        # hashable view of a raw account object -> its account id (the fast path's cache)
        self.seen: dict[Any, str] = {}

    def resolve(self, model: SingleApiChartAccount, path: str) -> str:
        """The account id a line item posts to, recording the account if it is new.

        Raises:
            UnknownAccount: the line item only names an account that is nowhere defined.
            InvalidAccount: an undefinable type, or the same id described incompatibly.
        """
        if model.id.id is None and self.chart is not None and model.id.stable_name:
            try:
                return self.chart.by_stable_name(model.id.stable_name).id
            except UnknownAccount:
                pass
        if not _defines_type(model):
            account_id = model.id.id or model.id.stable_name
            assert account_id is not None
            if account_id in self.accounts or (self.chart is not None
                                               and account_id in self.chart):
                return account_id
            raise UnknownAccount(
                f"line item names account {account_id} without describing it and no chart "
                f"defines it: import the Layer balances payload (the chart) first",
                path=path, account_id=account_id)
        account = to_account(model, path)
        known = self.accounts.get(account.id)
        if known is None and self.chart is not None and account.id in self.chart:
            # A line item's account is a flat view (no parent): the chart's own
            # definition stands, and only a contradiction of its meaning is an error.
            known = self.chart.get(account.id)
            self.accounts[account.id] = known
        if known is None:
            self.accounts[account.id] = account
            self.fresh.append(account)
        elif (field := _differing_field(known, account)) is not None:
            earlier = "in the chart" if self.chart is not None and account.id in self.chart \
                else "earlier in the file"
            raise InvalidAccount(
                f"account {account.id} has {field} {getattr(account, field)} here but "
                f"{getattr(known, field)} {earlier}",
                path=f"{path}.{'account_type' if field == 'type' else field}",
                account_id=account.id, field=field)
        return account.id

    def take_fresh(self) -> tuple[Account, ...]:
        """Accounts first seen since the last call (for streaming batches)."""
        out, self.fresh = tuple(self.fresh), []
        return out


def nested_accounts(nodes: tuple[NestedApiLedgerAccount, ...], root: str,
                    parent_id: str | None = None
                    ) -> Iterator[tuple[str, NestedApiLedgerAccount, str | None]]:
    """Depth-first ``(json path, node, parent id)`` over a nested chart, parents first."""
    for index, node in enumerate(nodes):
        path = f"{root}[{index}]"
        yield path, node, parent_id
        node_id = node.id.id or node.id.stable_name
        yield from nested_accounts(node.sub_accounts, f"{path}.sub_accounts", node_id)


def chart_accounts(nodes: Iterable[tuple[str, SingleApiChartAccount | NestedApiLedgerAccount,
                                         str | None]],
                   ) -> tuple[list[Account], list[LedgerError]]:
    """A chart's accounts from its ``(json path, node, parent id)`` walk, parents first,
    and every problem found (a bad node, an id twice, a chart that is not a forest), each
    at the path of the node it concerns, so a user fixes the file in one pass."""
    accounts: list[Account] = []
    problems: list[LedgerError] = []
    seen: dict[str, str] = {}
    for path, node, parent_id in nodes:
        try:
            account = to_account(node, path, parent_id)
        except LedgerError as error:
            problems.append(error)
            continue
        if account.id in seen:
            problems.append(InvalidAccount(
                f"account {account.id} appears twice in the chart (first at {seen[account.id]})",
                path=f"{path}.id", account_id=account.id))
            continue
        seen[account.id] = path
        accounts.append(account)
    if not problems:
        try:
            ChartOfAccounts(accounts)
        except LedgerError as error:
            account_id = error.details.get("account_id")
            error.path = seen.get(account_id, "$.data.accounts") if account_id else error.path
            problems.append(error)
    return accounts, problems
