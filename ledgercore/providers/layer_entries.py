"""Importing Layer's ``GET ledger/entries`` response: whole documents or streamed files.

Each ``Ledger_Entry`` becomes a `JournalEntry` with Layer's id (so re-importing changes
nothing), its ``entry_at`` as the effective time and its ``date`` (else the first line's
``createdAt``) as the recorded time; amounts are USD cents; ``memo`` is the description,
``tags`` become (key, value) pairs, ``customer`` / ``vendor`` the counterparty, and
reversal links are kept. The accounts the line items describe come with the batch.
Every problem of the file is collected before the import is refused. `iter_layer_entries`
reads a file of any size in batches with memory that does not grow with the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from os import PathLike
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from ledgercore.domain import (
    USD,
    ChartOfAccounts,
    Counterparty,
    CounterpartyKind,
    InvalidEntry,
    InvalidPayload,
    JournalEntry,
    LedgerError,
    LineItem,
)
from ledgercore.providers.batch import ImportBatch, PayloadKind
from ledgercore.providers.documents import read_document
from ledgercore.providers.errors import (
    MAX_PROBLEMS,
    WrongPayloadKind,
    from_validation_error,
    refuse,
)
from ledgercore.providers.kinds import provider_error, wrong_kind
from ledgercore.providers.layer_accounts import AccountBook
from ledgercore.providers.layer_fast import FastEntries, utc, with_external_id
from ledgercore.providers.layer_models import LedgerEntry
from ledgercore.providers.streaming import iter_data_array

DEFAULT_BATCH_SIZE = 5000


def entry_from_model(model: LedgerEntry, book: AccountBook, path: str = "$") -> JournalEntry:
    """The journal entry of one validated ``Ledger_Entry`` at JSON path `path`.

    Raises:
        LedgerError: an account cannot be resolved, or the entry breaks the double-entry
            invariant (``unbalanced_entry``, ``invalid_entry``), with its JSON path.
    """
    lines = []
    created_at = model.date
    for index, item in enumerate(model.line_items):
        account_id = book.resolve(item.account, f"{path}.line_items[{index}].account")
        try:
            lines.append(LineItem(account_id, USD, item.amount, item.direction, item.id))
        except LedgerError as error:
            raise error.at(f"{path}.line_items[{index}]") from None
        if created_at is None:
            created_at = item.createdAt
    if model.customer is not None and model.vendor is not None:
        raise InvalidEntry(f"entry {model.id} names both a customer and a vendor; an entry "
                           f"has one counterparty", path=f"{path}.vendor", entry_id=model.id)
    party = (Counterparty(CounterpartyKind.CUSTOMER, model.customer.id) if model.customer
             else Counterparty(CounterpartyKind.VENDOR, model.vendor.id) if model.vendor
             else None)
    tags = tuple((t.key, t.value) for t in model.tags or ())
    external = (model.customer or model.vendor)
    if party is not None and external is not None and external.external_id is not None:
        tags = with_external_id(tags, party.kind, external.external_id)
    try:
        return JournalEntry(
            id=model.id, entry_at=utc(model.entry_at),
            created_at=utc(created_at or model.entry_at), line_items=tuple(lines),
            entry_type=model.entry_type or "MANUAL", description=model.memo,
            counterparty=party, tags=tags,
            reversal_of_id=model.reversal_of_id, reversal_id=model.reversal_id)
    except LedgerError as error:
        # The entry's fields under their Layer names.
        error.path = _LAYER_NAMES.get(str(error.path), error.path)
        raise error.at(path) from None


_LAYER_NAMES = {"$.description": "$.memo", "$.counterparty": "$.customer"}


class _EntryMapper:
    """Maps raw entries in document order, fast path first, collecting problems."""

    def __init__(self, chart: ChartOfAccounts | None, source: str | None, *,
                 check_repeats: bool = True) -> None:
        self.book = AccountBook(chart)
        self.fast = FastEntries(self.book)
        self.source = source
        self.problems: list[LedgerError] = []
        # A whole document is in memory anyway; a stream must not keep every id, so
        # there a repeated id is left to the store, which deduplicates by external id.
        self.ids: set[str] | None = set() if check_repeats else None
        self.index = 0

    def map(self, raws: Iterable[Any]) -> list[JournalEntry]:
        out = []
        for raw in raws:
            entry = self.fast.entry(raw)
            if entry is None:
                entry = self._slow(raw)
            if entry is not None:
                if self.ids is None:
                    out.append(entry)
                elif entry.id in self.ids:
                    self._problem(InvalidEntry(
                        f"entry {entry.id} appears twice in the file",
                        path=f"$.data[{self.index}].id", entry_id=entry.id))
                else:
                    self.ids.add(entry.id)
                    out.append(entry)
            self.index += 1
        return out

    def _slow(self, raw: Any) -> JournalEntry | None:
        path = f"$.data[{self.index}]"
        try:
            model = LedgerEntry.model_validate(raw)
        except ValidationError as exc:
            for problem in from_validation_error(exc, root=path, source=self.source):
                self._problem(problem)
            return None
        try:
            return entry_from_model(model, self.book, path)
        except LedgerError as error:
            if error.path is None or not error.path.startswith(path):
                error.at(path)
            self._problem(error)
            return None

    def _problem(self, error: LedgerError) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(error)

    def refuse_if_any(self) -> None:
        if self.problems:
            raise refuse(self.problems, source=self.source)


def import_layer_entries(document: Any, *, source: str | None = None,
                         chart: ChartOfAccounts | None = None) -> ImportBatch:
    """Import a parsed ``GET ledger/entries`` response.

    Args:
        document: the JSON value (``{"data": [...], "meta": {...}}``).
        source: file name for messages.
        chart: accounts already known, for line items that only name their account.

    Returns:
        The batch: the accounts the line items describe and every entry, in order.

    Raises:
        WrongPayloadKind: not an entries response.
        LedgerError: the first problem, with every problem in ``details["problems"]``.
    """
    data = _entries_array(document, source)
    mapper = _EntryMapper(chart, source)
    entries = mapper.map(data)
    mapper.refuse_if_any()
    return ImportBatch(PayloadKind.LAYER_ENTRIES, accounts=mapper.book.take_fresh(),
                       entries=tuple(entries), source=source)


def read_layer_entries(path: str | PathLike[str], *,
                       chart: ChartOfAccounts | None = None) -> ImportBatch:
    """Read and import a Layer entries file whole (see `iter_layer_entries` for big files)."""
    name = Path(path).name
    return import_layer_entries(read_document(path), source=name, chart=chart)


def iter_layer_entries(path: str | PathLike[str], *, batch_size: int = DEFAULT_BATCH_SIZE,
                       first_batch_size: int | None = None,
                       chart: ChartOfAccounts | None = None,
                       read_size: int = 1 << 20) -> Iterator[ImportBatch]:
    """Stream a Layer entries file as batches of at most `batch_size` entries.

    Memory stays bounded by the batch size whatever the file size. Each batch carries
    the accounts first described in it. The file is one import: once a problem is found
    no further batch is yielded, reading continues to collect every problem, and the
    iterator then raises. A caller writing batches must do so in one transaction and
    roll it back if the iterator raises. Unlike `import_layer_entries`, a repeated entry
    id is not checked here (that would keep every id in memory): the store's
    deduplication by external id handles it.

    Args:
        path: the file.
        batch_size: entries per batch.
        first_batch_size: entries in the first batch (default `batch_size`): a writer
            working while the file is read waits for the first batch only, so a small one
            lets it start sooner.
        chart: accounts already known, for line items that only name their account.
        read_size: characters read at a time.

    Raises:
        InvalidJson / TruncatedPayload / WrongPayloadKind: the file's shape is wrong.
        LedgerError: the first problem, with every problem in ``details["problems"]``.
    """
    name = Path(path).name
    mapper = _EntryMapper(chart, name, check_repeats=False)
    with open(path, "rb") as stream:
        pending: list[Any] = []
        size = first_batch_size or batch_size
        for raw in _data(stream, path, name, read_size):
            pending.append(raw)
            if len(pending) >= size:
                entries = mapper.map(pending)
                pending, size = [], batch_size
                if not mapper.problems:
                    yield ImportBatch(PayloadKind.LAYER_ENTRIES,
                                      accounts=mapper.book.take_fresh(),
                                      entries=tuple(entries), source=name,
                                      read_bytes=stream.tell())
                elif len(mapper.problems) >= MAX_PROBLEMS:
                    break
        entries = mapper.map(pending)
    mapper.refuse_if_any()
    if entries or mapper.index == 0 or mapper.book.fresh:
        yield ImportBatch(PayloadKind.LAYER_ENTRIES, accounts=mapper.book.take_fresh(),
                          entries=tuple(entries), source=name,
                          read_bytes=os.path.getsize(path))  # read to the end


# A file refused for its shape is read whole to see if it is an error response, up to this.
_SMALL = 1 << 20


def _data(stream: IO[bytes], path: str | PathLike[str], name: str,
          read_size: int) -> Iterator[Any]:
    """The entries of a file: its ``data`` array, or the one entry of a single-entry
    response; a provider's error response is named as such."""
    try:
        yield from iter_data_array(stream, source=name, chunk_chars=read_size,
                                   single_member="line_items")
    except WrongPayloadKind:
        if Path(path).stat().st_size <= _SMALL:
            failed = provider_error(read_document(path), name)
            if failed is not None:
                raise failed from None
        raise


def _entries_array(document: Any, source: str | None) -> list[Any]:
    kind = PayloadKind.LAYER_ENTRIES
    if not isinstance(document, dict) or "data" not in document:
        raise wrong_kind(kind, document, source, 'expected an object with a "data" array')
    data = document["data"]
    if isinstance(data, dict) and "line_items" in data:
        return [data]  # GET ledger/entries/{id}: one entry
    if not isinstance(data, list):
        raise wrong_kind(kind, document, source, '"data" is not an array of entries')
    meta = document.get("meta")
    if meta is not None and not isinstance(meta, dict):
        where = f"{source}: " if source else ""
        raise InvalidPayload(f"{where}meta must be an object", path="$.meta", source=source)
    return data
