"""Importing Layer's ``GET ledger/balances`` response: the chart of accounts.

The response is the chart, nested through ``sub_accounts``: each node becomes an
`Account` with its parent from the nesting, its type, subtype, normality and stable name.
Its ``balance`` figures and per-node ``entries`` are Layer's view of entries posted
elsewhere (``ledger/entries``); importing them would post them twice, so they are never
posted. They stay in the parsed model, which `ledgercore.verify` checks.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ledgercore.providers.batch import ImportBatch, PayloadKind
from ledgercore.providers.documents import read_document
from ledgercore.providers.errors import from_validation_error, refuse
from ledgercore.providers.kinds import wrong_kind
from ledgercore.providers.layer_accounts import chart_accounts, nested_accounts
from ledgercore.providers.layer_models import LedgerBalancesResponse


def parse_layer_balances(document: Any, *, source: str | None = None
                         ) -> LedgerBalancesResponse:
    """Validate a parsed ``GET ledger/balances`` response into its model.

    Raises:
        WrongPayloadKind: not a balances response.
        LedgerError: the first problem, with every problem in ``details["problems"]``.
    """
    if isinstance(document, LedgerBalancesResponse):
        return document
    if isinstance(document, dict) and "data" not in document and \
            isinstance(document.get("accounts"), list):
        # The OpenAPI schema's response body is the bare ApiLedgerBalances.
        document = {"data": {"type": "Ledger_Balances", **document}}
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or "accounts" not in data:
        raise wrong_kind(PayloadKind.LAYER_BALANCES, document, source,
                         'expected {"data": {"type": "Ledger_Balances", "accounts": [...]}}')
    try:
        return LedgerBalancesResponse.model_validate(document)
    except ValidationError as exc:
        raise refuse(from_validation_error(exc, source=source), source=source) from None


def import_layer_balances(document: Any, *, source: str | None = None) -> ImportBatch:
    """The chart of accounts a balances response describes (no entries, ever).

    Args:
        document: the parsed JSON or an already validated `LedgerBalancesResponse`.
        source: file name for messages.

    Returns:
        A batch whose accounts are the chart, parents before children.

    Raises:
        LedgerError: every problem collected (``invalid_account`` for a repeated id or
            stable name, an undeterminable type, ...), the first raised.
    """
    model = parse_layer_balances(document, source=source)
    accounts, problems = chart_accounts(nested_accounts(model.data.accounts, "$.data.accounts"))
    if problems:
        raise refuse(problems, source=source)
    return ImportBatch(PayloadKind.LAYER_BALANCES, accounts=tuple(accounts), source=source)


def read_layer_balances(path: str | PathLike[str]) -> tuple[ImportBatch, LedgerBalancesResponse]:
    """Read a balances file: its chart as a batch, and the model for verification."""
    name = Path(path).name
    model = parse_layer_balances(read_document(path), source=name)
    return import_layer_balances(model, source=name), model
