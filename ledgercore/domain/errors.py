"""The ledger-wide exception family.

Every refusal ledgercore makes is a `LedgerError` carrying a stable machine-readable
`code`, a message a person can act on, and, where it applies, the JSON path of the bad
field (`path`) plus structured context (`entry_id`, `account_id`, `residual`, ...).
Callers and tests branch on `code` and the fields, never on the message text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class LedgerError(Exception):
    """Root of every error ledgercore raises on purpose.

    Attributes:
        code: stable identifier, e.g. ``unbalanced_entry``.
        message: human explanation (what, where, how to fix).
        path: JSON path of the offending field (``$.data[3].line_items[0].amount``), if any.
        details: structured context such as ``entry_id`` or ``residual``.
    """

    code: ClassVar[str] = "ledger_error"

    def __init__(self, message: str, *, path: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.details: Mapping[str, Any] = details

    def __getattr__(self, name: str) -> Any:
        # Structured fields (entry_id, account_id, residual, ...) read as attributes.
        details = self.__dict__.get("details", {})
        if name in details:
            return details[name]
        raise AttributeError(name)

    def at(self, prefix: str) -> LedgerError:
        """Return this error re-rooted under `prefix` (used when a value sits in a payload)."""
        suffix = "" if self.path in (None, "$") else str(self.path).removeprefix("$")
        self.path = prefix + suffix
        return self

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view: code, message, path and the structured fields."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.path is not None:
            out["path"] = self.path
        out.update({k: v if isinstance(v, int | str | bool | None) else str(v)
                    for k, v in self.details.items()})
        return out

    def __str__(self) -> str:
        where = f" (at {self.path})" if self.path else ""
        return f"[{self.code}] {self.message}{where}"


class InvalidAmount(LedgerError):
    code = "invalid_amount"


class InvalidCommodity(LedgerError):
    code = "invalid_commodity"


class UnbalancedEntry(LedgerError):
    code = "unbalanced_entry"


class InvalidEntry(LedgerError):
    code = "invalid_entry"


class UnknownAccount(LedgerError):
    code = "unknown_account"


class InvalidAccount(LedgerError):
    code = "invalid_account"


class InvalidPeriod(LedgerError):
    code = "invalid_period"


class InvalidDate(LedgerError):
    code = "invalid_date"


class AlreadyReversed(LedgerError):
    code = "already_reversed"


class Conflict(LedgerError):
    code = "conflict"


class InsufficientBalance(LedgerError):
    """A transfer would overdraw its source account (Alpaca's 403)."""

    code = "insufficient_balance"


class InvalidPayload(LedgerError):
    code = "invalid_payload"


class UnknownEntry(LedgerError):
    code = "unknown_entry"


class InsufficientAssets(LedgerError):
    """A transfer or posting would take a guarded account's security position below its floor."""

    code = "insufficient_assets"


class NotFound(LedgerError):
    """A transfer or an account a transfer names does not exist (Alpaca's 404)."""

    code = "not_found"


class CannotBeDeleted(LedgerError):
    """Only a pending transfer may be deleted (Alpaca's 422)."""

    code = "cannot_be_deleted"


class InvalidRequest(LedgerError):
    """A transfer request that cannot be carried out as asked (Alpaca's 400)."""

    code = "invalid_request"


class InvalidTransition(LedgerError):
    """A transfer asked to move to a status its current one does not lead to."""

    code = "invalid_transition"


class InvalidFilter(LedgerError):
    """A report filter no stored entry could match: text no store keeps (NUL, a lone
    surrogate)."""

    code = "invalid_filter"


class ReversalMismatch(LedgerError):
    """A reversal whose lines do not mirror its original: the pair does not net to zero."""

    code = "reversal_mismatch"


class PeriodClosed(LedgerError):
    """A write dated inside a closed period (Layer's `PeriodIsClosed`); reopen it first."""

    code = "period_closed"
