"""ledgercore's side of the benchmark, one task per child process.

``python ledgercore_tasks.py TASK 'JSON-ARGUMENTS'`` runs one task and prints one JSON
object, the measured figures. Tasks:

- ``import``: create the schema, import the Layer chart and the Layer entries file, and
  report the import's seconds and this process's peak resident memory;
- ``warm``: open the imported ledger once and time, call after call, the one-year balance
  report (accrual and cash), one account's point-in-time balance and one account's
  running-balance statement for a month; it also returns the year's figures so the
  caller can check them against the generator's;
- ``post``: post entries one at a time through the Python API, each its own transaction;
- ``transfers``: move cash between accounts one transaction at a time (issue 16): by a
  plain ``post`` of the same two-line entry (``post``), a ``post`` out of a guarded
  account (``guarded-post``), a transfer executed when made (``transfer``), or held
  and then executed (``two-phase``: two transactions); by one process, or by
  ``writers`` processes at once, each from its own source account;
- ``floor``: write the rows an import wrote, and nothing else, into an empty ledger of the
  same engine: on SQLite by the statements the import writes them with, and by SQLite's
  own ``INSERT ... SELECT``; on PostgreSQL by binary COPY, with the
  schema's foreign keys and without them. No import can be faster than its own rows.

Entries for ``post`` are built here from the generated Layer file with the domain types,
so that task measures the store alone, not the Layer importer.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledgercore.domain import (
    USD,
    Account,
    ChartOfAccounts,
    Counterparty,
    CounterpartyKind,
    Direction,
    JournalEntry,
    LineItem,
    Period,
    ReportingBasis,
    parse_instant,
)
from ledgercore.importing import import_file
from ledgercore.providers import PayloadKind
from ledgercore.providers.layer_entries import DEFAULT_BATCH_SIZE
from ledgercore.store import Ledger


def _peak_kib() -> int:
    """Peak resident set size in KiB (Linux reports KiB): this process's plus that of the
    reader process a big import forks (an upper bound of what both held at once)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def _cpu_seconds(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _server_cpu(url: str) -> float | None:
    """CPU seconds so far of this machine's PostgreSQL processes (every backend and helper),
    when `url` is a PostgreSQL one and /proc shows them; None otherwise."""
    if not url.startswith("postgresql"):
        return None
    total, ticks = 0, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            command, fields = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
        if command == "postgres":
            values = fields.split()
            total += int(values[11]) + int(values[12])  # utime + stime, in clock ticks
    return total / ticks if total else None


def task_import(args: dict[str, Any]) -> dict[str, Any]:
    ledger = Ledger.open(args["url"])
    started = time.perf_counter()
    import_file(ledger, PayloadKind.LAYER_BALANCES, Path(args["chart"]))
    chart_seconds = time.perf_counter() - started
    server_before = _server_cpu(args["url"])
    writer_before = _cpu_seconds(resource.getrusage(resource.RUSAGE_SELF))
    reader_before = _cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN))
    started = time.perf_counter()
    outcome = import_file(ledger, PayloadKind.LAYER_ENTRIES, Path(args["entries"]))
    seconds = time.perf_counter() - started
    server_after = _server_cpu(args["url"])
    # Where the import's time went: the writing process, the reading process it forked
    # (counted once it has ended) and, on a local PostgreSQL, the server's processes.
    return {"seconds": seconds, "chart_seconds": chart_seconds, "posted": outcome.posted,
            "peak_kib": _peak_kib(),
            "writer_cpu": _cpu_seconds(resource.getrusage(resource.RUSAGE_SELF)) - writer_before,
            "reader_cpu": (_cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN))
                           - reader_before),
            "server_cpu": None if server_before is None or server_after is None
            else max(0.0, server_after - server_before)}


def _period(start: str, end: str) -> Period:
    return Period(datetime.fromisoformat(start).replace(tzinfo=UTC),
                  datetime.fromisoformat(end).replace(tzinfo=UTC))


def _median_call(call: Callable[[], object], calls: int, budget: float) -> float:
    """Median seconds of `call`, after one untimed call, within about `budget` seconds."""
    call()
    samples: list[float] = []
    spent_from = time.perf_counter()
    for _ in range(calls):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
        if time.perf_counter() - spent_from > budget:
            break
    return statistics.median(samples)


