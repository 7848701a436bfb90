"""Loading provider files into a stored ledger, and verifying files against it.

The glue between the pure importers (`ledgercore.providers`), the store (`Ledger`) and
`ledgercore.verify`. A file is one import, written in one transaction: every batch of a
streamed Layer entries file, or nothing at all when any part of it is bad.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import partial
from os import PathLike
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from ledgercore import journal_updates
from ledgercore.domain import (
    Account,
    EndSemantics,
    EntryFilter,
    InvalidPeriod,
    JournalEntry,
    Period,
    ReportingBasis,
    Statement,
    UnknownEntry,
)
from ledgercore.providers import (
    ImportBatch,
    PayloadKind,
    import_alpaca_journals,
    iter_layer_entries,
    parse_alpaca_journals,
    read_alpaca_jit_balances,
    read_document,
    read_layer_balances,
)
from ledgercore.providers.alpaca_jit import OPENING_ACCOUNT_ID, day_start
from ledgercore.providers.layer_chart import read_layer_chart
from ledgercore.providers.worker import read_in_worker
from ledgercore.store import Ledger, OpeningBalance, PreparedEntries, prepare
from ledgercore.store.statuses import StatusSeen
from ledgercore.verify import (
    VerifyReport,
    verify_alpaca_jit,
    verify_layer_balances,
    with_false_reversals,
)

# Layer entries files from this size on are read in a second process (about 3,000 entries).
READ_IN_WORKER_BYTES = 4 << 20
# The first batch read there: the writer idles until it comes (a full batch: 3 % of an import).
FIRST_BATCH = 500
# The payloads that are a chart snapshot: their accounts' labels and placement count.
CHART_KINDS = frozenset({PayloadKind.LAYER_BALANCES, PayloadKind.LAYER_CHART})


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What one file did to the ledger."""

    kind: PayloadKind
    accounts: int
    posted: int
    unchanged: int
    skipped_journals: int = 0
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        parts = [f"{self.accounts} new accounts", f"{self.posted} entries posted",
                 f"{self.unchanged} already present"]
        if self.skipped_journals:
            parts.append(f"{self.skipped_journals} journals not executed (nothing moved)")
        return "; ".join([", ".join(parts), *self.notes])


@dataclass(slots=True)
class _Extras:
    """What a reader hands the load besides its batches, filled while it reads them."""

    openings: list[OpeningBalance] = field(default_factory=list)
    statuses: list[StatusSeen] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def import_file(ledger: Ledger, kind: PayloadKind, path: str | PathLike[str], *,
                progress: bool = False, seen_at: datetime | None = None,
                window: tuple[date | None, date | None] = (None, None)) -> ImportOutcome:
    """Import one payload file of `kind` into `ledger`, all or nothing.

    Args:
        ledger: the open ledger.
        kind: what the file must be (a file of another kind is `wrong_payload_kind`).
        path: the JSON file.
        progress: show a rich progress bar (for big files on a terminal).
        seen_at: when the provider's snapshot was taken (default: now). It decides which
            chart snapshot's labels an account keeps, and dates journal status changes
            (docs/providers.md, "Data over time").
        window: an Alpaca JIT response's ``start_date`` and ``end_date`` (inclusive), when
            known: the start places the ledger's opening balance.

    Raises:
        LedgerError: the file is unreadable, of another kind, or anything in it is bad;
            nothing of the file is written.
    """
    file = Path(path)
    skipped = 0
    size = _size(file)
    read = 0  # bytes of the file read so far (a file read whole: all of it once read)
    seen = datetime.now(UTC) if seen_at is None else seen_at
    # Only a chart states labels and placement; other payloads' accounts are flat views.
    chart_seen = seen if kind in CHART_KINDS else None

    extras = _Extras()  # filled while the batches are read
    # A journals file is read (and its senders guarded, in a transaction of its own)
    # before the import's write transaction begins.
    read_batches = _read(ledger, kind, file, window, seen, extras)
    if kind is PayloadKind.ALPACA_JOURNALS:
        read_batches = iter(list(read_batches))

    def batches() -> Iterator[tuple[tuple[Account, ...], PreparedEntries]]:
        nonlocal skipped, read
        for batch, prepared in read_batches:
            skipped += len(batch.skipped_journals)
            read = size if batch.read_bytes is None else batch.read_bytes
            yield batch.accounts, prepared

    if not progress:
        result = ledger.load(batches(), seen_at=chart_seen, openings=extras.openings,
                             transfer_statuses=extras.statuses)
    else:
        # Refreshed per batch, not by rich's timer thread: with a thread running, the
        # file could not be read in a forked process. Bytes read of the file's size
        # (known before reading) give the percentage, the rate and the time left.
        with Progress(TextColumn(f"importing {file.name}"), BarColumn(), DownloadColumn(),
                      TaskProgressColumn(), TransferSpeedColumn(),
                      TextColumn("{task.fields[entries]} entries"),
                      TextColumn("ETA"), TimeRemainingColumn(),
                      transient=True, auto_refresh=False,
                      console=Console(stderr=True)) as bar:  # stdout keeps the results
            task = bar.add_task("import", total=size or None, entries=0)

            def shown() -> Iterator[tuple[tuple[Account, ...], PreparedEntries]]:
                entries = 0
                for accounts, prepared in batches():
                    yield accounts, prepared
                    entries += len(prepared.entries)
                    bar.update(task, completed=read, entries=entries)
                    bar.refresh()

            result = ledger.load(shown(), seen_at=chart_seen, openings=extras.openings,
                                 transfer_statuses=extras.statuses)
    if result.false_reversals:
        extras.notes.append(f"{len(result.false_reversals)} reversal lines do not mirror "
                            f"their originals, booked as sent: "
                            f"{'; '.join(map(str, result.false_reversals))}")
    return ImportOutcome(kind, result.accounts, result.posted, result.unchanged, skipped,
                         tuple(extras.notes))


