"""Two-phase transfers in the store: create, execute, void, delete, settle.

A transfer (`ledgercore.domain.transfers`) is a row of ``transfers`` plus one row of
``transfer_events`` per status it entered after the one it was made in. Only execution
writes to the journal: it posts exactly one entry, whose id is the transfer's, lowering
the source's balance and raising the destination's, each in its normal sign, through
`ledgercore.store.posting.post` (so the balance guards of `ledgercore.store.guards`
check it like any posting). A pending
transfer writes no entry; the guards count its amount as a hold on its source. Every
function runs inside the caller's write transaction (`unit_of_work`), so a refusal
writes nothing.

Concurrency: a new transfer's check and write are one step under the source's guard
lock (see `guards`); a transition reads its transfer ``FOR UPDATE`` on PostgreSQL (one
writer at a time on SQLite), so two processes executing one pending transfer cannot
both post it. A repeated idempotency key that races its first use loses on the unique
key and is retried by the unit of work, which then finds the first transfer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy.engine import Connection

from ledgercore.domain.entries import JournalEntry, prechecked_entry, prechecked_line
from ledgercore.domain.errors import (
    Conflict,
    InsufficientAssets,
    InsufficientBalance,
    InvalidRequest,
    NotFound,
)
from ledgercore.domain.limits import MAX_ID_LENGTH, check_text
from ledgercore.domain.transfers import (
    Fixture,
    Transfer,
    TransferEvent,
    TransferRequest,
    TransferStatus,
    check_transition,
    fixture_of,
    floor_units,
    initial_status,
    parse_floor,
    settlement,
)
from ledgercore.store import guards
from ledgercore.store.catalog import Catalog
from ledgercore.store.driver import fetch_all
from ledgercore.store.guards import run
from ledgercore.store.instants import from_micros, to_micros
from ledgercore.store.posting import post

# Every sender is guarded at this floor unless its account says otherwise (Alpaca's rule).
DEFAULT_FLOOR = "0"

_COLUMNS = ("id, external_id, from_account_id, to_account_id, commodity_id, amount, price, "
            "status, description, idempotency_key, digest, fixture, created_at, system_date, "
            "settle_date")
_INSERT = ("INSERT INTO transfers (ledger_id, external_id, from_account_id, to_account_id, "
           "commodity_id, amount, price, status, description, idempotency_key, digest, "
           "fixture, created_at, system_date, settle_date, pending_from, pending_until) VALUES "
           "(:ledger, :external_id, :from_account, :to_account, :commodity, :amount, :price, "
           ":status, :description, :idempotency_key, :digest, :fixture, :created_at, "
           ":system_date, :settle_date, :pending_from, :pending_until)")
# A transition after the creation, which is event 0 and not stored (see `events`).
_EVENT = ("INSERT INTO transfer_events (transfer_id, seq, status, at) VALUES "
          "(:transfer, (SELECT coalesce(max(seq) + 1, 1) FROM transfer_events "
          "WHERE transfer_id = :transfer), :status, :at)")


@dataclass(frozen=True, slots=True)
class TransferPolicy:
    """A ledger's rules for new transfers (Alpaca's per-ledger limit and sandbox)."""

    pending_above: str | None = None
    sandbox: bool = False


def policy(connection: Connection, catalog: Catalog) -> TransferPolicy:
    """The ledger's transfer policy (none set: no limit, not a sandbox)."""
    rows = fetch_all(connection, "SELECT pending_above, sandbox FROM transfer_policies "
                                 "WHERE ledger_id = :ledger", {"ledger": catalog.ledger_id})
    return TransferPolicy() if not rows else TransferPolicy(rows[0][0], bool(rows[0][1]))


def set_policy(connection: Connection, catalog: Catalog, wanted: TransferPolicy) -> None:
    """Set the ledger's transfer policy."""
    run(connection, "INSERT INTO transfer_policies (ledger_id, pending_above, sandbox) VALUES "
                    "(:ledger, :above, :sandbox) ON CONFLICT (ledger_id) DO UPDATE SET "
                    "pending_above = excluded.pending_above, sandbox = excluded.sandbox",
        {"ledger": catalog.ledger_id,
         "above": parse_floor(wanted.pending_above, name="pending_above"),
         "sandbox": int(wanted.sandbox)})