def task_warm(args: dict[str, Any]) -> dict[str, Any]:
    ledger = Ledger.open(args["url"])
    year = _period(args["start"], args["end"])
    month = _period(args["month_start"], args["month_end"])
    account = args["account"]
    point = Period(None, datetime.fromisoformat(args["point"]).replace(tzinfo=UTC))
    calls, budget = int(args.get("calls", 50)), float(args.get("budget", 20.0))
    out: dict[str, Any] = {}

    def year_report(basis: ReportingBasis) -> Callable[[], object]:
        return lambda: ledger.balances(year, basis=basis)

    out["accrual_s"] = _median_call(year_report(ReportingBasis.ACCRUAL), calls, budget)
    out["point_s"] = _median_call(lambda: ledger.balances(point, accounts=[account]),
                                  calls * 4, budget)
    out["statement_s"] = _median_call(lambda: ledger.statement(account, month), calls, budget)
    statement = ledger.statement(account, month)
    out["statement_lines"] = len(statement.lines)
    out["cash_s"] = _median_call(year_report(ReportingBasis.CASH), calls, budget)
    # The statements of the same year (docs/statements.md), in the same process.
    months = [_period(f"{year.start:%Y}-{m:02d}-01", f"{year.start:%Y}-{m + 1:02d}-01")
              for m in range(1, 12)] if year.start is not None else []
    if year.start is not None:
        months.append(_period(f"{year.start:%Y}-12-01", f"{year.start.year + 1}-01-01"))
    out["income_statement_s"] = _median_call(lambda: ledger.income_statement([year]), calls,
                                             budget)
    out["income_statement_cash_s"] = _median_call(lambda: ledger.income_statement(
        [year], basis=ReportingBasis.CASH), calls, budget)
    out["income_statement_months_s"] = _median_call(lambda: ledger.income_statement(months),
                                                    calls, budget)
    out["balance_sheet_s"] = _median_call(lambda: ledger.balance_sheet(year.end), calls,
                                          budget)
    out["balance_sheet_cash_s"] = _median_call(lambda: ledger.balance_sheet(
        year.end, basis=ReportingBasis.CASH), calls, budget)
    out["cash_flow_s"] = _median_call(lambda: ledger.cash_flow(year), calls, budget)
    out["cash_flow_indirect_s"] = _median_call(lambda: ledger.cash_flow(year, direct=False),
                                               calls, budget)
    flow = ledger.cash_flow(year)
    out["cash_flow_agrees"] = (flow.indirect_total() == flow.totals["direct_total"]
                               == flow.totals["net_change_in_cash"])
    figures = ledger.balances(year)
    out["year_debit"] = {
        account_id: {code: b.activity for code, b in by_code.items()}
        for account_id, by_code in figures.items()}
    return out


def chart_accounts(chart_path: Path) -> list[Account]:
    """The domain accounts of a generated Layer balances file, parents first."""
    document = json.loads(chart_path.read_text())
    accounts: list[Account] = []

    def walk(node: dict[str, Any], parent: str | None) -> None:
        accounts.append(Account(
            id=node["id"]["id"], name=node["name"], type=node["account_type"]["value"],
            subtype=node["account_subtype"]["value"], normality=node["normality"],
            parent_id=parent, stable_name=node["stable_name"]["stable_name"]))
        for child in node["sub_accounts"]:
            walk(child, node["id"]["id"])

    for root in document["data"]["accounts"]:
        walk(root, None)
    return accounts


def layer_entries(entries_path: Path, count: int) -> list[JournalEntry]:
    """The first `count` entries of a generated Layer file as domain entries.

    The generator writes one entry per line, so this reads no more than it needs (it is
    not a general Layer reader: that is the providers' importer).
    """
    out: list[JournalEntry] = []
    with entries_path.open(encoding="utf-8") as stream:
        next(stream)
        for line in stream:
            if line.startswith("]") or len(out) == count:
                break
            raw = json.loads(line.rstrip().rstrip(","))
            party = None
            if raw.get("customer"):
                party = Counterparty(CounterpartyKind.CUSTOMER, raw["customer"]["id"])
            elif raw.get("vendor"):
                party = Counterparty(CounterpartyKind.VENDOR, raw["vendor"]["id"])
            out.append(JournalEntry(
                id=raw["id"], entry_at=parse_instant(raw["entry_at"]),
                created_at=parse_instant(raw["date"]), entry_type=raw["entry_type"],
                counterparty=party,
                tags=[(t["key"], t["value"]) for t in raw.get("tags") or []],
                reversal_of_id=raw["reversal_of_id"],
                line_items=tuple(LineItem(i["account"]["id"], USD, i["amount"],
                                          Direction(i["direction"]), id=i["id"])
                                 for i in raw["line_items"])))
    return out