def _read(ledger: Ledger, kind: PayloadKind, file: Path,
          window: tuple[date | None, date | None], seen: datetime,
          extras: _Extras) -> Iterator[tuple[ImportBatch, PreparedEntries]]:
    """The file's batches, each with its entries prepared for posting (`prepare`)."""
    if kind is PayloadKind.LAYER_ENTRIES:
        read = partial(_prepared, partial(iter_layer_entries, file, chart=ledger.chart(),
                                          first_batch_size=FIRST_BATCH))
        # A big file is read (and prepared) in a second process while this one writes
        # (two cores: about twice the speed); a small one is not worth the process.
        yield from read_in_worker(read) if _size(file) >= READ_IN_WORKER_BYTES else read()
    else:
        yield from _prepared(partial(_whole, ledger, kind, file, window, seen, extras))


def _prepared(read: Callable[[], Iterable[ImportBatch]],
              ) -> Iterator[tuple[ImportBatch, PreparedEntries]]:
    for batch in read():
        yield batch, prepare(batch.entries)


def _whole(ledger: Ledger, kind: PayloadKind, file: Path,
           window: tuple[date | None, date | None], seen: datetime,
           extras: _Extras) -> Iterator[ImportBatch]:
    """A payload read in one piece: the batch to post of a file of `kind`."""
    if kind is PayloadKind.LAYER_BALANCES:
        # The chart only: a balances payload's entries are partial views of entries
        # posted elsewhere, and posting them would count them twice.
        yield read_layer_balances(file)[0]
    elif kind is PayloadKind.LAYER_CHART:
        yield read_layer_chart(file)
    elif kind is PayloadKind.ALPACA_JIT_BALANCES:
        batch = read_alpaca_jit_balances(file, start_date=window[0], end_date=window[1],
                                         tz=ledger.settings.tzinfo)
        extras.openings.extend(_openings(batch, window[0], ledger.settings.tzinfo))
        yield ImportBatch(batch.kind, batch.accounts, batch.entries,
                          ledgers=batch.ledgers, source=batch.source)
    else:
        document = read_document(file, parse_float=Decimal)
        tz = ledger.settings.tzinfo
        # A first pass without the overdraft check finds the file's entries, so that the
        # check runs on the holdings as they were before any of them was posted.
        unchecked = import_alpaca_journals(document, source=file.name, tz=tz)
        known = _holdings(ledger, unchecked.entries)
        # The check above reads balances outside the import's transaction; the store's
        # balance guard (docs/transfers.md) repeats it under a lock in the write itself,
        # so concurrent imports cannot both spend one balance: every account checked here
        # that sends a journal is guarded at 0 (unless its guard says otherwise).
        ledger.set_floor({e.line_items[0].account_id for e in unchecked.entries} & known.keys(),
                         "0", keep_existing=True)
        checked = import_alpaca_journals(document, source=file.name, tz=tz, known_balances=known)
        found = journal_updates.updates(
            ledger, parse_alpaca_journals(document, source=file.name), checked.entries, seen)
        extras.statuses.extend(found.statuses)
        if found.reversed:
            extras.notes.append(f"{len(found.reversed)} executed journals undone and "
                                f"reversed ({', '.join(found.reversed)})")
        if found.forbidden:
            extras.notes.append(f"{len(found.forbidden)} status changes Alpaca's journal "
                                f"lifecycle forbids, not applied: "
                                f"{'; '.join(map(str, found.forbidden))}")
        skipped = tuple(s for s in checked.skipped_journals if s.journal_id not in found.reversed)
        yield ImportBatch(checked.kind, checked.accounts, tuple(found.entries),
                          skipped_journals=skipped, source=checked.source)


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:
        return 0  # reading it in-process reports the problem as usual


