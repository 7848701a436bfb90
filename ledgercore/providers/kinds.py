"""Recognising which of the four payload kinds a document is.

Importing a file under the wrong name (journals as Layer entries) must fail with
``wrong_payload_kind`` and say what the file looks like, instead of a cascade of
missing-field errors. Recognition uses the few members that tell the shapes apart.
"""

from __future__ import annotations

from typing import Any

from ledgercore.providers.batch import PayloadKind
from ledgercore.providers.errors import WrongPayloadKind

_JIT_KEYS = frozenset({"starting_balance", "ending_balance", "ledger_no", "activity_amount"})
_JOURNAL_KEYS = frozenset({"from_account", "to_account"})


def detect_kind(document: Any) -> PayloadKind | None:
    """The payload kind `document` looks like, or None if it looks like none of them."""
    if isinstance(document, dict):
        data = document.get("data")
        if isinstance(data, list):
            return PayloadKind.LAYER_ENTRIES
        if isinstance(data, dict) and "accounts" in data:
            return PayloadKind.LAYER_BALANCES
        return _object_kind(document)
    if isinstance(document, list) and document and isinstance(document[0], dict):
        return _object_kind(document[0])
    return None


def _object_kind(obj: dict[str, Any]) -> PayloadKind | None:
    if obj.keys() & _JIT_KEYS:
        return PayloadKind.ALPACA_JIT_BALANCES
    if obj.keys() & _JOURNAL_KEYS:
        return PayloadKind.ALPACA_JOURNALS
    return None


def wrong_kind(expected: PayloadKind, document: Any, source: str | None,
               what: str) -> WrongPayloadKind:
    """The error for a document that is not `expected`; `what` says what was missing."""
    found = detect_kind(document)
    looks = f"; it looks like {found.value}" if found is not None else ""
    where = f"{source}: " if source else ""
    return WrongPayloadKind(f"{where}this is not a payload of kind {expected.value}: {what}{looks}",
                            path="$", source=source, expected=expected.value,
                            found=found.value if found is not None else None)
