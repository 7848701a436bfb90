"""The fast path for Layer ledger entries: plain dicts straight into domain entries.

Validating a million entries through pydantic models and then mapping the models costs
more than the rest of an import together. This path reads the dicts `json` produced and
builds `JournalEntry` values directly, accepting an entry only when every field has the
plain shape the pydantic model (`layer_models.LedgerEntry`) would accept unchanged; at
the first doubt it declines (returns None) and the caller takes the model path, which
either succeeds with an equal entry or reports the exact error. So the fast path never
decides an error and never accepts what the model refuses; a property test holds the two
paths equal.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, cast

from pydantic import ValidationError

from ledgercore.domain import (
    USD,
    Counterparty,
    CounterpartyKind,
    Direction,
    JournalEntry,
    LedgerError,
)
from ledgercore.domain.entries import prechecked_entry, prechecked_line
from ledgercore.domain.limits import (
    MAX_AMOUNT,
    MAX_ENTRY_AMOUNT,
    MAX_ENTRY_TYPE_LENGTH,
    MAX_ID_LENGTH,
    MAX_LINES_PER_ENTRY,
    storable,
)
from ledgercore.providers.layer_accounts import AccountBook
from ledgercore.providers.layer_models import SingleApiChartAccount

# The RFC 3339 forms both `datetime.fromisoformat` and pydantic read identically.
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)")
_TEXT_FIELDS = ("type", "business_id", "ledger_id", "entry_type", "reversal_of_id",
                "reversal_id", "memo")
# The text the entry keeps, and the most characters the store's column holds (None: any).
_KEPT_TEXT = (("entry_type", MAX_ENTRY_TYPE_LENGTH), ("reversal_of_id", MAX_ID_LENGTH),
              ("reversal_id", MAX_ID_LENGTH), ("memo", None))
_LINE_TEXT_FIELDS = ("id", "entry_id")
_DIRECTIONS = {"DEBIT": Direction.DEBIT, "CREDIT": Direction.CREDIT}
_CACHE_LIMIT = 4096


def with_external_id(tags: tuple[tuple[str, str], ...], kind: CounterpartyKind,
                     external_id: str) -> tuple[tuple[str, str], ...]:
    """`tags` with the counterparty's external id kept as the tag
    ``customer_external_id`` / ``vendor_external_id`` (a filter, as in Layer's API)."""
    return tuple(sorted({*tags, (f"{kind.value.lower()}_external_id", external_id)}))


def utc(instant: datetime) -> datetime:
    """The same instant in UTC (one tzinfo for every imported timestamp).

    An instant UTC cannot express (``9999-12-31T23:59:59-14:00``) is returned as it is:
    `JournalEntry` refuses it with its JSON path.
    """
    if instant.tzinfo is UTC:
        return instant
    try:
        return instant.astimezone(UTC)
    except OverflowError:
        return instant


def _flat(value: Any) -> Any:
    # Valid accounts hold only str / None here, and a str never equals a non-str, so
    # a cache hit means the same values the model accepted.
    return tuple(value.items()) if type(value) is dict else value


def _plain_copy(value: Any) -> Any:
    """A copy of a JSON object whose leaves are all str or None, else None.

    Such a copy can stand for the object in an equality test: a str equals only a str
    and None only None, so ``copy == other`` means `other` holds the very same values.
    """
    out = {}
    for key, inner in value.items():
        if type(inner) is dict:
            inner = _plain_copy(inner)
            if inner is None:
                return None
        elif inner is not None and type(inner) is not str:
            return None
        out[key] = inner
    return out


class FastEntries:
    """Builds entries from raw dicts; `entry` returns None to decline."""

    def __init__(self, book: AccountBook) -> None:
        self.book = book
        self.instants: dict[str, datetime] = {}
        # raw account id -> (a plain copy of the raw account object, the id it resolved to)
        self.described: dict[Any, tuple[dict[str, Any], str]] = {}

    def instant(self, text: Any) -> datetime | None:
        if type(text) is not str:
            return None
        found = self.instants.get(text)
        if found is not None:
            return found
        if not _INSTANT.fullmatch(text):
            return None
        try:
            value = utc(datetime.fromisoformat(text))
        except ValueError:
            return None
        if value.tzinfo is not UTC:
            return None  # outside the instants a ledger holds: the model path reports it
        if len(self.instants) >= _CACHE_LIMIT:
            self.instants.clear()  # bounded: memory must not grow with the file
        self.instants[text] = value
        return value

    def account(self, raw: Any) -> str | None:
        if type(raw) is not dict:
            return None
        ident = raw.get("id")  # a string, or Layer's {"type": "AccountId", "id": ...}
        try:
            key = ident if type(ident) is not dict else tuple(ident.items())
            hit = self.described.get(key)
        except TypeError:  # an unhashable id: no cache, the checks below decide
            key = hit = None
        # The common case: an object seen before, compared whole (in C) with its copy.
        if hit is not None and hit[0] == raw:
            return hit[1]
        account_id = self._account_by_fields(raw)
        if account_id is not None and key is not None and (
                len(self.described) < _CACHE_LIMIT):
            plain = _plain_copy(raw)
            if plain is not None:
                self.described[key] = (plain, account_id)
        return account_id

    def _account_by_fields(self, raw: dict[str, Any]) -> str | None:
        get = raw.get
        ident, stable, kind, subtype = (get("id"), get("stable_name"), get("account_type"),
                                        get("account_subtype"))
        try:
            key = (_flat(ident), get("name"), get("account_number"), _flat(stable),
                   get("normality"), _flat(kind), _flat(subtype))
            known = self.book.seen.get(key)
        except TypeError:  # an unhashable value somewhere: let the model path judge
            return None
        if known is not None:
            return known
        try:
            model = SingleApiChartAccount.model_validate(raw)
            account_id = self.book.resolve(model, "$")
        except (ValidationError, LedgerError):
            return None
        self.book.seen[key] = account_id
        return account_id

    def entry(self, raw: Any) -> JournalEntry | None:
        if type(raw) is not dict:
            return None
        get = raw.get
        entry_id = get("id")
        if type(entry_id) is not str or not entry_id or not storable(entry_id, MAX_ID_LENGTH):
            return None
        cache = self.instants
        text = get("entry_at")
        entry_at = cache.get(text) if type(text) is str else None
        if entry_at is None and (entry_at := self.instant(text)) is None:
            return None
        recorded = get("date")
        created_at = None
        if recorded is not None:
            created_at = cache.get(recorded) if type(recorded) is str else None
            if created_at is None and (created_at := self.instant(recorded)) is None:
                return None
        for value in map(get, _TEXT_FIELDS):
            if value is not None and type(value) is not str:
                return None
        for name, limit in _KEPT_TEXT:
            value = get(name)
            if value is not None and not storable(value, limit):
                return None
        tags = self.tags(get("tags"))
        if tags is None:
            return None
        customer, vendor = get("customer"), get("vendor")
        if customer is not None and vendor is not None:
            return None
        party = None
        if customer is not None or vendor is not None:
            party = (self.party(customer, CounterpartyKind.CUSTOMER) if customer is not None
                     else self.party(vendor, CounterpartyKind.VENDOR))
            if party is None:
                return None
            named = cast(dict[str, Any], customer if customer is not None else vendor)
            external = named.get("external_id")  # `party` checked it is text
            if external is not None:
                tags = with_external_id(tags, party.kind, external)
        raw_lines = get("line_items")
        if type(raw_lines) is not list or not 2 <= len(raw_lines) <= MAX_LINES_PER_ENTRY:
            return None  # fewer than two lines, or too many: the model path reports it
        lines = []
        residual = debits = 0  # debits minus credits, and debits; every line is USD
        for raw_line in raw_lines:
            if type(raw_line) is not dict:
                return None
            line_get = raw_line.get
            amount, side = line_get("amount"), line_get("direction")
            direction = _DIRECTIONS.get(side) if type(side) is str else None
            if type(amount) is not int or not 0 < amount <= MAX_AMOUNT or direction is None:
                return None
            line_id, owner = line_get("id"), line_get("entry_id")
            if (line_id is not None and (type(line_id) is not str
                                         or not storable(line_id, MAX_ID_LENGTH))) or (
                    owner is not None and type(owner) is not str):
                return None
            line_at, line_created = line_get("entry_at"), line_get("createdAt")
            if line_at is not None and not (type(line_at) is str and line_at in cache) \
                    and self.instant(line_at) is None:
                return None
            if line_created is not None:
                created = cache.get(line_created) if type(line_created) is str else None
                if created is None and (created := self.instant(line_created)) is None:
                    return None
                if created_at is None:
                    created_at = created
            account_id = self.account(line_get("account"))
            if account_id is None:
                return None
            if direction is Direction.DEBIT:
                residual += amount
                debits += amount
            else:
                residual -= amount
            lines.append(prechecked_line(account_id, USD, amount, direction, line_id))
        if residual != 0 or debits > MAX_ENTRY_AMOUNT:
            return None  # unbalanced or too large: the model path reports it
        # Every check `JournalEntry` makes is made above: a non-empty id, aware instants
        # (`utc` of a parsed RFC 3339 offset) a ledger can hold, two or more balanced lines
        # of one commodity within the amount limits, text every store keeps, normalised
        # tags.
        return prechecked_entry(
            entry_id, entry_at, created_at or entry_at, tuple(lines),
            get("entry_type") or "MANUAL", get("memo"), party, tags,
            get("reversal_of_id"), get("reversal_id"))

    @staticmethod
    def tags(raw: Any) -> tuple[tuple[str, str], ...] | None:
        if raw is None:
            return ()
        if type(raw) is not list:
            return None
        pairs = []
        for tag in raw:
            if type(tag) is not dict:
                return None
            key, value = tag.get("key"), tag.get("value")
            if type(key) is not str or not key or type(value) is not str or not (
                    storable(key, MAX_ID_LENGTH) and storable(value, MAX_ID_LENGTH)):
                return None
            pairs.append((key, value))
        return tuple(sorted(set(pairs))) if pairs else ()  # as `normalize_tags`

    @staticmethod
    def party(raw: Any, kind: CounterpartyKind) -> Counterparty | None:
        if type(raw) is not dict:
            return None
        party_id, external = raw.get("id"), raw.get("external_id")
        if type(party_id) is not str or not party_id or (
                external is not None and type(external) is not str) or not storable(
                    party_id, MAX_ID_LENGTH):
            return None
        return Counterparty(kind, party_id)