def create(connection: Connection, catalog: Catalog, request: TransferRequest, *,
           now: datetime, tz: tzinfo, hold: bool | None = None) -> Transfer:
    """Create a transfer: pending (holding its amount) or executed at once.

    Args:
        hold: True: pending; False: executed now; None: the ledger's policy decides
            (above its limit, or with a sandbox fixture: pending).

    Raises:
        InvalidRequest: a malformed request. NotFound: an account does not exist.
        Conflict: its idempotency key or id is taken by a different transfer.
        InsufficientBalance / InsufficientAssets: the source's guard refuses it.
    """
    request.validate()
    digest = request.digest()
    found = _existing(connection, catalog, request)
    if found is not None:
        if found[1] != digest:
            raise Conflict(f"transfer {found[0].id} was made with this "
                           f"{'idempotency key' if request.idempotency_key else 'id'} and "
                           f"different content", transfer_id=found[0].id,
                           path="$.idempotency_key" if request.idempotency_key else "$.id")
        return found[0]
    source = _account(connection, catalog, request.from_account, "$.from_account")
    target = _account(connection, catalog, request.to_account, "$.to_account")
    if catalog.posting_key[request.from_account][1] is not \
            catalog.posting_key[request.to_account][1]:
        # Lowering one balance and raising the other would then be two lines on one
        # side: money moves between accounts of one normality (two customers' assets,
        # or two wallets the app owes).
        raise InvalidRequest(f"a transfer moves between accounts of the same normality; "
                             f"{request.from_account} is "
                             f"{catalog.posting_key[request.from_account][1].value}-normal and "
                             f"{request.to_account} "
                             f"{catalog.posting_key[request.to_account][1].value}-normal",
                             path="$.to_account")
    # An explicit hold decides alone: the policy (limit, sandbox fixtures) is not read.
    rules = policy(connection, catalog) if hold is None else TransferPolicy()
    fixture = fixture_of(request.description) if rules.sandbox else None
    limit = (None if rules.pending_above is None
             else floor_units(rules.pending_above, request.commodity.scale))
    status = initial_status(request, pending_above=limit, fixture=fixture, hold=hold)
    guards.set_floor(connection, catalog, request.from_account, DEFAULT_FLOOR,
                     keep_existing=True)
    catalog.ensure_commodities(connection, [request.commodity])
    transfer_id = request.transfer_id or str(uuid.uuid4())
    at = to_micros(now)
    today = now.astimezone(tz).date()
    pending = status is TransferStatus.PENDING
    if pending:
        guards.check(connection, catalog, {}, _holds(catalog, request))
    run(connection, _INSERT, {
        "ledger": catalog.ledger_id, "external_id": transfer_id, "from_account": source,
        "to_account": target, "commodity": catalog.commodity_key[request.commodity.code],
        "amount": request.amount, "price": request.price, "status": status.value,
        "description": request.description, "idempotency_key": request.idempotency_key,
        "digest": digest, "fixture": None if fixture is None else fixture.value,
        "created_at": at, "system_date": today.isoformat(),
        "settle_date": None if pending else today.isoformat(),
        "pending_from": at if pending else None, "pending_until": None})
    transfer = Transfer(transfer_id, request.from_account, request.to_account,
                        request.commodity, request.amount, status, from_micros(at), today,
                        None if pending else today, request.price, request.description,
                        request.idempotency_key)
    if not pending:
        post(connection, catalog, [_entry(catalog, transfer, from_micros(at))],
             fresh_ids=request.transfer_id is None)
    return transfer


def transition(connection: Connection, catalog: Catalog, transfer_id: str,
               target: TransferStatus, *, now: datetime, tz: tzinfo,
               settle_day: date | None = None) -> Transfer:
    """Move a pending transfer to `target`; executing it posts its entry.

    Args:
        settle_day: executing at settlement: the entry is effective at the start of that
            day in `tz` (not before the transfer was made, nor after now), its settle
            date that day.

    Raises:
        NotFound: no such transfer. CannotBeDeleted / InvalidTransition: it is not
            pending. InsufficientBalance / InsufficientAssets: executing it would break a
            guard (possible only when a floor was raised since it was made).
    """
    key, transfer = _load(connection, catalog, transfer_id, lock=True)
    check_transition(transfer_id, transfer.status, target)
    at = to_micros(now)
    if target is TransferStatus.EXECUTED:
        day = settle_day or now.astimezone(tz).date()
        # At settlement: the start of the settled day, yet not before the transfer was
        # made nor after now (a balance "as of now" counts what has been executed).
        effective = now if settle_day is None else max(transfer.created_at, min(
            now, datetime.combine(settle_day, datetime.min.time(), tzinfo=tz)))
        _set_status(connection, key, target, until=to_micros(effective), settle_date=day)
        post(connection, catalog, [_entry(catalog, transfer, effective)])
    else:
        day = None
        _set_status(connection, key, target, until=at, settle_date=None)
    run(connection, _EVENT, {"transfer": key, "status": target.value, "at": at})
    return Transfer(transfer.id, transfer.from_account, transfer.to_account,
                    transfer.commodity, transfer.amount, target, transfer.created_at,
                    transfer.system_date, day, transfer.price, transfer.description,
                    transfer.idempotency_key)


