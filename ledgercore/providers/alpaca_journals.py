"""Importing Alpaca journals: executed JNLC / JNLS transfers between accounts.

An executed journal becomes an entry with the journal's id that credits
``from_account`` and debits ``to_account`` — both ASSET (DEBIT-normal) accounts holding
what the customer owns, so the source's balance falls and the destination's rises. JNLC
moves ``net_amount`` of its ``currency`` (USD when absent; the scale from ISO 4217); JNLS
moves ``qty`` of the security ``symbol`` as the commodity ``Commodity(symbol, 9)``, and
keeps its ``price`` (and currency) as the entry's tags. A POST request body (no id, no
status) is refused: it is what was asked for, not a journal. Any other status
(pending, canceled, rejected, deleted, refused, or one Alpaca adds later) moves nothing:
the journal is reported in ``skipped_journals``, not posted. The entry is effective on
``settle_date`` (else ``system_date``) and recorded on ``system_date``.

Overdrafts: a journal payload carries no balances, so the importer checks only accounts
whose balances it is told (``known_balances``, e.g. the store's current holdings); their
commodities not listed hold zero. Walking executed journals in date order (payload order
within a day), a transfer that would take such an account below zero is refused with
``insufficient_balance`` — Alpaca's 403 — and moves nothing. An account whose balance is
not known is treated as a firm or external account funded outside this ledger and is
never refused: refusing it would reject every first journal of a fresh ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, tzinfo
from decimal import Decimal
from os import PathLike
from pathlib import Path
from typing import Any

from ledgercore.domain import (
    USD,
    Account,
    AccountType,
    Commodity,
    Direction,
    InsufficientBalance,
    InvalidEntry,
    InvalidPayload,
    JournalEntry,
    LedgerError,
    LineItem,
)
from ledgercore.domain.currencies import currency
from ledgercore.providers.alpaca_jit import day_start
from ledgercore.providers.alpaca_models import (
    QUANTITY_SCALE,
    AlpacaJournal,
    JournalsAdapter,
    validate_array,
)
from ledgercore.providers.batch import ImportBatch, PayloadKind, SkippedJournal
from ledgercore.providers.documents import read_document
from ledgercore.providers.errors import WrongPayloadKind, refuse, unwrap_single

Holdings = Mapping[str, Mapping[str, int]]


def parse_alpaca_journals(document: Any, *, source: str | None = None
                          ) -> tuple[AlpacaJournal, ...]:
    """Validate a parsed journals response (an array, or one journal object).

    Raises:
        WrongPayloadKind: not a journals response.
        LedgerError: the first problem, with every problem in ``details["problems"]``.
    """
    if isinstance(document, tuple) and all(isinstance(x, AlpacaJournal) for x in document):
        return document
    _refuse_requests(document, source)
    return validate_array(document, JournalsAdapter, PayloadKind.ALPACA_JOURNALS,
                          "expected journal objects with from_account and to_account", source)


def _refuse_requests(document: Any, source: str | None) -> None:
    """Refuse a ``POST /v1/journals`` request body: it asks for a journal, it is not one.

    A request has no ``id`` and no ``status`` (the response gives both); its
    ``description`` may carry sandbox fixtures (``/fixtures/status=rejected/fixtures/``)
    saying what the journal will become, which nothing here can know yet.
    """
    objects = [document] if isinstance(document, dict) else document
    if not isinstance(objects, list):
        return
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict) or "from_account" not in obj:
            continue
        fixtures = "/fixtures/" in str(obj.get("description") or "")
        if ("id" not in obj and "status" not in obj) or (fixtures and "status" not in obj):
            where = f"{source}: " if source else ""
            path = "$" if isinstance(document, dict) else f"$[{index}]"
            also = " and its description holds sandbox fixtures" if fixtures else ""
            raise WrongPayloadKind(
                f"{where}this is a POST /v1/journals request body, not a journal: it has no "
                f"id and no status{also}, so it says what was asked, not what happened; "
                f"import the journal "
                f"Alpaca returned (the POST response or GET /v1/journals)", path=path,
                source=source, expected=PayloadKind.ALPACA_JOURNALS.value, found="request")


def brokerage_account(account_id: str) -> Account:
    """The account a journal names: an ASSET holding cash and securities."""
    return Account(account_id, f"Alpaca account {account_id}", AccountType.ASSET)


def import_alpaca_journals(document: Any, *, source: str | None = None,
                           known_balances: Holdings | None = None,
                           tz: tzinfo = UTC) -> ImportBatch:
    """Turn a journals response into accounts and one entry per executed journal.

    Args:
        document: the parsed JSON (array or single object), or the parsed models.
        source: file name for messages.
        known_balances: account id -> commodity code -> balance in minor units, for the
            accounts whose overdrafts must be refused (see the module docstring).
        tz: timezone of the journals' dates.

    Raises:
        LedgerError: every problem collected (``insufficient_balance``, a missing amount,
            a repeated id, ...), the first raised.
    """
    journals = parse_alpaca_journals(document, source=source)
    single = isinstance(document, dict)
    known = {account: dict(held) for account, held in (known_balances or {}).items()}
    accounts: dict[str, Account] = {}
    posted: list[tuple[int, JournalEntry]] = []
    skipped: list[SkippedJournal] = []
    problems: list[LedgerError] = []
    seen: set[str] = set()
    for index, journal in enumerate(journals):
        path = f"$[{index}]"
        if journal.id in seen:
            problems.append(InvalidEntry(f"journal {journal.id} appears twice in the file",
                                         path=f"{path}.id", entry_id=journal.id))
            continue
        seen.add(journal.id)
        for account_id in (journal.from_account, journal.to_account):
            accounts.setdefault(account_id, brokerage_account(account_id))
        if not journal.executed:
            skipped.append(SkippedJournal(journal.id, journal.status, journal.entry_type,
                                          journal.from_account, journal.to_account))
            continue
        try:
            posted.append((index, _journal_entry(journal, path, tz)))
        except LedgerError as error:
            problems.append(error if error.path and error.path.startswith(path)
                            else error.at(path))
    posted.sort(key=lambda item: (item[1].entry_at, item[0]))
    for index, entry in posted:
        problem = _overdraft(entry, known, f"$[{index}]")
        if problem is not None:
            problems.append(problem)
    if problems:
        problems.sort(key=lambda p: _index(p.path))
        raise refuse(unwrap_single(problems, single), source=source)
    return ImportBatch(PayloadKind.ALPACA_JOURNALS, accounts=tuple(accounts.values()),
                       entries=tuple(entry for _, entry in sorted(posted, key=lambda x: x[0])),
                       skipped_journals=tuple(skipped), source=source)


def read_alpaca_journals(path: str | PathLike[str], *, known_balances: Holdings | None = None,
                         tz: tzinfo = UTC) -> ImportBatch:
    """Read and import a journals file."""
    return import_alpaca_journals(read_document(path, parse_float=Decimal), source=Path(path).name,
                                  known_balances=known_balances, tz=tz)


def _journal_entry(journal: AlpacaJournal, path: str, tz: tzinfo) -> JournalEntry:
    tags: tuple[tuple[str, str], ...] = ()
    if journal.entry_type == "JNLC":
        if journal.cash is None:
            raise InvalidPayload(f"executed JNLC journal {journal.id} has no net_amount",
                                 path=f"{path}.net_amount", entry_id=journal.id)
        try:
            commodity = USD if journal.currency is None else currency(journal.currency)
            amount = commodity.parse(journal.cash)
        except LedgerError as error:
            field = "currency" if error.code == "invalid_commodity" else "net_amount"
            raise error.at(f"{path}.{field}") from None
    else:
        if not journal.symbol or journal.qty is None:
            missing = "symbol" if not journal.symbol else "qty"
            raise InvalidPayload(f"executed JNLS journal {journal.id} has no {missing}",
                                 path=f"{path}.{missing}", entry_id=journal.id)
        try:
            commodity = Commodity(journal.symbol, QUANTITY_SCALE)
        except LedgerError as error:
            raise error.at(f"{path}.symbol") from None
        amount = commodity.parse(journal.qty)
        if journal.price is not None:
            # The price is kept on the entry (a tag), in the journal's currency.
            tags = (("price", journal.price),
                    ("price_currency", (journal.currency or USD.code).upper()))
    effective = journal.settle_date or journal.system_date
    if effective is None:
        raise InvalidPayload(f"executed journal {journal.id} has neither settle_date nor "
                             f"system_date", path=f"{path}.settle_date", entry_id=journal.id)
    if journal.from_account == journal.to_account:
        raise InvalidEntry(f"journal {journal.id} moves from account {journal.to_account} to "
                           f"itself", path=f"{path}.to_account", entry_id=journal.id)
    recorded = journal.system_date or effective
    return JournalEntry(
        id=journal.id, entry_at=day_start(effective, tz), created_at=day_start(recorded, tz),
        line_items=(LineItem(journal.from_account, commodity, amount, Direction.CREDIT),
                    LineItem(journal.to_account, commodity, amount, Direction.DEBIT)),
        entry_type=journal.entry_type, description=journal.description, tags=tags)


def _overdraft(entry: JournalEntry, known: dict[str, dict[str, int]],
               path: str) -> LedgerError | None:
    source_line, target_line = entry.line_items
    code, amount = source_line.commodity.code, source_line.amount
    held = known.get(source_line.account_id)
    if held is not None:
        balance = held.get(code, 0)
        if balance < amount:
            field = "net_amount" if source_line.commodity == USD else "qty"
            return InsufficientBalance(
                f"journal {entry.id} would move {source_line.commodity.format(amount)} {code} "
                f"out of account {source_line.account_id}, which holds only "
                f"{source_line.commodity.format(balance)}", path=f"{path}.{field}",
                entry_id=entry.id, account_id=source_line.account_id, commodity=code,
                balance=balance, amount=amount)
        held[code] = balance - amount
    target = known.get(target_line.account_id)
    if target is not None:
        target[code] = target.get(code, 0) + amount
    return None


def _index(path: str | None) -> int:
    digits = (path or "$[0]").removeprefix("$[").split("]", 1)[0]
    return int(digits) if digits.isdigit() else 0
