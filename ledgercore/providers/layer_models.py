"""pydantic models of Layer's ledger payloads, field for field.

Two responses: ``GET ledger/entries`` (``{"data": [Ledger_Entry, ...], "meta": {}}``) and
``GET ledger/balances`` (``{"data": {"type": "Ledger_Balances", "accounts": [...]}}``,
accounts nested through ``sub_accounts``). Amounts are integers of USD cents. Layer writes
an account id either as ``{"type": "AccountId", "id": ...}`` or as a bare string, and a
stable name as ``{"type": "StableName", "stable_name": ...}``, a bare string or null; the
models accept every form and hold one. A line item's account may be identified by its
stable name alone (``AccountIdentifier`` is a oneOf). Optional fields are optional on
purpose: the published samples omit ``normality``, type ``value`` and ``direction``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from ledgercore.domain import AccountType
from ledgercore.providers.fields import (
    PAYLOAD_CONFIG,
    DirectionField,
    Identifier,
    Instant,
    PositiveMinor,
)


def _account_identifier(value: Any) -> Any:
    return {"type": "AccountId", "id": value} if isinstance(value, str) else value


def _stable_name(value: Any) -> Any:
    return {"type": "StableName", "stable_name": value} if isinstance(value, str) else value


class AccountIdentifier(BaseModel):
    """``{"type": "AccountId", "id": ...}`` or ``{"type": "StableName", "stable_name": ...}``."""

    model_config = PAYLOAD_CONFIG
    type: str | None = None
    id: Identifier | None = None
    stable_name: Identifier | None = None

    @model_validator(mode="after")
    def _one_of(self) -> AccountIdentifier:
        if self.id is None and self.stable_name is None:
            raise PydanticCustomError("invalid_payload",
                                      "an account identifier needs an id or a stable_name")
        return self


class StableName(BaseModel):
    model_config = PAYLOAD_CONFIG
    type: str | None = None
    stable_name: Identifier


AccountIdField = Annotated[AccountIdentifier, BeforeValidator(_account_identifier)]
StableNameField = Annotated[StableName | None, BeforeValidator(_stable_name)]


class ApiLedgerAccountType(BaseModel):
    model_config = PAYLOAD_CONFIG
    value: AccountType | None = None
    display_name: str | None = None


class ApiLedgerAccountSubtype(BaseModel):
    # `value` stays a string: Layer adds subtypes, and an unknown one must not stop an
    # import (the importer maps it to no subtype; the type still decides the sign).
    model_config = PAYLOAD_CONFIG
    value: str | None = None
    display_name: str | None = None


class SingleApiChartAccount(BaseModel):
    """A line item's account, without children."""

    model_config = PAYLOAD_CONFIG
    id: AccountIdField
    name: str | None = None
    account_number: str | None = None
    description: str | None = None
    stable_name: StableNameField = None
    normality: DirectionField | None = None
    account_type: ApiLedgerAccountType | None = None
    account_subtype: ApiLedgerAccountSubtype | None = None


class ApiLineItem(BaseModel):
    """A line item as the balances response lists it (``direction`` may be absent)."""

    model_config = PAYLOAD_CONFIG
    id: str | None = None
    entry_id: str | None = None
    account: SingleApiChartAccount | None = None
    amount: PositiveMinor
    direction: DirectionField | None = None
    entry_at: Instant | None = None
    createdAt: Instant | None = None  # Layer's own spelling


class LedgerLineItem(ApiLineItem):
    """A line item of a journal entry: it must name its account and direction."""

    account: SingleApiChartAccount
    direction: DirectionField


class LayerTag(BaseModel):
    model_config = PAYLOAD_CONFIG
    key: Identifier
    value: str


class LayerCounterparty(BaseModel):
    model_config = PAYLOAD_CONFIG
    id: Identifier
    external_id: str | None = None


class LedgerEntry(BaseModel):
    """One ``Ledger_Entry``: ``date`` is when Layer recorded it, ``entry_at`` when it is
    effective."""

    model_config = PAYLOAD_CONFIG
    type: str | None = None
    id: Identifier
    business_id: str | None = None
    ledger_id: str | None = None
    entry_type: str | None = None
    date: Instant | None = None
    entry_at: Instant
    reversal_of_id: str | None = None
    reversal_id: str | None = None
    memo: str | None = None
    tags: tuple[LayerTag, ...] | None = None
    customer: LayerCounterparty | None = None
    vendor: LayerCounterparty | None = None
    line_items: tuple[LedgerLineItem, ...]


class LedgerEntriesResponse(BaseModel):
    model_config = PAYLOAD_CONFIG
    data: tuple[LedgerEntry, ...]
    meta: dict[str, Any] | None = None


class NestedApiLedgerAccount(SingleApiChartAccount):
    """A node of the chart: the account with its reported ``balance`` (rolled up, normal
    sign), its own line items and its children."""

    balance: int = Field(strict=True, ge=-(2**63), lt=2**63)
    entries: tuple[ApiLineItem, ...] = ()
    sub_accounts: tuple[NestedApiLedgerAccount, ...] = ()


class ApiLedgerBalances(BaseModel):
    model_config = PAYLOAD_CONFIG
    type: str | None = None
    accounts: tuple[NestedApiLedgerAccount, ...]


class LedgerBalancesResponse(BaseModel):
    model_config = PAYLOAD_CONFIG
    data: ApiLedgerBalances