def settle(connection: Connection, catalog: Catalog, day: date, *, now: datetime,
           tz: tzinfo) -> list[Transfer]:
    """End of `day`: execute or reject the transfers pending since it or before.

    A ``status=rejected`` sandbox fixture rejects; ``status=pending`` stays pending; any
    other executes, unless its source's available balance (which counts its hold) is
    below the source's floor then (a floor raised, or a guard set, since the transfer
    was made): then it is ``refused``, and its hold released. Transfers are settled in
    the order they were made, so a refusal can make room for a later one.

    Returns:
        The transfers that moved, in the order they were made.
    """
    rows = fetch_all(connection, "SELECT external_id, fixture FROM transfers WHERE "
                                 "ledger_id = :ledger AND status = 'pending' AND "
                                 "system_date <= :day ORDER BY created_at, id",
                     {"ledger": catalog.ledger_id, "day": day.isoformat()})
    moved: list[Transfer] = []
    for external_id, fixture in rows:
        outcome = settlement(None if fixture is None else Fixture(fixture))
        if outcome is None:
            continue
        if outcome is TransferStatus.REJECTED:
            moved.append(transition(connection, catalog, external_id, outcome, now=now, tz=tz))
            continue
        pending = get(connection, catalog, external_id)
        if guards.shortfall_now(connection, catalog, pending.from_account, pending.commodity):
            outcome = TransferStatus.REFUSED
        try:
            moved.append(transition(connection, catalog, external_id, outcome, now=now, tz=tz,
                                    settle_day=day))
        except (InsufficientBalance, InsufficientAssets):
            # Refused before the entry was written: only the status row changed.
            key, _ = _load(connection, catalog, external_id, lock=False)
            _set_status(connection, key, TransferStatus.REFUSED, until=to_micros(now),
                        settle_date=None)
            run(connection, _EVENT, {"transfer": key, "status": "refused",
                                     "at": to_micros(now)})
            moved.append(get(connection, catalog, external_id))
    return moved


def get(connection: Connection, catalog: Catalog, transfer_id: str) -> Transfer:
    """The transfer with this id. Raises NotFound."""
    return _load(connection, catalog, transfer_id, lock=False)[1]


def events(connection: Connection, catalog: Catalog, transfer_id: str) -> list[TransferEvent]:
    """Every status the transfer entered, oldest first. Raises NotFound.

    The first, its creation, is read off the transfer's row rather than stored (a write
    fewer per transfer; migration 0010): made at ``created_at``, pending if it ever was
    (only a pending transfer changes status), else in the status it still has.
    """
    key, transfer = _load(connection, catalog, transfer_id, lock=False)
    rows = fetch_all(connection, "SELECT status, at FROM transfer_events "
                                 "WHERE transfer_id = :transfer ORDER BY seq",
                     {"transfer": key})
    made = TransferStatus.PENDING if rows else transfer.status
    return [TransferEvent(made, transfer.created_at), *(
        TransferEvent(TransferStatus(status), from_micros(at)) for status, at in rows)]


def transfer_of(catalog: Catalog, row: tuple[Any, ...]) -> Transfer:
    """A ``transfers`` row (`_COLUMNS`, the catalog current) as the domain's `Transfer`."""
    (_, external_id, source, target, commodity, amount, price, status, description,
     idempotency_key, _, _, created_at, system_date, settle_date) = row
    return Transfer(external_id, catalog.account_id[source], catalog.account_id[target],
                    catalog.commodity[commodity], amount, TransferStatus(status),
                    from_micros(created_at), date.fromisoformat(system_date),
                    None if settle_date is None else date.fromisoformat(settle_date), price,
                    description, idempotency_key)


