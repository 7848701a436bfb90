"""ledgercore's side of the benchmark, one task per child process.

``python ledgercore_tasks.py TASK 'JSON-ARGUMENTS'`` runs one task and prints one JSON
object: the measured figures, or ``{"available": false, "missing": "..."}`` naming the
ledgercore API that is not there yet. Tasks:

- ``import``: create the schema, import the Layer chart and the Layer entries file, and
  report the import's seconds and this process's peak resident memory;
- ``warm``: open the imported ledger once and time, call after call, the one-year balance
  report (accrual and cash), one account's point-in-time balance and one account's
  running-balance statement for a month; it also returns the year's figures so the
  caller can check them against the generator's;
- ``post``: post entries one at a time through the Python API, each its own transaction.

Entries for ``post`` are built here from the generated Layer file with the domain types,
so that task needs only the store, not the Layer importer.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
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


class Unavailable(Exception):
    """The ledgercore API this task needs is missing (not written yet, or renamed)."""


def _store() -> Any:
    try:
        from ledgercore import store
    except Exception as exc:  # a half-written package can fail in many ways
        raise Unavailable(f"ledgercore.store does not import: {exc}") from None
    ledger_class = getattr(store, "Ledger", None)
    if ledger_class is None:
        raise Unavailable("ledgercore.store.Ledger is missing")
    for name in ("open", "post", "balances", "statement"):
        if not hasattr(ledger_class, name):
            raise Unavailable(f"ledgercore.store.Ledger.{name} is missing")
    return ledger_class


def _layer_importer() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """(import chart, import entries): `ledgercore.importing.import_file` for each kind."""
    try:
        from ledgercore.importing import import_file
        from ledgercore.providers import PayloadKind
    except Exception as exc:  # a half-written package can fail in many ways
        raise Unavailable(f"ledgercore.importing.import_file does not import: {exc}") from None

    def chart(ledger: Any, path: Path) -> Any:
        return import_file(ledger, PayloadKind.LAYER_BALANCES, path)

    def entries(ledger: Any, path: Path) -> Any:
        return import_file(ledger, PayloadKind.LAYER_ENTRIES, path)

    return chart, entries


def _peak_kib() -> int:
    """Peak resident set size in KiB (Linux reports KiB): this process's plus that of the
    reader process a big import forks (an upper bound of what both held at once)."""
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def _open(url: str) -> Any:
    ledger_class = _store()
    # The default ledger of the database: the one the CLI and the importers use too.
    return ledger_class.open(url)


def task_import(args: dict[str, Any]) -> dict[str, Any]:
    import_chart, import_entries = _layer_importer()
    ledger = _open(args["url"])
    if not hasattr(ledger, "load"):
        raise Unavailable("ledgercore.store.Ledger.load (used by import_file) is missing")
    started = time.perf_counter()
    if args.get("chart"):
        import_chart(ledger, Path(args["chart"]))
    chart_seconds = time.perf_counter() - started
    started = time.perf_counter()
    outcome = import_entries(ledger, Path(args["entries"]))
    seconds = time.perf_counter() - started
    return {"available": True, "seconds": seconds, "chart_seconds": chart_seconds,
            "posted": outcome.posted, "peak_kib": _peak_kib()}


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
    ledger = _open(args["url"])
    year = _period(args["start"], args["end"])
    month = _period(args["month_start"], args["month_end"])
    account = args["account"]
    point = Period(None, datetime.fromisoformat(args["point"]).replace(tzinfo=UTC))
    calls, budget = int(args.get("calls", 50)), float(args.get("budget", 20.0))
    out: dict[str, Any] = {"available": True}

    def year_report(basis: ReportingBasis) -> Callable[[], object]:
        return lambda: ledger.balances(year, basis=basis)

    out["accrual_s"] = _median_call(year_report(ReportingBasis.ACCRUAL), calls, budget)
    out["point_s"] = _median_call(lambda: ledger.balances(point, accounts=[account]),
                                  calls * 4, budget)
    out["statement_s"] = _median_call(lambda: ledger.statement(account, month), calls, budget)
    statement = ledger.statement(account, month)
    out["statement_lines"] = len(statement.lines)
    try:
        out["cash_s"] = _median_call(year_report(ReportingBasis.CASH), calls, budget)
    except Exception as exc:  # cash basis lands in its own issue
        out["cash_missing"] = f"{type(exc).__name__}: {exc}"[:200]
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
    """The first `count` entries of a generated Layer file as domain entries."""
    out: list[JournalEntry] = []
    for batch in layer_entry_batches(entries_path, 1000):
        out.extend(batch[:count - len(out)])
        if len(out) == count:
            break
    return out


def layer_entry_batches(entries_path: Path, size: int) -> Iterator[list[JournalEntry]]:
    """The entries of a generated Layer file as domain entries, `size` at a time.

    The generator writes one entry per line, so this streams without parsing the whole
    document (it is not a general Layer reader: that is the providers' importer).
    """
    out: list[JournalEntry] = []
    with entries_path.open(encoding="utf-8") as stream:
        next(stream)
        for line in stream:
            if line.startswith("]"):
                break
            if len(out) == size:
                yield out
                out = []
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
    if out:
        yield out


def task_post(args: dict[str, Any]) -> dict[str, Any]:
    ledger = _open(args["url"])
    chart = ChartOfAccounts(chart_accounts(Path(args["chart"])))
    define = getattr(ledger, "define_accounts", None)
    if define is None:
        raise Unavailable("ledgercore.store.Ledger.define_accounts is missing")
    define(chart.accounts)
    entries = layer_entries(Path(args["entries"]), int(args["count"]))
    started = time.perf_counter()
    for entry in entries:
        ledger.post([entry])
    seconds = time.perf_counter() - started
    return {"available": True, "entries": len(entries), "seconds": seconds}


def task_load(args: dict[str, Any]) -> dict[str, Any]:
    """Load the whole file with `Ledger.post` in batches: the store's bulk path alone.

    Used when the Layer importer is not there, so the reports still have a ledger.
    """
    ledger = _open(args["url"])
    ledger.define_accounts(chart_accounts(Path(args["chart"])))
    batch = int(args.get("batch", 1000))
    started = time.perf_counter()
    count = 0
    for entries in layer_entry_batches(Path(args["entries"]), batch):
        ledger.post(entries)
        count += len(entries)
    seconds = time.perf_counter() - started
    return {"available": True, "entries": count, "seconds": seconds, "peak_kib": _peak_kib()}


TASKS = {"import": task_import, "warm": task_warm, "post": task_post, "load": task_load}


def main(argv: list[str]) -> int:
    task, arguments = argv[0], json.loads(argv[1])
    try:
        answer = TASKS[task](arguments)
    except Unavailable as exc:
        answer = {"available": False, "missing": str(exc)}
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
