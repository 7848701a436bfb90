"""The catalog of one ledger: its chart of accounts and its commodities, cached.

Line items reference accounts and commodities by database key; callers speak in
external account ids and commodity codes. The catalog maps between the two and keeps
the validated `ChartOfAccounts` in memory, so posting does not re-read the chart. It is
reloaded when a name is missing (another process may have defined it since).
Every posted line stores its signed effect under the account's normality, so an account's
type and normality are fixed once it has postings; its labels may change
(`ledgercore.store.chart`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import (
    Account,
    AccountSubtype,
    AccountType,
    ChartOfAccounts,
    Direction,
)
from ledgercore.domain.errors import InvalidCommodity
from ledgercore.domain.money import Commodity
from ledgercore.store.driver import fetch_all
from ledgercore.store.schema import accounts, commodities, ledgers

_CHART_VERSION = f"SELECT chart_version FROM {ledgers.name} WHERE id = :ledger"


@dataclass(slots=True)
class Catalog:
    """Accounts and commodities of one ledger, keyed both ways."""

    ledger_id: int
    chart: ChartOfAccounts = field(default_factory=ChartOfAccounts)
    account_key: dict[str, int] = field(default_factory=dict)
    account_id: dict[int, str] = field(default_factory=dict)
    commodity_key: dict[str, int] = field(default_factory=dict)
    commodity: dict[int, Commodity] = field(default_factory=dict)
    # account id -> (key, normality): what writing a line needs, in one lookup.
    posting_key: dict[str, tuple[int, Direction]] = field(default_factory=dict)
    # Accounts seen to have a guard row (`ledgercore.store.guards`), so a transfer's
    # sender is given its default guard without a read each time: a row is never
    # deleted, and a rollback reloads the catalog, which forgets them.
    guard_rows: set[int] = field(default_factory=set)
    # The count of chart changes the chart was read at (`ledgers.chart_version`); -1:
    # not known yet.
    chart_version: int = -1
    # False for a schema older than migration 0006 (no `description` column yet), as
    # migration 0002 reads it.
    described: bool = True

    def load(self, connection: Connection) -> None:
        """Read the chart and the commodities from the database."""
        columns = [c for c in accounts.c if c.name != "labels_seen_at"
                   and (self.described or c.name != "description")]
        rows = connection.execute(
            select(*columns).where(accounts.c.ledger_id == self.ledger_id)
            .order_by(accounts.c.id)).all()
        ids = {row.id: row.external_id for row in rows}
        self.chart = ChartOfAccounts(_account(row, ids) for row in rows)
        self.account_id = ids
        self.account_key = {external: key for key, external in ids.items()}
        self.posting_key = {account.id: (self.account_key[account.id], account.normal)
                            for account in self.chart}
        found = connection.execute(
            select(commodities.c.id, commodities.c.code, commodities.c.scale)
            .where(commodities.c.ledger_id == self.ledger_id)).all()
        self.commodity = {row.id: Commodity(row.code, row.scale) for row in found}
        self.commodity_key = {row.code: row.id for row in found}
        self.guard_rows = set()

    def ensure_chart(self, connection: Connection, version: int | None = None, *,
                     reload: bool = False) -> None:
        """Read the chart again if it was read at another count of chart changes.

        Args:
            version: the ledger's count (`ledgers.chart_version`); None reads it.
            reload: read it again whatever the count (after a failed transaction).
        """
        if version is None:  # through the driver: every report asks, first
            version = int(fetch_all(connection, _CHART_VERSION,
                                    {"ledger": self.ledger_id})[0][0])
        if reload or version != self.chart_version:
            self.load(connection)
            self.chart_version = version

    def ensure_commodities(self, connection: Connection, wanted: Iterable[Commodity]) -> None:
        """Record commodities not yet known; refuse a known code with another scale.

        Raises:
            InvalidCommodity: a code is recorded with a different scale.
        """
        for commodity in wanted:
            key = self.commodity_key.get(commodity.code)
            if key is None:
                self.load(connection)
                key = self.commodity_key.get(commodity.code)
            if key is None:
                key = connection.execute(insert(commodities).returning(commodities.c.id), {
                    "ledger_id": self.ledger_id, "code": commodity.code,
                    "scale": commodity.scale}).scalar_one()
                self.commodity_key[commodity.code] = key
                self.commodity[key] = commodity
            elif self.commodity[key] != commodity:
                raise InvalidCommodity(
                    f"commodity {commodity.code} has scale {self.commodity[key].scale} in this "
                    f"ledger, not {commodity.scale}", commodity=commodity.code)

    def scale_conflict(self, commodity: Commodity) -> bool:
        """Whether `commodity`'s code is known here with a different scale."""
        key = self.commodity_key.get(commodity.code)
        return key is not None and self.commodity[key] != commodity


def _account(row: Any, ids: dict[int, str]) -> Account:
    parent = row.parent_id
    subtype = row.subtype
    return Account(
        id=row.external_id, name=row.name,
        type=AccountType(row.type),
        subtype=None if subtype is None else AccountSubtype(subtype),
        normality=Direction(row.normality),
        parent_id=None if parent is None else ids[parent],
        stable_name=row.stable_name, account_number=row.account_number,
        description=getattr(row, "description", None))