def task_post(args: dict[str, Any]) -> dict[str, Any]:
    ledger = Ledger.open(args["url"])
    ledger.define_accounts(ChartOfAccounts(chart_accounts(Path(args["chart"]))).accounts)
    entries = layer_entries(Path(args["entries"]), int(args["count"]))
    started = time.perf_counter()
    for entry in entries:
        ledger.post([entry])
    seconds = time.perf_counter() - started
    return {"entries": len(entries), "seconds": seconds}


def task_transfers(args: dict[str, Any]) -> dict[str, Any]:
    import multiprocessing

    from ledgercore.domain import AccountType

    url, count, mode = args["url"], int(args["count"]), args["mode"]
    writers = int(args.get("writers", 1))
    name = f"transfers-{mode}-{writers}-{os.getpid()}"
    with Ledger.open(url, ledger=name) as ledger:
        ledger.define_accounts([Account("capital", "Capital", AccountType.EQUITY), *(
            Account(f"{side}{w}", f"{side} {w}", AccountType.ASSET)
            for w in range(writers) for side in ("source", "target"))])
        ledger.post([JournalEntry(f"fund{w}", datetime(2024, 1, 1, tzinfo=UTC), (
            LineItem(f"source{w}", USD, 10**12, Direction.DEBIT),
            LineItem("capital", USD, 10**12, Direction.CREDIT))) for w in range(writers)])
        if mode != "post":
            ledger.set_floor([f"source{w}" for w in range(writers)], "0")

    def work(writer: int, start: Any) -> None:
        with Ledger.open(url, ledger=name) as book:
            book.chart()
            at = datetime(2024, 2, 1, tzinfo=UTC)
            source, target = f"source{writer}", f"target{writer}"
            start.wait()
            for n in range(count):
                if mode in ("post", "guarded-post"):
                    book.post([JournalEntry(f"e{writer}-{n}", at, (
                        LineItem(source, USD, 100, Direction.CREDIT),
                        LineItem(target, USD, 100, Direction.DEBIT)))])
                elif mode == "transfer":
                    book.transfer(source, target, 100, hold=False)
                else:
                    book.execute_transfer(book.transfer(source, target, 100, hold=True).id)

    context = multiprocessing.get_context("fork")
    start = context.Barrier(writers + 1)
    processes = [context.Process(target=work, args=(w, start)) for w in range(writers)]
    for process in processes:
        process.start()
    start.wait()
    started = time.perf_counter()
    for process in processes:
        process.join()
    seconds = time.perf_counter() - started
    if any(process.exitcode for process in processes):
        return {"failed": f"a writer exited {[p.exitcode for p in processes]}"}
    return {"transfers": count * writers, "seconds": seconds}


# The tables an import writes, in the order it writes them.
WRITTEN = ("journal_entries", "entry_tags", "line_items", "period_totals", "cash_open_items",
           "cash_allocations", "cash_lines", "cash_period_totals")
# The chart and ledger rows, copied first and not timed.
CHART = ("ledgers", "commodities", "accounts")


def task_floor(args: dict[str, Any]) -> dict[str, Any]:
    source, targets = args["source"], args["targets"]  # two empty databases, one per pass
    for target in targets:
        Ledger.open(target).close()  # the schema, made by the migrations
    if source.startswith("sqlite"):
        return _sqlite_floor(source, targets, DEFAULT_BATCH_SIZE)
    return _postgres_floor(source, targets)