def rows_of(connection: Connection, catalog: Catalog,
            rows: list[tuple[Any, ...]]) -> list[Transfer]:
    """Rows as transfers, reloading the catalog if one names what it does not know yet."""
    if any(r[2] not in catalog.account_id or r[3] not in catalog.account_id
           or r[4] not in catalog.commodity for r in rows):
        catalog.load(connection)
    return [transfer_of(catalog, row) for row in rows]


def _entry(catalog: Catalog, transfer: Transfer, effective: datetime) -> JournalEntry:
    """The transfer's journal entry: the source's balance falls and the target's rises,
    each in its own normal sign (both accounts have the same normality: `create`).

    Built without the entry's checks, which hold by construction: the request passed
    `TransferRequest.validate` (ids and description storable, 0 < amount <= MAX_AMOUNT),
    its two lines balance, and `effective` is an aware instant between its creation and
    now. A test holds it equal to the checked construction.
    """
    normal = catalog.posting_key[transfer.from_account][1]
    lines = (prechecked_line(transfer.from_account, transfer.commodity, transfer.amount,
                             normal.opposite),
             prechecked_line(transfer.to_account, transfer.commodity, transfer.amount,
                             normal))
    return prechecked_entry(transfer.id, effective, effective, lines,
                            transfer.entry_type.value, transfer.description, None, (), None,
                            None)


def _holds(catalog: Catalog, request: TransferRequest) -> dict[tuple[str, Any], int]:
    """The hold a pending request puts on its source, the side whose balance it lowers."""
    return {(request.from_account, request.commodity): request.amount}


def _set_status(connection: Connection, key: int, status: TransferStatus, *, until: int,
                settle_date: date | None) -> None:
    run(connection, "UPDATE transfers SET status = :status, pending_until = :until, "
                    "settle_date = :settle WHERE id = :key",
        {"status": status.value, "until": until, "key": key,
         "settle": None if settle_date is None else settle_date.isoformat()})


def _account(connection: Connection, catalog: Catalog, account_id: str, path: str) -> int:
    key = catalog.account_key.get(account_id)
    if key is None:
        catalog.load(connection)
        key = catalog.account_key.get(account_id)
    if key is None:
        raise NotFound(f"account {account_id} does not exist in this ledger; add it with "
                       f"`ledgercore accounts add` or an import", account_id=account_id,
                       path=path)
    return key


def _load(connection: Connection, catalog: Catalog, transfer_id: str, *,
          lock: bool) -> tuple[int, Transfer]:
    check_text(transfer_id, "the transfer id", InvalidRequest, limit=MAX_ID_LENGTH, path="$.id")
    sql = f"SELECT {_COLUMNS} FROM transfers WHERE ledger_id = :ledger AND external_id = :id"
    if lock and connection.dialect.name == "postgresql":
        sql += " FOR UPDATE"
    rows = fetch_all(connection, sql, {"ledger": catalog.ledger_id, "id": transfer_id})
    if not rows:
        raise NotFound(f"no transfer {transfer_id} in this ledger", transfer_id=transfer_id)
    return rows[0][0], rows_of(connection, catalog, rows)[0]


def _existing(connection: Connection, catalog: Catalog,
              request: TransferRequest) -> tuple[Transfer, str] | None:
    """The transfer already made with the request's idempotency key (else its id)."""
    if request.idempotency_key is not None:
        where, value = "idempotency_key = :value", request.idempotency_key
    elif request.transfer_id is not None:
        where, value = "external_id = :value", request.transfer_id
    else:
        return None
    rows = fetch_all(connection, f"SELECT {_COLUMNS} FROM transfers WHERE ledger_id = :ledger "
                                 f"AND {where}", {"ledger": catalog.ledger_id, "value": value})
    if not rows:
        return None
    return rows_of(connection, catalog, rows)[0], rows[0][10]


def pending_window(at: datetime | None) -> tuple[str, dict[str, int]]:
    """SQL condition (and parameters) of transfers pending at instant `at` (None: now)."""
    if at is None:
        return "status = 'pending'", {}
    micros = to_micros(at)
    return ("pending_from IS NOT NULL AND pending_from <= :at AND "
            "(pending_until IS NULL OR pending_until > :at)", {"at": micros})


ONE_MICROSECOND = timedelta(microseconds=1)
