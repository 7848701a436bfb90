"""Reading transfers: Alpaca's journal list filters, and available balances at an instant.

Transfers are listed newest first (creation instant, then row key, both descending) and
paged by keyset: a page ends with an opaque cursor naming its last transfer, and the next
page starts strictly after it, so pages stay exact while other processes keep writing.

An account's *available* balance at an instant is its posted balance then (every entry
effective at or before it) less what the transfers pending at that instant would take
out of it, and, when asked, plus what they would bring in. A transfer is pending from
its creation until its transition (an executed one: until its entry's effective time).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.engine import Connection

from ledgercore.domain.balances import ALL_ENTRIES
from ledgercore.domain.errors import InvalidRequest
from ledgercore.domain.periods import Period
from ledgercore.domain.transfers import SECURITY_SCALE, EntryType, Transfer, TransferStatus
from ledgercore.store import reports
from ledgercore.store.catalog import Catalog
from ledgercore.store.driver import fetch_all
from ledgercore.store.transfers import _COLUMNS, ONE_MICROSECOND, pending_window, rows_of


@dataclass(frozen=True, slots=True)
class TransferFilter:
    """Alpaca's journal list parameters; `after` / `before` are creation dates, inclusive."""

    status: TransferStatus | None = None
    entry_type: EntryType | None = None
    after: date | None = None
    before: date | None = None
    from_account: str | None = None
    to_account: str | None = None


@dataclass(frozen=True, slots=True)
class TransferPage:
    """A page of transfers, newest first, and the next page's cursor (None: the last)."""

    transfers: tuple[Transfer, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Availability:
    """One account's figures in one commodity (minor units, the account's normal sign).

    Attributes:
        posted: the posted balance.
        held: what its pending transfers would take out (>= 0).
        incoming: what its pending transfers would bring in (>= 0).
        available: posted - held (+ incoming, when asked for).
    """

    posted: int
    held: int
    incoming: int
    available: int


def list_transfers(connection: Connection, catalog: Catalog, wanted: TransferFilter,
                   after: str | None, limit: int) -> TransferPage:
    """One page of the ledger's transfers that match `wanted`, newest first.

    Raises:
        InvalidRequest: limit < 1, or a cursor this function did not return.
    """
    if limit < 1:
        raise InvalidRequest(f"limit must be at least 1, got {limit}", path="$.limit")
    where = ["ledger_id = :ledger"]
    values: dict[str, object] = {"ledger": catalog.ledger_id, "limit": limit + 1}
    if wanted.status is not None:
        where.append("status = :status")
        values["status"] = wanted.status.value
    if wanted.entry_type is not None:
        test = "=" if wanted.entry_type is EntryType.JNLS else "<>"
        where.append(f"commodity_id IN (SELECT id FROM commodities WHERE ledger_id = :ledger "
                     f"AND scale {test} {SECURITY_SCALE})")
    if wanted.after is not None:
        where.append("system_date >= :after")
        values["after"] = wanted.after.isoformat()
    if wanted.before is not None:
        where.append("system_date <= :before")
        values["before"] = wanted.before.isoformat()
    for side, account_id in (("from", wanted.from_account), ("to", wanted.to_account)):
        if account_id is not None:
            key = _key(connection, catalog, account_id)
            if key is None:
                return TransferPage((), None)
            where.append(f"{side}_account_id = :{side}")
            values[side] = key
    if after is not None:
        created, key = _decode(after)
        where.append("(created_at < :c_at OR (created_at = :c_at AND id < :c_key))")
        values.update(c_at=created, c_key=key)
    rows = fetch_all(connection, f"SELECT {_COLUMNS} FROM transfers WHERE {' AND '.join(where)} "
                                 f"ORDER BY created_at DESC, id DESC LIMIT :limit", values)
    page = rows[:limit]
    cursor = None
    if len(rows) > limit:
        last = page[-1]
        cursor = _encode(last[12], last[0])
    return TransferPage(tuple(rows_of(connection, catalog, page)), cursor)


def available(connection: Connection, catalog: Catalog, accounts: Sequence[str] | None,
              at: datetime | None, include_incoming: bool,
              ) -> dict[str, dict[str, Availability]]:
    """Posted, held, incoming and available figures per account and commodity code.

    Args:
        accounts: these accounts only (None: every account with a figure).
        at: the instant (None: now, every posted entry and the transfers pending now).
        include_incoming: count what pending transfers would bring in as available.
    """
    period = Period() if at is None else Period(end=at + ONE_MICROSECOND)
    wanted = None if accounts is None else tuple(accounts)
    posted = reports.balances(connection, catalog, period, ALL_ENTRIES, wanted)
    condition, values = pending_window(at)
    rows = fetch_all(connection, f"SELECT from_account_id, to_account_id, commodity_id, amount "
                                 f"FROM transfers WHERE ledger_id = :ledger AND {condition}",
                     {"ledger": catalog.ledger_id, **values})
    if any(a not in catalog.account_id or b not in catalog.account_id or c not in
           catalog.commodity for a, b, c, _ in rows):
        catalog.load(connection)
    moves: dict[tuple[str, str], list[int]] = {}  # (account, code) -> [held, incoming]
    for source, target, commodity, amount in rows:
        code = catalog.commodity[commodity].code
        # A transfer lowers its source's balance and raises its target's (normal sign).
        for key, lowers in ((source, True), (target, False)):
            account_id = catalog.account_id[key]
            if wanted is not None and account_id not in wanted:
                continue
            slot = moves.setdefault((account_id, code), [0, 0])
            slot[0 if lowers else 1] += amount
    for account_id, figures in posted.items():
        for code in figures:
            moves.setdefault((account_id, code), [0, 0])
    out: dict[str, dict[str, Availability]] = {}
    for (account_id, code), (held, incoming) in sorted(moves.items()):
        figure = posted.get(account_id, {}).get(code)
        booked = 0 if figure is None else figure.ending
        out.setdefault(account_id, {})[code] = Availability(
            booked, held, incoming, booked - held + (incoming if include_incoming else 0))
    return out


def _key(connection: Connection, catalog: Catalog, account_id: str) -> int | None:
    key = catalog.account_key.get(account_id)
    if key is None:
        catalog.load(connection)
        key = catalog.account_key.get(account_id)
    return key


def _encode(created_at: int, key: int) -> str:
    raw = json.dumps([created_at, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[int, int]:
    try:
        created_at, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidRequest(f"{cursor!r} is not a page cursor", path="$.after") from exc
    if type(created_at) is not int or type(key) is not int:
        raise InvalidRequest(f"{cursor!r} is not a page cursor", path="$.after")
    return created_at, key