def _openings(batch: ImportBatch, start: date | None, tz: tzinfo
              ) -> Iterator[OpeningBalance]:
    """Each JIT ledger's reported starting balance, placed at its window's start.

    Raises:
        InvalidPeriod: a ledger with a starting balance and no transactions, and no
            `start`: the payload does not say where its window begins.
    """
    entries = {next(i.account_id for i in e.line_items if i.account_id != OPENING_ACCOUNT_ID): e
               for e in batch.opening_entries}
    for index, reported in enumerate(batch.ledgers):
        days = [t.system_date for t in reported.transactions]
        first = start or (min(days) if days else None)
        if first is None:
            if reported.starting != 0:
                raise InvalidPeriod(
                    f"{batch.source or 'the file'}: ledger {reported.account_id} reports a "
                    f"starting balance and no transactions, so the file does not say where "
                    f"its window starts: pass --start (and --end), the dates it was "
                    f"requested with", path=f"$[{index}].starting_balance",
                    account_id=reported.account_id)
            continue
        yield OpeningBalance(reported.account_id, day_start(first, tz), reported.starting,
                             entries.get(reported.account_id))


def _holdings(ledger: Ledger, journals: Iterable[JournalEntry]) -> dict[str, dict[str, int]]:
    """Balances of the known customer accounts before `journals`, for the overdraft check.

    The journals of the file that the ledger already holds are taken back out, so that
    importing a file again checks it as the first time and changes nothing. An account
    with a balance below zero is funded outside this ledger (a firm account: a customer
    account could never have been overdrawn here), and like an account the ledger does
    not know, it is left out, so it is never refused.
    """
    chart = ledger.chart()
    own = ledger.balances()
    held = {account.id: {code: b.ending for code, b in own.get(account.id, {}).items()}
            for account in chart}
    for entry in journals:
        if _posted(ledger, entry.id):
            for item in entry.line_items:
                figures = held[item.account_id]
                effect = chart.get(item.account_id).effect(item.direction, item.amount)
                figures[item.commodity.code] = figures.get(item.commodity.code, 0) - effect
    # An account with no postings at all (defined by a journal that moved nothing) has
    # no known balance either: refusing it would make the books depend on the order the
    # journals' statuses arrived in.
    return {account_id: before for account_id, before in held.items()
            if account_id in own and min(before.values(), default=0) >= 0
            and min((b.ending for b in own.get(account_id, {}).values()), default=0) >= 0}


def _posted(ledger: Ledger, entry_id: str) -> bool:
    try:
        ledger.get_entry(entry_id)
    except UnknownEntry:
        return False
    return True


def verify_layer_balances_file(ledger: Ledger, path: str | PathLike[str], period: Period,
                               basis: ReportingBasis,
                               entry_filter: EntryFilter | None = None) -> VerifyReport:
    """Verify a Layer balances response against itself and the ledger's figures.

    `entry_filter` is the response's own filter (its tags, customer or vendor), so a
    filtered Layer figure is checked against the same entries. Closing entries are left
    out: the provider never saw the ledger's own closes.
    """
    _, response = read_layer_balances(path)
    recomputed = (ledger.rolled_balances(period, entry_filter or EntryFilter(), basis=basis,
                                         closing_entries=False)
                  if len(ledger.chart()) else None)
    report = verify_layer_balances(response, recomputed)
    return with_false_reversals(report, ledger) if recomputed is not None else report


def verify_alpaca_jit_file(ledger: Ledger, path: str | PathLike[str],
                           window: tuple[date | None, date | None] = (None, None),
                           ) -> VerifyReport:
    """Verify an Alpaca JIT balances response: its arithmetic, then the ledger's figures.

    Args:
        ledger: the open ledger.
        path: the response file.
        window: its ``start_date`` and ``end_date`` as requested (both inclusive). The
            payload does not state them: a missing one is its first (last) transaction
            day.

    Raises:
        InvalidPeriod: a ledger the books know has no transactions and no window was
            given, so there is no range to check it over.
    """
    start, end = window
    batch = read_alpaca_jit_balances(path, start_date=start, end_date=end,
                                     tz=ledger.settings.tzinfo)
    chart = ledger.chart()
    recomputed: dict[str, Statement] = {}
    for index, reported in enumerate(batch.ledgers):
        days = [t.system_date for t in reported.transactions]
        first = start or (min(days) if days else None)
        last = end or (max(days) if days else None)
        if reported.account_id not in chart:
            continue
        if first is None or last is None:
            raise InvalidPeriod(
                f"{batch.source}: ledger {reported.account_id} has no transactions, so the "
                f"file does not say its dates: pass --start and --end, the dates it was "
                f"requested with", path=f"$[{index}]", account_id=reported.account_id)
        period = ledger.period(first, last, end_semantics=EndSemantics.INCLUSIVE)
        recomputed[reported.account_id] = ledger.statement(reported.account_id, period)
    return verify_alpaca_jit(batch, recomputed if len(chart) else None)


EXAMPLES = Path(__file__).parent / "examples"
"""The bundled example payloads: a Layer business for Q1 2024 and an Alpaca JIT ledger."""
