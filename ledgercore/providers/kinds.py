"""Recognising which of the four payload kinds a document is.

Importing a file under the wrong name (journals as Layer entries) must fail with
``wrong_payload_kind`` and say what the file looks like, instead of a cascade of
missing-field errors. Recognition uses the few members that tell the shapes apart.
"""

from __future__ import annotations

from typing import Any

from ledgercore.providers.batch import PayloadKind
from ledgercore.providers.errors import ProviderErrorResponse, WrongPayloadKind

_JIT_KEYS = frozenset({"starting_balance", "ending_balance", "ledger_no", "activity_amount"})
_JOURNAL_KEYS = frozenset({"from_account", "to_account"})


def detect_kind(document: Any) -> PayloadKind | None:
    """The payload kind `document` looks like, or None if it looks like none of them."""
    if isinstance(document, dict):
        data = document.get("data")
        if isinstance(data, list) or (isinstance(data, dict) and "line_items" in data):
            return PayloadKind.LAYER_ENTRIES
        if isinstance(data, dict) and "accounts" in data:
            return _accounts_kind(data)
        if data is None and isinstance(document.get("accounts"), list):
            return _accounts_kind(document)  # the OpenAPI schema's bare ApiLedgerBalances
        return _object_kind(document)
    if isinstance(document, list) and document and isinstance(document[0], dict):
        return _object_kind(document[0])
    return None


def _accounts_kind(data: dict[str, Any]) -> PayloadKind:
    """Balances (nodes carry a ``balance``) or the chart of accounts (they do not)."""
    if data.get("type") == "Chart_Of_Accounts":
        return PayloadKind.LAYER_CHART
    nodes = data.get("accounts") or []
    first = nodes[0] if isinstance(nodes, list) and nodes else None
    if isinstance(first, dict) and "balance" not in first and data.get("type") is None:
        return PayloadKind.LAYER_CHART
    return PayloadKind.LAYER_BALANCES


def provider_error(document: Any, source: str | None) -> ProviderErrorResponse | None:
    """The refusal for a provider's error response, or None if `document` is not one.

    Layer answers a failed request with an ``ApiError`` (``type``, ``description``,
    ``error_enum``, ``meta``); Alpaca with ``{"code": 40410000, "message": ...}``.
    """
    if not isinstance(document, dict) or "data" in document:
        return None
    where = f"{source}: " if source else ""
    if isinstance(document.get("description"), str) and isinstance(document.get("type"), str) \
            and document.keys() <= {"type", "description", "error_enum", "meta"}:
        code = document.get("error_enum") or document["type"]
        return ProviderErrorResponse(
            f"{where}this is Layer's error response, not a payload: "
            f"{document['description']!r} (error {code}, type {document['type']}); the "
            f"request failed, so there is nothing to import: fix the request and fetch "
            f"the data again", path="$", source=source, provider="Layer",
            provider_description=document["description"], provider_code=str(code))
    if isinstance(document.get("message"), str) and "code" in document \
            and document.keys() <= {"code", "message", "debug_id"}:
        return ProviderErrorResponse(
            f"{where}this is Alpaca's error response, not a payload: "
            f"{document['message']!r} (error code {document['code']}); the request failed, "
            f"so there is nothing to import: fix the request and fetch the data again",
            path="$", source=source, provider="Alpaca",
            provider_description=document["message"], provider_code=str(document["code"]))
    return None


def _object_kind(obj: dict[str, Any]) -> PayloadKind | None:
    if obj.keys() & _JIT_KEYS:
        return PayloadKind.ALPACA_JIT_BALANCES
    if obj.keys() & _JOURNAL_KEYS:
        return PayloadKind.ALPACA_JOURNALS
    return None


def wrong_kind(expected: PayloadKind, document: Any, source: str | None,
               what: str) -> WrongPayloadKind:
    """The error for a document that is not `expected`; `what` says what was missing.

    A provider's error response is named as such, with its own description and code.
    """
    failed = provider_error(document, source)
    if failed is not None:
        return failed
    found = detect_kind(document)
    looks = f"; it looks like {found.value}" if found is not None else ""
    where = f"{source}: " if source else ""
    return WrongPayloadKind(f"{where}this is not a payload of kind {expected.value}: {what}{looks}",
                            path="$", source=source, expected=expected.value,
                            found=found.value if found is not None else None)
