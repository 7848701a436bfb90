"""Writing ledgercore figures in Layer's own response shapes.

`layer_balances_response` gives ``GET ledger/balances``: the chart nested through
``sub_accounts``; each node's ``balance`` is its rolled-up activity over the period in
the node's normal sign (integer cents; with an open start that is the ending balance),
and its ``entries`` are the node's own line items in the period. So a node's balance is
its own entries (normal sign) plus its children's balances (flipped when a child's
normality differs), which is exactly what `ledgercore.verify` checks. `layer_entries_response`
gives ``GET ledger/entries``. Layer speaks USD only: the exporters take one commodity's
figures (USD unless told otherwise) and refuse to write an entry in another.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ledgercore.domain import (
    ALL_ENTRIES,
    Account,
    AccountType,
    ChartOfAccounts,
    CounterpartyKind,
    EntryFilter,
    InvalidCommodity,
    JournalEntry,
    LineItem,
    Period,
    RolledBalance,
    balances,
    roll_up,
    statement_order,
)
from ledgercore.domain.balances import ALL_TIME

TYPE_DISPLAY = {
    AccountType.ASSET: "Assets", AccountType.LIABILITY: "Liabilities",
    AccountType.EQUITY: "Equity", AccountType.REVENUE: "Revenue",
    AccountType.COGS: "Cost of Goods Sold", AccountType.EXPENSE: "Expenses",
}
OwnLines = Mapping[str, Sequence[tuple[JournalEntry, LineItem]]]


def instant_text(instant: datetime) -> str:
    """RFC 3339 in UTC with ``Z``, microseconds only when present (as Layer writes)."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def account_json(account: Account) -> dict[str, Any]:
    """A ``SingleApiChartAccount``."""
    return {
        "id": {"type": "AccountId", "id": account.id},
        "name": account.name,
        "account_number": account.account_number,
        "stable_name": (None if account.stable_name is None
                        else {"type": "StableName", "stable_name": account.stable_name}),
        "normality": account.normal.value,
        "account_type": {"value": account.type.value,
                         "display_name": TYPE_DISPLAY[account.type]},
        "account_subtype": (None if account.subtype is None else {
            "value": account.subtype.value,
            "display_name": account.subtype.value.replace("_", " ").title()}),
    }


def line_item_json(entry: JournalEntry, item: LineItem, account: Account) -> dict[str, Any]:
    """An ``ApiLineItem``."""
    assert entry.created_at is not None
    return {"id": item.id, "entry_id": entry.id, "account": account_json(account),
            "amount": item.amount, "direction": item.direction.value,
            "entry_at": instant_text(entry.entry_at),
            "createdAt": instant_text(entry.created_at)}


def layer_balances_response(chart: ChartOfAccounts, rolled: Mapping[str, RolledBalance],
                            own_lines: OwnLines, *, commodity: str = "USD") -> dict[str, Any]:
    """The ``GET ledger/balances`` response from figures already computed.

    Args:
        chart: the chart, nested by ``parent_id``.
        rolled: `roll_up` of the period's own balances (every account of the chart).
        own_lines: account id -> its own (entry, line item) pairs in the period.
        commodity: whose figures to write (Layer is USD).
    """
    def node(account_id: str) -> dict[str, Any]:
        account = chart.get(account_id)
        figure = rolled[account_id].total.get(commodity) if account_id in rolled else None
        out = account_json(account)
        out.update(
            balance=0 if figure is None else figure.activity,
            entries=[line_item_json(entry, item, account)
                     for entry, item in own_lines.get(account_id, ())
                     if item.commodity.code == commodity],
            sub_accounts=[node(child) for child in chart.children(account_id)])
        return out

    return {"data": {"type": "Ledger_Balances",
                     "accounts": [node(root) for root in chart.roots()]}}


def own_lines_in(chart: ChartOfAccounts, entries: Iterable[JournalEntry], period: Period,
                 entry_filter: EntryFilter = ALL_ENTRIES) -> dict[str, list[
                     tuple[JournalEntry, LineItem]]]:
    """Each account's own line items effective in `period`, in statement order."""
    out: dict[str, list[tuple[JournalEntry, LineItem]]] = defaultdict(list)
    chosen = sorted((e for e in entries if period.contains(e.entry_at)
                     and entry_filter.accepts(e)),
                    key=statement_order)
    for entry in chosen:
        for item in entry.line_items:
            chart.get(item.account_id)
            out[item.account_id].append((entry, item))
    return dict(out)


def export_layer_balances(chart: ChartOfAccounts, entries: Iterable[JournalEntry],
                          period: Period = ALL_TIME, entry_filter: EntryFilter = ALL_ENTRIES,
                          *, commodity: str = "USD") -> dict[str, Any]:
    """Compute and write the ``GET ledger/balances`` response for `period` (pure domain)."""
    entries = tuple(entries)
    own = balances(chart, entries, period, entry_filter)
    return layer_balances_response(chart, roll_up(chart, own),
                                   own_lines_in(chart, entries, period, entry_filter),
                                   commodity=commodity)


def entry_json(chart: ChartOfAccounts, entry: JournalEntry) -> dict[str, Any]:
    """One ``Ledger_Entry``.

    Raises:
        InvalidCommodity: a line is not in USD (Layer amounts are USD cents).
    """
    for item in entry.line_items:
        if item.commodity.code != "USD" or item.commodity.scale != 2:
            raise InvalidCommodity(
                f"entry {entry.id} moves {item.commodity.code}; the Layer format carries USD "
                f"cents only", entry_id=entry.id, commodity=item.commodity.code)
    return entry_object(entry, [line_item_json(entry, item, chart.get(item.account_id))
                                for item in entry.line_items])


def entry_object(entry: JournalEntry, line_items: list[dict[str, Any]]) -> dict[str, Any]:
    """An entry's ``Ledger_Entry`` fields around its line items, as given."""
    party = entry.counterparty
    assert entry.created_at is not None
    return {
        "type": "Ledger_Entry", "id": entry.id, "entry_type": entry.entry_type,
        "date": instant_text(entry.created_at), "entry_at": instant_text(entry.entry_at),
        "reversal_of_id": entry.reversal_of_id, "reversal_id": entry.reversal_id,
        "memo": entry.description,
        "tags": [{"key": key, "value": value} for key, value in entry.tags],
        "customer": ({"id": party.id} if party and party.kind is CounterpartyKind.CUSTOMER
                     else None),
        "vendor": ({"id": party.id} if party and party.kind is CounterpartyKind.VENDOR
                   else None),
        "line_items": line_items,
    }


def layer_entries_response(chart: ChartOfAccounts, entries: Iterable[JournalEntry]
                           ) -> dict[str, Any]:
    """The ``GET ledger/entries`` response for `entries`, in the order given."""
    return {"data": [entry_json(chart, entry) for entry in entries], "meta": {}}


def export_layer_entries(chart: ChartOfAccounts, entries: Iterable[JournalEntry],
                         period: Period = ALL_TIME, entry_filter: EntryFilter = ALL_ENTRIES
                         ) -> dict[str, Any]:
    """The entries effective in `period` and accepted by `entry_filter`, in entry order."""
    chosen = sorted((e for e in entries if period.contains(e.entry_at)
                     and entry_filter.accepts(e)),
                    key=statement_order)
    return layer_entries_response(chart, chosen)