def _sqlite_floor(source: str, targets: list[str], batch: int) -> dict[str, Any]:
    """Seconds to insert the import's rows into an empty ledger file, in one transaction.

    ``driver_s``: read back (untimed) and written in the import's batch sizes by the
    statements the import writes them with (`driver.insert_tuples`), on a ledgercore
    connection (foreign keys on, WAL); ``engine_s``: the same rows by ``INSERT INTO ...
    SELECT`` from the imported file, so SQLite alone, no Python.
    """
    import sqlite3

    from ledgercore.config import create_engine
    from ledgercore.store.driver import insert_tuples

    source_path = source.removeprefix("sqlite:///")
    reader = sqlite3.connect(source_path)
    entries = reader.execute("SELECT count(*) FROM journal_entries").fetchone()[0]
    out: dict[str, Any] = {"rows": 0}
    for figure, target in zip(("driver_s", "engine_s"), targets, strict=True):
        engine = create_engine(target)
        with engine.connect() as connection:
            # On the driver's connection: outside a transaction, as ATTACH must be.
            connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                "ATTACH DATABASE ? AS src", (source_path,))
            transaction = connection.begin()
            connection.exec_driver_sql("DELETE FROM main.ledgers")
            for table in CHART:
                connection.exec_driver_sql(f"INSERT INTO main.{table} SELECT * FROM src.{table}")
            spent = 0.0
            for table in WRITTEN:
                if figure == "engine_s":
                    started = time.perf_counter()
                    connection.exec_driver_sql(
                        f"INSERT INTO main.{table} SELECT * FROM src.{table}")
                    spent += time.perf_counter() - started
                    continue
                total = reader.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                out["rows"] += total
                chunk = max(1, total * batch // max(entries, 1))  # rows of one import batch
                rows = reader.execute(f"SELECT * FROM {table}")
                columns = [column[0] for column in rows.description]
                while part := rows.fetchmany(chunk):
                    started = time.perf_counter()
                    insert_tuples(connection, f"main.{table}", columns, part)
                    spent += time.perf_counter() - started
            started = time.perf_counter()
            transaction.commit()
            out[figure] = spent + time.perf_counter() - started
        engine.dispose()
    return out


def _postgres_floor(source: str, targets: list[str]) -> dict[str, Any]:
    """Seconds (wall, and the target server process's CPU) to COPY the import's rows.

    Each table's rows are copied out of the imported database (untimed), then into an
    empty ledger in binary, in one transaction: with the schema's foreign keys
    (``copy_*``), and into the second database with them dropped first (``nofk_*``).
    """
    import psycopg

    def dsn(url: str) -> str:
        return url.replace("postgresql+psycopg://", "postgresql://", 1)

    def server_cpu(connection: psycopg.Connection[Any]) -> float | None:
        try:
            fields = Path(f"/proc/{connection.info.backend_pid}/stat").read_text()
        except OSError:
            return None  # not a local server
        values = fields.rsplit(")", 1)[1].split()
        return (int(values[11]) + int(values[12])) / os.sysconf("SC_CLK_TCK")

    def copied(connection: psycopg.Connection[Any], table: str) -> bytes:
        with connection.cursor().copy(f"COPY {table} TO STDOUT (FORMAT BINARY)") as copy:
            return b"".join(bytes(chunk) for chunk in copy)

    def copy_in(connection: psycopg.Connection[Any], table: str, data: bytes) -> None:
        with connection.cursor().copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(data)

    out: dict[str, Any] = {}
    with psycopg.connect(dsn(source)) as reader:
        for figure, target in zip(("copy", "nofk"), targets, strict=True):
            with psycopg.connect(dsn(target)) as writer:
                writer.execute("DELETE FROM ledgers")
                if figure == "nofk":
                    for table, name in writer.execute(
                            "SELECT conrelid::regclass::text, conname FROM pg_constraint "
                            "WHERE contype = 'f'").fetchall():
                        writer.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                for table in CHART:
                    copy_in(writer, table, copied(reader, table))
                spent, cpu = 0.0, 0.0

                def timed(step: Callable[[], object]) -> None:
                    nonlocal spent, cpu
                    cpu_before, started = server_cpu(writer), time.perf_counter()
                    step()
                    spent += time.perf_counter() - started
                    cpu_after = server_cpu(writer)
                    if cpu_before is not None and cpu_after is not None:
                        cpu += cpu_after - cpu_before

                for table in WRITTEN:
                    data = copied(reader, table)
                    timed(lambda: copy_in(writer, table, data))  # noqa: B023 - called at once
                timed(writer.commit)
                out[f"{figure}_s"], out[f"{figure}_server_cpu"] = spent, cpu or None
    return out


TASKS = {"import": task_import, "warm": task_warm, "post": task_post, "floor": task_floor,
         "transfers": task_transfers}


def main(argv: list[str]) -> int:
    task, arguments = argv[0], json.loads(argv[1])
    print(json.dumps(TASKS[task](arguments)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
