"""The `Ledger`: one set of books in a database, behind a typed Python API.

A `Ledger` is opened by URL and ledger name (the tenant), and from then on speaks only
in domain values: it takes `Account`s and `JournalEntry`s and returns `Balances`,
`Statement`s, `TrialBalance`s and entries. Sessions and transactions stay inside: each
call is one unit of work that owns its transaction (`ledgercore.store.unit_of_work`), so
a failed call leaves the database as it was, and reports read one consistent snapshot.
The methods are doors: the work is in the store's modules they name. A handle is meant
for one thread; open one per thread or process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from types import TracebackType
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from ledgercore.config import WRITE_OPTION, create_engine, resolve_database_url
from ledgercore.domain.accounts import Account, ChartOfAccounts
from ledgercore.domain.balances import (
    ALL_ENTRIES,
    ALL_TIME,
    Balances,
    EntryFilter,
    ReportingBasis,
    RolledBalance,
    Statement,
    TrialBalance,
    roll_up,
)
from ledgercore.domain.closing import PeriodClose
from ledgercore.domain.entries import JournalEntry
from ledgercore.domain.errors import AlreadyReversed, Conflict, InvalidDate, LedgerError
from ledgercore.domain.limits import MAX_ID_LENGTH, check_text
from ledgercore.domain.money import USD, Commodity
from ledgercore.domain.periods import Bound, EndSemantics, Period
from ledgercore.domain.register import Register
from ledgercore.domain.statements import BalanceSheet, CashFlow, IncomeStatement
from ledgercore.domain.transfers import Transfer, TransferEvent, TransferRequest, TransferStatus
from ledgercore.store import (
    cash_flow_totals,
    closing,
    contention,
    driver,
    guards,
    integrity,
    journal,
    migrate,
    periods,
    presence,
    register,
    reports,
    reversals,
    statements,
    statuses,
    totals,
    transfer_queries,
    transfers,
    windows,
)
from ledgercore.store import chart as chart_changes
from ledgercore.store.cash import basis as cash_basis
from ledgercore.store.cash import projection as cash_projection
from ledgercore.store.cash_flow_totals import FlowIncrements
from ledgercore.store.catalog import Catalog
from ledgercore.store.errors import InvalidLedger, SchemaOutOfDate, UnknownLedger
from ledgercore.store.instants import from_micros, to_micros
from ledgercore.store.journal import Page
from ledgercore.store.posting import PostResult, PreparedEntries, post
from ledgercore.store.reversals import FalseReversal
from ledgercore.store.schema import cash_period_totals, ledgers
from ledgercore.store.statuses import StatusSeen
from ledgercore.store.transfer_queries import Availability, TransferFilter, TransferPage
from ledgercore.store.unit_of_work import ATTEMPTS, UnitOfWork, collector_paused
from ledgercore.store.windows import OpeningBalance

T = TypeVar("T")
_CREATE_LEDGER = text("INSERT INTO ledgers (name, timezone) VALUES (:name, :timezone) "
                      "ON CONFLICT (name) DO NOTHING")
# A load refreshes the planner's statistics of these tables (PostgreSQL) once it has
# written this many entries, so later batches' lookups use the unique keys.
_ANALYZE_AFTER = 2_000
_ANALYZED = ("journal_entries", "line_items")
# A `post` of this many entries runs with the cyclic garbage collector paused.
PAUSE_COLLECTOR_FROM = 256


@dataclass(frozen=True, slots=True)
class LedgerSettings:
    """A ledger's name, timezone (for date bounds) and activation instant."""

    name: str
    timezone: str
    activation_at: datetime | None

    @property
    def tzinfo(self) -> tzinfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What a `load` did: new accounts, entries written, entries already posted as given."""

    accounts: int
    posted: int
    unchanged: int
    # Reversals in the stream that do not mirror their originals, booked as sent.
    false_reversals: tuple[FalseReversal, ...] = ()


class Ledger:
    """One ledger (tenant) in a database. Open with `Ledger.open`."""

    def __init__(self, engine: Engine, ledger_id: int, settings: LedgerSettings, *,
                 owns_engine: bool = True) -> None:
        self._engine = engine
        self._owns_engine = owns_engine
        self._settings = settings
        self._catalog = Catalog(ledger_id)
        self._work = UnitOfWork(engine, self._catalog)

    @classmethod
    def open(cls, url: str | None = None, *, ledger: str = "default",
             timezone: str | None = None, create: bool = True,
             upgrade: bool = True) -> Ledger:
        """Open (and by default create) a ledger in the database at `url`.

        Args:
            url: database URL; None resolves ``LEDGERCORE_DATABASE_URL`` or the default
                ``sqlite:///ledgercore.db``.
            ledger: the ledger's name, unique in the database.
            timezone: IANA timezone for date bounds; None keeps the stored one (UTC for a
                new ledger). A different zone than the stored one is a `conflict`.
            create: create what is missing: the database file, its schema, the ledger.
                False refuses instead and creates nothing (`database_not_found`,
                `not_a_ledger_database`, `schema_out_of_date`, `unknown_ledger`).
            upgrade: migrate the schema to the newest revision first (else raise
                SchemaOutOfDate when it is behind).
        """
        check_text(ledger, "the ledger name", InvalidLedger, limit=MAX_ID_LENGTH,
                   ledger=str(ledger)[:40])
        resolved = resolve_database_url(url)
        engine = create_engine(resolved)  # an unusable URL is refused before any file check
        try:
            if not create:
                presence.require_sqlite_file(resolved)
            with engine.connect() as connection:
                at = migrate.current_revision(connection)
                migrate.check_not_newer(at)
                if not create:
                    presence.require_schema(connection, at, engine.url.render_as_string())
            if at != migrate.head():
                if not upgrade:
                    raise SchemaOutOfDate(f"database schema is at {at}, ledgercore needs "
                                          f"{migrate.head()}: run `ledgercore db upgrade`",
                                          revision=at)
                migrate.upgrade_engine(engine)
            ledger_id, settings = _ledger_row(engine, ledger, timezone, create)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, ledger_id, settings)

    def close(self) -> None:
        """Release the database connections."""
        self._work.close()
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    # -- settings ---------------------------------------------------------------------

    @property
    def settings(self) -> LedgerSettings:
        return self._settings

    def set_activation(self, activation_at: datetime | None) -> None:
        """Set (or clear) the instant the books start counting from."""
        stored = None if activation_at is None else to_micros(activation_at)
        self._write(lambda c: c.execute(update(ledgers).where(
            ledgers.c.id == self._catalog.ledger_id).values(activation_at=stored)))
        self._settings = LedgerSettings(self._settings.name, self._settings.timezone,
                                        None if stored is None else from_micros(stored))

    def period(self, start: Bound = None, end: Bound = None, *,
               end_semantics: EndSemantics = EndSemantics.EXCLUSIVE) -> Period:
        """A `Period` whose date bounds are days in this ledger's timezone."""
        return Period.of(start, end, end_semantics=end_semantics, tz=self._settings.tzinfo)

    # -- chart ------------------------------------------------------------------------

    def define_accounts(self, accounts: Iterable[Account], *,
                        seen_at: datetime | None = None) -> int:
        """Add accounts, or relabel known ones (parents may come in the same call).

        Idempotent. The accounts are a chart snapshot seen at `seen_at` (default: now):
        a known account takes their labels unless a later snapshot already gave it
        others (`ledgercore.store.chart`); every change is kept in its history.

        Returns:
            How many accounts were new.

        Raises:
            Conflict: a posted account's type or normality differs (``field``).
            InvalidAccount / UnknownAccount: the chart would not be a valid forest (a
                reparenting that makes a cycle, an unknown parent).
        """
        wanted = tuple(accounts)
        when = datetime.now(UTC) if seen_at is None else seen_at
        return self._write(lambda c: chart_changes.define(c, self._catalog, wanted,
                                                          seen_at=when).added)

    def false_reversals(self) -> tuple[FalseReversal, ...]:
        """Posted reversals that do not net to zero with their originals (from payloads)."""
        return tuple(self._read(lambda c: reversals.posted(c, self._catalog)))

    def journal_statuses(self, journal_ids: Iterable[str],
                         ) -> dict[str, list[tuple[str, datetime]]]:
        """The (status, instant seen) pairs recorded of each transfer, oldest first."""
        wanted = tuple(journal_ids)
        return self._read(lambda c: statuses.read(c, self._catalog, wanted))

    def account_history(self, account_id: str) -> tuple[tuple[datetime, Account], ...]:
        """The labels `account_id` has had, each with when it was seen, oldest first."""
        return self._read(lambda c: chart_changes.history(c, self._catalog, account_id))

    def chart(self) -> ChartOfAccounts:
        """The chart of accounts."""
        return self._read(lambda c: self._catalog.chart)

    # -- posting ----------------------------------------------------------------------

    def post(self, entries: Iterable[JournalEntry]) -> PostResult:
        """Post a batch of entries atomically and idempotently.

        A batch of `PAUSE_COLLECTOR_FROM` entries or more is written with the cyclic
        garbage collector paused, as `load` is.

        Raises:
            LedgerError: `unknown_account`, `invalid_commodity`, `conflict` or
                `already_reversed`, with the batch path (``$[3].line_items[0].account``)
                and every problem of the batch in the `problems` detail; nothing written.
            ReversalMismatch: a reversal (either side in the batch) does not mirror its
                original exactly; nothing written.
        """
        batch = tuple(entries)

        def work(connection: Connection) -> PostResult:
            with collector_paused(len(batch) >= PAUSE_COLLECTOR_FROM):
                reversals.refuse(reversals.in_batch(connection, self._catalog, batch))
                return post(connection, self._catalog, batch)

        return self._write(work)

    def load(self, batches: Iterable[tuple[Iterable[Account],
                                           Iterable[JournalEntry] | PreparedEntries]],
             *, seen_at: datetime | None = None,
             openings: Iterable[OpeningBalance] = (),
             transfer_statuses: Iterable[StatusSeen] = ()) -> LoadResult:
        """Define accounts and post entries from a stream of batches, all or nothing.

        For importers: one transaction for the whole stream, so a bad entry anywhere
        leaves the ledger as it was, while only one batch is in memory at a time. The
        cyclic garbage collector is paused until the load ends (for the whole process:
        a quarter of an import's time went to it); reference counting still frees
        everything the load lets go. A batch's entries may come prepared
        (`ledgercore.store.prepare`), by a process reading them meanwhile. The accounts
        are a chart snapshot seen at `seen_at`, or flat views (define new accounts only)
        when it is None (`ledgercore.store.chart`). `openings` (balance windows' starting
        balances, `ledgercore.store.windows`) are read after the last batch, so a reader
        may fill them in while it yields the batches; so are `transfer_statuses`, the
        (journal id, status, instant seen) of transfers, recorded in the same transaction
        (`ledgercore.store.statuses`).

        Raises:
            LedgerError: as `define_accounts` and `post`; the error's `batch` detail is
                the index of the failing batch, its `path` is within that batch.
            IntegrityError / OperationalError: a race lost to a concurrent writer; not
                retried here (the stream is consumed), so call again with the stream.
        """
        status_rows = transfer_statuses  # read after the stream, as `openings`

        def work(connection: Connection) -> LoadResult:
            with collector_paused():
                return stream(connection)

        def stream(connection: Connection) -> LoadResult:
            accounts = posted = unchanged = 0
            false: list[FalseReversal] = []
            analysed = False
            pending = totals.PendingTotals(self._catalog.ledger_id)
            backlog = cash_projection.Backlog()
            for index, (chart_part, entries) in enumerate(batches):
                try:
                    change = chart_changes.define(connection, self._catalog, chart_part,
                                                  seen_at=seen_at)
                    accounts += change.added
                    if change.rebuilt:
                        # The rebuild summed (and projected) every line written so far,
                        # this load's earlier batches included: what the load held back
                        # for them must not be added again at its end.
                        pending.forget(change.rebuilt)
                        if cash_period_totals.name in change.rebuilt:
                            backlog.release()
                    batch = entries if isinstance(entries, PreparedEntries) else tuple(entries)
                    false.extend(reversals.in_batch(connection, self._catalog,
                                                    _entries_of(batch)))
                    done = post(connection, self._catalog, batch, pending=pending,
                                backlog=backlog)
                except LedgerError as error:
                    error.details = {**error.details, "batch": index}
                    raise
                posted += len(done.posted)
                unchanged += len(done.unchanged)
                if not analysed and posted >= _ANALYZE_AFTER:
                    # Once is enough: the planner then knows the ledger is large and
                    # looks entries up by their unique key (see `driver.analyze`).
                    driver.analyze(connection, _ANALYZED)
                    analysed = True
            # The rest of the backlog; its cash-flow increments join the load's others.
            cash_projection.project_due(connection, self._catalog, backlog,
                                        backlog.release(), pending,
                                        FlowIncrements(self._catalog, pending))
            pending.flush(connection)
            statuses.record(connection, self._catalog, status_rows)
            placed, in_place = windows.place(connection, self._catalog, openings)
            posted, unchanged = posted + len(placed), unchanged + in_place
            return LoadResult(accounts, posted, unchanged, tuple(dict.fromkeys(false)))

        # One attempt: the batches are a stream, consumed by the first try, so a lost
        # race is the caller's to retry with the stream again.
        # Imports into one ledger follow one another, and no post runs beside one
        # (see `contention`).
        return self._write(work, attempts=1, load=True)

    def reverse(self, entry_id: str, reversal_id: str,
                entry_at: datetime | None = None) -> JournalEntry:
        """Post the reversal of a posted entry and link both ways.

        Args:
            entry_id: the entry to reverse.
            reversal_id: the new entry's id.
            entry_at: when the reversal is effective (default: the original's time).

        Returns:
            The reversal entry as posted.

        Raises:
            UnknownEntry: no such entry. AlreadyReversed: it already has a reversal.
        """
        def work(connection: Connection) -> JournalEntry:
            original = journal.get_entry(connection, self._catalog, entry_id)
            if original.reversal_id is not None:
                raise AlreadyReversed(f"entry {entry_id} is already reversed by "
                                      f"{original.reversal_id}", entry_id=entry_id)
            _, reversal = original.reverse(reversal_id, entry_at=entry_at,
                                           created_at=datetime.now(UTC))
            post(connection, self._catalog, [reversal])
            return reversal

        return self._write(work)

    # -- reading ----------------------------------------------------------------------

    def get_entry(self, entry_id: str) -> JournalEntry:
        """The posted entry with this id. Raises UnknownEntry."""
        return self._read(lambda c: journal.get_entry(c, self._catalog, entry_id))

    def entries(self, period: Period = ALL_TIME, entry_filter: EntryFilter = ALL_ENTRIES,
                account_id: str | None = None, after: str | None = None,
                limit: int = 100, basis: ReportingBasis = ReportingBasis.ACCRUAL) -> Page:
        """A page of entries in statement order; pass `next_cursor` as `after` for more.

        Under ``basis=CASH`` the entries are the cash view's (`ledgercore.domain.cash`),
        read from the projection maintained at posting time.
        """
        if basis is ReportingBasis.CASH:
            return self._read(lambda c: cash_basis.cash_entries(
                c, self._catalog, period, entry_filter, account_id, after, limit))
        return self._read(lambda c: journal.list_entries(
            c, self._catalog, period, entry_filter, account_id, after, limit))

    def balances(self, period: Period = ALL_TIME, entry_filter: EntryFilter = ALL_ENTRIES,
                 accounts: Iterable[str] | None = None,
                 basis: ReportingBasis = ReportingBasis.ACCRUAL) -> Balances:
        """Each account's own balance per commodity (as `ledgercore.domain.balances`)."""
        wanted = None if accounts is None else tuple(accounts)
        return self._read(lambda c: reports.balances(c, self._catalog, period, entry_filter,
                                                     wanted, basis=basis))

    def rolled_balances(self, period: Period = ALL_TIME,
                        entry_filter: EntryFilter = ALL_ENTRIES,
                        basis: ReportingBasis = ReportingBasis.ACCRUAL, *,
                        closing_entries: bool = True) -> dict[str, RolledBalance]:
        """Every account's own and rolled-up balances (as `ledgercore.domain.roll_up`).

        `closing_entries=False` leaves out the entries of period closes and reopenings,
        the ledger's own bookkeeping: what a provider that never saw them reports.
        """
        if closing_entries:
            own = self.balances(period, entry_filter, basis=basis)
        else:
            own = self._read(lambda c: statements.own_balances(
                c, self._catalog, period, entry_filter, basis,
                statements.closing_entries(c, self._catalog)))
        return roll_up(self._catalog.chart, own)

    def statement(self, account_id: str, period: Period = ALL_TIME,
                  entry_filter: EntryFilter = ALL_ENTRIES,
                  basis: ReportingBasis = ReportingBasis.ACCRUAL) -> Statement:
        """One account's running-balance statement (as `ledgercore.domain.statement`)."""
        def work(connection: Connection) -> Statement:
            if account_id not in self._catalog.chart:
                self._catalog.load(connection)
            return reports.statement(connection, self._catalog, account_id, period,
                                     entry_filter, basis)

        return self._read(work)

    def trial_balance(self, period: Period = ALL_TIME,
                      entry_filter: EntryFilter = ALL_ENTRIES,
                      basis: ReportingBasis = ReportingBasis.ACCRUAL) -> TrialBalance:
        """Ending balances in debit / credit columns (as the domain's)."""
        own = self.balances(period, entry_filter, basis=basis)
        return reports.trial_balance(self._catalog, own)

    # -- statements and period close (ledgercore.store.statements / closing) -----------

    def income_statement(self, columns: Sequence[Period] = (ALL_TIME,),
                         entry_filter: EntryFilter = ALL_ENTRIES,
                         basis: ReportingBasis = ReportingBasis.ACCRUAL) -> IncomeStatement:
        """Profit and loss with one column per period (closing entries left out)."""
        return self._read(lambda c: statements.income_statement_of(
            c, self._catalog, tuple(columns), entry_filter, basis))

    def balance_sheet(self, at: datetime | None = None,
                      entry_filter: EntryFilter = ALL_ENTRIES,
                      basis: ReportingBasis = ReportingBasis.ACCRUAL) -> BalanceSheet:
        """Assets, liabilities and equity (retained and current earnings) at `at`."""
        return self._read(lambda c: statements.balance_sheet_of(
            c, self._catalog, at, entry_filter, basis))

    def cash_flow(self, period: Period = ALL_TIME, entry_filter: EntryFilter = ALL_ENTRIES,
                  basis: ReportingBasis = ReportingBasis.ACCRUAL,
                  direct: bool = True) -> CashFlow:
        """The change in cash and bank, by the indirect (on `basis`) and (unless `direct`
        is False) the direct method."""
        return self._read(lambda c: statements.cash_flow_of(
            c, self._catalog, period, entry_filter, basis, direct))

    def close_period(self, through: date, retained_earnings: str | None = None,
                     ) -> PeriodClose:
        """Close the books through the day `through`: post the closing entry into
        retained earnings and refuse every later write dated inside (`period_closed`)."""
        return self._write(lambda c: closing.close_period(
            c, self._catalog, through, self._settings.tzinfo, retained_earnings,
            self._settings.activation_at))

    def reopen_period(self, through: date) -> tuple[PeriodClose, ...]:
        """Reopen the close through `through` (and every later one): reverse their
        closing entries and lift the lock; recorded beside the close."""
        return self._write(lambda c: closing.reopen_period(c, self._catalog, through))

    def register(self, account_id: str, period: Period = ALL_TIME,
                 entry_filter: EntryFilter = ALL_ENTRIES,
                 basis: ReportingBasis = ReportingBasis.ACCRUAL,
                 descendants: bool = True) -> Register:
        """The running-balance register of an account and (by default) its descendants."""
        return self._read(lambda c: register.register(
            c, self._catalog, account_id, period, entry_filter, basis, descendants))

    def period_closes(self) -> tuple[PeriodClose, ...]:
        """Every close of the books, standing or reopened, oldest first."""
        return self._read(lambda c: periods.closes(c, self._catalog))

    def commodities(self) -> tuple[Commodity, ...]:
        """The commodities this ledger has seen, by code."""
        return self._read(lambda c: tuple(sorted(self._catalog.commodity.values(),
                                                 key=lambda x: x.code)))

    def rebuild_period_totals(self) -> None:
        """Recompute the period totals from the line items (they never need it)."""
        def work(connection: Connection) -> None:
            integrity.check(connection, self._catalog.ledger_id)  # never launder tampering
            totals.rebuild(connection, self._catalog.ledger_id)

        self._write(work)

    def rebuild_cash_projection(self) -> None:
        """Recompute the cash-basis projection from the journal (see docs/cash-basis.md).

        Posting keeps it current; this is for a database written by other means, or to
        check it (the result is the same projection).
        """
        def work(connection: Connection) -> None:
            integrity.check(connection, self._catalog.ledger_id)
            cash_projection.rebuild(connection, self._catalog)
            cash_flow_totals.rebuild(connection, self._catalog)  # sums the cash lines

        self._write(work)

    # -- transfers and balance guards (ledgercore.store.transfers, .guards) -----------

    def transfer(self, from_account: str, to_account: str, amount: int,
                 commodity: Commodity = USD, *, price: str | None = None,
                 description: str | None = None, idempotency_key: str | None = None,
                 transfer_id: str | None = None, hold: bool | None = None) -> Transfer:
        """Create a transfer of `amount` minor units (see `ledgercore.store.transfers`).

        `hold`: True pending, False executed now, None as the ledger's policy says.
        """
        request = TransferRequest(from_account, to_account, commodity, amount, price,
                                  description, idempotency_key, transfer_id)
        return self._write(lambda c: transfers.create(
            c, self._catalog, request, now=datetime.now(UTC), tz=self._settings.tzinfo,
            hold=hold))

    def execute_transfer(self, transfer_id: str) -> Transfer:
        """Execute a pending transfer: post its entry."""
        return self._move(transfer_id, TransferStatus.EXECUTED)

    def void_transfer(self, transfer_id: str) -> Transfer:
        """Cancel a pending transfer: release its hold."""
        return self._move(transfer_id, TransferStatus.CANCELED)

    def delete_transfer(self, transfer_id: str) -> Transfer:
        """Delete a pending transfer (anything else: `cannot_be_deleted`)."""
        return self._move(transfer_id, TransferStatus.DELETED)

    def settle(self, day: date) -> list[Transfer]:
        """End of `day`: execute or reject the transfers pending since then or before."""
        return self._write(lambda c: transfers.settle(
            c, self._catalog, day, now=datetime.now(UTC), tz=self._settings.tzinfo))

    def get_transfer(self, transfer_id: str) -> Transfer:
        """The transfer with this id. Raises NotFound."""
        return self._read(lambda c: transfers.get(c, self._catalog, transfer_id))

    def transfer_events(self, transfer_id: str) -> list[TransferEvent]:
        """Every status the transfer entered, with its instant, oldest first."""
        return self._read(lambda c: transfers.events(c, self._catalog, transfer_id))

    def list_transfers(self, wanted: TransferFilter | None = None, after: str | None = None,
                       limit: int = 100) -> TransferPage:
        """A page of transfers, newest first; pass `next_cursor` as `after` for more."""
        return self._read(lambda c: transfer_queries.list_transfers(
            c, self._catalog, wanted or TransferFilter(), after, limit))

    def available(self, accounts: Iterable[str] | None = None, at: datetime | None = None,
                  include_incoming: bool = False) -> dict[str, dict[str, Availability]]:
        """Posted, held and available balances per account and commodity at `at`."""
        wanted = None if accounts is None else tuple(accounts)
        return self._read(lambda c: transfer_queries.available(
            c, self._catalog, wanted, at, include_incoming))

    def set_floor(self, accounts: str | Iterable[str], floor: str | None, *,
                  keep_existing: bool = False) -> int:
        """Guard accounts: their available balances may not go below `floor` (a decimal;
        None: no guard). `keep_existing` leaves accounts that have a guard row as they are.

        Returns:
            How many accounts' guards were written.
        """
        wanted = sorted([accounts] if isinstance(accounts, str) else set(accounts))
        return self._write(lambda c: sum(guards.set_floor(
            c, self._catalog, account_id, floor, keep_existing=keep_existing)
            for account_id in wanted))

    def floors(self) -> dict[str, str | None]:
        """Every account's guard: account id -> floor (None: explicitly unguarded)."""
        return self._read(lambda c: guards.floors(c, self._catalog))

    def set_transfer_policy(self, pending_above: str | None = None,
                            sandbox: bool = False) -> None:
        """Set the limit above which a new cash transfer stays pending, and sandbox mode."""
        self._write(lambda c: transfers.set_policy(
            c, self._catalog, transfers.TransferPolicy(pending_above, sandbox)))

    def _move(self, transfer_id: str, target: TransferStatus) -> Transfer:
        return self._write(lambda c: transfers.transition(
            c, self._catalog, transfer_id, target, now=datetime.now(UTC),
            tz=self._settings.tzinfo))

    # -- the unit of work (ledgercore.store.unit_of_work) ------------------------------

    def _write(self, work: Callable[[Connection], T], attempts: int = ATTEMPTS, *,
               load: bool = False) -> T:
        return self._work.write(work, attempts, load=load)

    def _read(self, work: Callable[[Connection], T]) -> T:
        return self._work.read(work)


