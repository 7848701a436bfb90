"""Importing Layer's chart of accounts (``GET ledger/accounts``): accounts, no figures.

The response is ``{"data": {"type": "Chart_Of_Accounts", "accounts": [...]}}``, each
account nested through ``sub_accounts`` as in the balances response but without a
``balance`` or ``entries``. Each node becomes an `Account` with its parent from the
nesting, as `ledgercore.providers.layer_balances` does; the chart is a snapshot, so a
later one may rename or move accounts (docs/providers.md, "Data over time").
"""

from __future__ import annotations

from collections.abc import Iterator
from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ledgercore.providers.batch import ImportBatch, PayloadKind
from ledgercore.providers.documents import read_document
from ledgercore.providers.errors import from_validation_error, refuse
from ledgercore.providers.fields import PAYLOAD_CONFIG
from ledgercore.providers.kinds import wrong_kind
from ledgercore.providers.layer_accounts import chart_accounts
from ledgercore.providers.layer_models import SingleApiChartAccount


class ChartAccount(SingleApiChartAccount):
    """A node of the chart of accounts: an account and its children."""

    sub_accounts: tuple[ChartAccount, ...] = ()


class ChartOfAccountsData(BaseModel):
    model_config = PAYLOAD_CONFIG
    type: str | None = None
    accounts: tuple[ChartAccount, ...]


class ChartOfAccountsResponse(BaseModel):
    model_config = PAYLOAD_CONFIG
    data: ChartOfAccountsData


def parse_layer_chart(document: Any, *, source: str | None = None) -> ChartOfAccountsResponse:
    """Validate a chart of accounts response (or its bare ``{"accounts": [...]}``).

    Raises:
        WrongPayloadKind: not a chart of accounts.
        LedgerError: the first problem, with every problem in ``details["problems"]``.
    """
    if isinstance(document, dict) and "data" not in document and \
            isinstance(document.get("accounts"), list):
        document = {"data": {"type": "Chart_Of_Accounts", **document}}
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        raise wrong_kind(PayloadKind.LAYER_CHART, document, source,
                         'expected {"data": {"type": "Chart_Of_Accounts", "accounts": [...]}}')
    try:
        return ChartOfAccountsResponse.model_validate(document)
    except ValidationError as exc:
        raise refuse(from_validation_error(exc, source=source), source=source) from None


def import_layer_chart(document: Any, *, source: str | None = None) -> ImportBatch:
    """The accounts a chart of accounts response describes, parents before children.

    Raises:
        LedgerError: every problem collected (a repeated id, an undeterminable type, a
            stable name used twice), the first raised.
    """
    model = parse_layer_chart(document, source=source)
    accounts, problems = chart_accounts(_nodes(model.data.accounts, "$.data.accounts", None))
    if problems:
        raise refuse(problems, source=source)
    return ImportBatch(PayloadKind.LAYER_CHART, accounts=tuple(accounts), source=source)


def read_layer_chart(path: str | PathLike[str]) -> ImportBatch:
    """Read and import a chart of accounts file."""
    return import_layer_chart(read_document(path), source=Path(path).name)


def _nodes(nodes: tuple[ChartAccount, ...], root: str, parent_id: str | None,
           ) -> Iterator[tuple[str, ChartAccount, str | None]]:
    for index, node in enumerate(nodes):
        path = f"{root}[{index}]"
        yield path, node, parent_id
        yield from _nodes(node.sub_accounts, f"{path}.sub_accounts",
                          node.id.id or node.id.stable_name)
