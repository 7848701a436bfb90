"""Defining accounts over time: new accounts, relabelled accounts and their history.

An account's identity and meaning (its id, type and normality) give every posted figure
its sign, so once it has postings they are fixed: a snapshot that says otherwise is a
`conflict` naming the field. Its labels and placement (name, stable name, description,
parent, subtype, number) may change. Snapshots come in two kinds:

- a *chart snapshot* (a Layer balances or chart response, an API call) states the
  account as the provider had it at the instant it was seen (``seen_at``). The account
  takes the labels of the latest snapshot by that instant (ties: the larger labels, so
  the choice never depends on arrival order); an older snapshot arriving late is
  recorded in the history and changes nothing;
- a *flat view* (a line item's account, a transfer's account; ``seen_at=None``) only
  defines an account the ledger does not know yet; it never relabels one.

Every labels change is recorded in ``account_history`` with the instant it was seen. A
new placement that would make the hierarchy a cycle is refused (`invalid_account`),
nothing written. Reports use the current chart, so roll-ups follow the new hierarchy.
A subtype change that moves an account in or out of the clearing accounts rebuilds the
cash-basis projection in the same transaction, and one that moves an account with lines in
or out of the cash accounts (a subtype or a parent) rebuilds the cash-flow totals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from ledgercore.domain.accounts import FIXED, LABELS, Account, ChartOfAccounts
from ledgercore.domain.deferral import clearing_accounts
from ledgercore.domain.errors import Conflict, InvalidAccount
from ledgercore.domain.statements import cash_accounts
from ledgercore.store import cash_flow_totals
from ledgercore.store.cash import projection as cash_projection
from ledgercore.store.catalog import Catalog
from ledgercore.store.instants import from_micros, to_micros
from ledgercore.store.schema import (
    account_history,
    accounts,
    cash_period_totals,
    ledgers,
    line_items,
)


@dataclass(frozen=True, slots=True)
class ChartChange:
    """What defining a snapshot did: how many accounts were new, and which derived
    tables it rebuilt from every stored line (``cash_period_totals`` with the cash
    projection, ``cash_flow_totals``)."""

    added: int
    rebuilt: frozenset[str] = frozenset()


def define(connection: Connection, catalog: Catalog, new: Iterable[Account], *,
           seen_at: datetime | None) -> ChartChange:
    """Define and relabel accounts from one snapshot (see `ChartChange`).

    Args:
        connection: the writing transaction.
        catalog: the ledger's catalog (reloaded and kept current).
        new: the snapshot's accounts; parents may come in the same call.
        seen_at: when a chart snapshot was seen; None for flat views.

    Raises:
        Conflict: a posted account's type or normality differs (``field`` names which).
        InvalidAccount / UnknownAccount: the resulting chart is not a valid forest (a
            cycle, an unknown parent, a stable name used twice).
    """
    catalog.load(connection)
    seen = None if seen_at is None else to_micros(seen_at)
    current = {a.id: a for a in catalog.chart}
    stamps = _stamps(connection, catalog)
    fresh: dict[str, Account] = {}
    changed: dict[str, Account] = {}
    bumped: dict[str, int] = {}
    for account in new:
        known = changed.get(account.id) or current.get(account.id) or fresh.get(account.id)
        if known is None:
            fresh[account.id] = account
            continue
        if account == known:
            if seen is not None and account.id not in fresh and \
                    (stamps.get(account.id) or -1) < seen:
                bumped[account.id] = seen
            continue
        differs = [name for name in FIXED if getattr(account, name) != getattr(known, name)]
        if differs and (seen is None or _posted(connection, catalog, account.id)):
            field = differs[0]
            raise Conflict(
                f"account {account.id} is {getattr(known, field)} {field} in this ledger and "
                f"has postings, so its {field} is fixed; this snapshot says "
                f"{getattr(account, field)}", account_id=account.id, field=field,
                path=f"$.{field}")
        if seen is None or account.id in fresh:
            continue  # a flat view never relabels
        stamp = stamps.get(account.id)
        if stamp is None or (seen, _key(account)) > (stamp, _key(known)):
            changed[account.id] = account
            bumped[account.id] = seen
    if not fresh and not changed and not bumped:
        return ChartChange(0)
    accounts_now = [changed.get(a.id, a) for a in catalog.chart] + list(fresh.values())
    try:
        chart = ChartOfAccounts(accounts_now)
    except InvalidAccount as error:
        if "cycle" in error.message:
            moved = sorted(changed)
            raise InvalidAccount(
                f"moving {', '.join(moved)} to the new parent would make the account "
                f"hierarchy a cycle (through {error.details.get('account_id')}); nothing was "
                f"changed", account_id=error.details.get("account_id"),
                path="$.parent_id") from None
        raise
    _write(connection, catalog, chart, fresh, changed, bumped, seen)
    clearing_before = clearing_accounts(catalog.chart)
    cash_before = cash_accounts(catalog.chart)
    # Count the change: other handles read the chart again before they next post or
    # report (`Catalog.ensure_chart`).
    version = connection.execute(update(ledgers).where(ledgers.c.id == catalog.ledger_id)
                                 .values(chart_version=ledgers.c.chart_version + 1)
                                 .returning(ledgers.c.chart_version)).scalar_one()
    catalog.load(connection)
    catalog.chart_version = int(version)
    rebuilt = clearing_accounts(catalog.chart) != clearing_before and any(
        _posted(connection, catalog, a) for a in changed)
    if rebuilt:
        cash_projection.rebuild(connection, catalog)
    flows = cash_flow_totals.after_chart_change(connection, catalog, cash_before, rebuilt)
    return ChartChange(len(fresh), frozenset(
        ({cash_period_totals.name} if rebuilt else set())
        | ({cash_flow_totals.CASH_FLOW_TOTALS} if flows else set())))


def history(connection: Connection, catalog: Catalog, account_id: str
            ) -> tuple[tuple[datetime, Account], ...]:
    """Every set of labels `account_id` was given, oldest seen first, with when."""
    catalog.load(connection)
    base = catalog.chart.get(account_id)
    h = account_history.c
    rows = connection.execute(
        select(h.seen_at, h.name, h.parent_external_id, h.stable_name, h.description,
               h.subtype, h.account_number)
        .where(h.account_id == catalog.account_key[account_id])
        .order_by(h.seen_at, h.id)).all()
    return tuple((from_micros(row.seen_at), replace(
        base, name=row.name, parent_id=row.parent_external_id, stable_name=row.stable_name,
        description=row.description, subtype=row.subtype, account_number=row.account_number))
        for row in rows)


def _key(account: Account) -> tuple[str, ...]:
    return tuple("" if getattr(account, name) is None else str(getattr(account, name))
                 for name in (*LABELS, *FIXED))


def _stamps(connection: Connection, catalog: Catalog) -> dict[str, int | None]:
    rows = connection.execute(select(accounts.c.external_id, accounts.c.labels_seen_at)
                              .where(accounts.c.ledger_id == catalog.ledger_id)).all()
    return {row.external_id: row.labels_seen_at for row in rows}


def _posted(connection: Connection, catalog: Catalog, account_id: str) -> bool:
    key = catalog.account_key.get(account_id)
    if key is None:
        return False
    return connection.execute(select(line_items.c.entry_id).where(
        line_items.c.account_id == key).limit(1)).first() is not None


def _row(account: Account, parent: int | None) -> dict[str, object]:
    return {"name": account.name, "parent_id": parent, "type": account.type.value,
            "subtype": None if account.subtype is None else account.subtype.value,
            "normality": account.normal.value, "stable_name": account.stable_name,
            "account_number": account.account_number, "description": account.description}


def _write(connection: Connection, catalog: Catalog, chart: ChartOfAccounts,
           fresh: dict[str, Account], changed: dict[str, Account], bumped: dict[str, int],
           seen: int | None) -> None:
    keys = dict(catalog.account_key)
    now = seen if seen is not None else to_micros(datetime.now(UTC))
    # Stable names are unique: clear the moving ones first, so two accounts may swap.
    for account_id in changed:
        connection.execute(update(accounts).where(accounts.c.id == keys[account_id])
                           .values(stable_name=None))
    # Parents first: a row references its parent's key.
    for account_id in sorted(fresh, key=lambda a: len(chart.ancestors(a))):
        account = fresh[account_id]
        parent = None if account.parent_id is None else keys[account.parent_id]
        keys[account_id] = connection.execute(insert(accounts).returning(accounts.c.id), {
            "ledger_id": catalog.ledger_id, "external_id": account.id,
            "labels_seen_at": seen, **_row(account, parent)}).scalar_one()
    for account_id, account in changed.items():
        parent = None if account.parent_id is None else keys[account.parent_id]
        connection.execute(update(accounts).where(accounts.c.id == keys[account_id])
                           .values(**_row(account, parent)))
    for account_id, stamp in bumped.items():
        connection.execute(update(accounts).where(accounts.c.id == keys[account_id])
                           .values(labels_seen_at=stamp))
    recorded = [*fresh.values(), *changed.values()]
    if recorded:
        connection.execute(insert(account_history), [{
            "ledger_id": catalog.ledger_id, "account_id": keys[a.id], "seen_at": now,
            "name": a.name, "parent_external_id": a.parent_id, "stable_name": a.stable_name,
            "description": a.description,
            "subtype": None if a.subtype is None else a.subtype.value,
            "account_number": a.account_number} for a in recorded])