def _entries_of(batch: Sequence[JournalEntry] | PreparedEntries) -> Sequence[JournalEntry]:
    return batch.entries if isinstance(batch, PreparedEntries) else batch


def _ledger_row(engine: Engine, name: str, timezone: str | None,
                create: bool) -> tuple[int, LedgerSettings]:
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidDate(f"{timezone!r} is not an IANA timezone", path="$.timezone",
                              value=timezone) from None
    # Read first, as a reader: opening an existing ledger never waits for a writer.
    with engine.connect() as connection, connection.begin():
        row = connection.execute(select(ledgers).where(ledgers.c.name == name)).first()
        known = None if row is not None or create else list(connection.execute(
            select(ledgers.c.name).order_by(ledgers.c.name)).scalars())
    if row is None:
        if known is not None:
            raise UnknownLedger.naming(name, known)
        asked = time.monotonic()
        try:
            with engine.connect().execution_options(**{WRITE_OPTION: True}) as connection, \
                    connection.begin():
                # Both engines speak ON CONFLICT; a racing creator's row wins.
                connection.execute(_CREATE_LEDGER, {"name": name,
                                                    "timezone": timezone or "UTC"})
                row = connection.execute(select(ledgers).where(ledgers.c.name == name)).one()
        except OperationalError as exc:
            refusal = contention.busy(exc, time.monotonic() - asked)
            if refusal:
                raise refusal from None
            raise
    if timezone is not None and row.timezone != timezone:
        raise Conflict(f"ledger {name!r} keeps dates in {row.timezone}, not {timezone}",
                       ledger=name, path="$.timezone")
    activation = None if row.activation_at is None else from_micros(row.activation_at)
    return row.id, LedgerSettings(row.name, row.timezone, activation)

