"""The benchmark run: ledgercore and its peers on one synthetic ledger, one table.

``python benchmarks/run.py --size 100000`` (``--quick`` for 10,000 entries, ``--postgres
URL`` to add the PostgreSQL rows) generates or reuses the ledger of that size, then
measures, in this one run and on the same data: the Layer JSON import into SQLite; the
one-year balance report of every account from a cold CLI process and from the warm
Python API; one account's point-in-time balance and one month's running-balance
statement; the report under cash basis; beancount 3, hledger and ledger on the same
transactions with their ratio to ledgercore; ingest and report on PostgreSQL; and posting
one entry per transaction through the Python API. Each figure is a median of several
runs and sits beside the issue's target for it. Every tool's year figures are checked
against the generator's own totals, so the tools are proven to answer the same question.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate
import peers
from measure import FAILED, Table, median, rate, run_task, seconds, time_process

REPORT_START = generate.REPORT_START.isoformat()
REPORT_END = generate.REPORT_END.isoformat()
MONTH_START, MONTH_END = "2023-06-01", "2023-07-01"
POINT_IN_TIME = "2023-09-30T23:59:59"
# The import floor's two passes, each into an empty database of its own (`task_floor`).
FLOOR_PASSES = ("a", "b")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text()
                           .splitlines() if line.startswith("MemTotal")))
        memory = f"{mem_kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        memory = "unknown memory"
    return (f"{os.cpu_count()} cores ({cpu}), {memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def expected_year(ds: generate.Dataset) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(ds.expected.read_text())
    return document


def year_by_name(expected: dict[str, Any]) -> dict[str, int]:
    """Leaf account beancount name -> year activity, debit-signed cents (non-zero only)."""
    out = {}
    for account in expected["accounts"].values():
        activity = account["through_year_debit"] - account["before_year_debit"]
        if account["leaf"] and activity:
            out[account["name"]] = activity
    return out


def ledgercore_agrees(answer: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Whether ledgercore's own (not rolled-up) year activity equals the generator's."""
    got = {}
    for account_id, by_code in answer.get("year_debit", {}).items():
        account = expected["accounts"].get(account_id)
        if account is None:
            return False
        activity = by_code.get("USD", 0)
        if activity:
            # ledgercore reports in normal sign; the generator keeps debit-signed sums.
            got[account["name"]] = activity if account["normality"] == "DEBIT" else -activity
    return got == year_by_name(expected)


class Run:
    """One benchmark run's settings, dataset and growing table."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.size: int = 10_000 if args.quick else args.size
        self.table = Table()
        self.workdir = Path(tempfile.mkdtemp(prefix="ledgercore-bench-"))
        self.cli_cold: float | None = None
        self.warm_accrual: float | None = None

    def log(self, text: str) -> None:
        print(f"[run] {text}", file=sys.stderr, flush=True)

    def main(self) -> int:
        started = time.perf_counter()
        if self.args.only_transfers:
            try:
                self.transfers()
            finally:
                shutil.rmtree(self.workdir, ignore_errors=True)
            print(f"machine: {machine()}; command: python benchmarks/run.py "
                  f"{' '.join(sys.argv[1:])}\n")
            print(self.table.render())
            return 0
        self.load_start = os.getloadavg()[0]
        only_statements = self.args.only_statements
        self.log(f"generating (or reusing) the {self.size:,}-entry ledger, seed "
                 f"{self.args.seed} ...")
        self.ds = generate.generate(self.size, self.args.seed)
        self.expected = expected_year(self.ds)
        self.entries, self.lines = self.expected["entries"], self.expected["line_items"]
        try:
            db = self.sqlite_import()
            if db is not None and not only_statements:
                self.floor(db, f"sqlite:///{self.workdir}/floor-{{n}}{{half}}.db")
            self.reports(db, "2", "SQLite")
            if only_statements:
                # What maintaining the statements' figures costs a write, and no more.
                self.posting()
                return self.finish(started)
            self.peers()
            if self.args.postgres:
                self.postgres(self.args.postgres)
            else:
                self.table.add("6", "PostgreSQL import and report", "skipped",
                               note="no --postgres URL given")
            self.posting()
            self.transfers()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return self.finish(started)

    def finish(self, started: float) -> int:
        print(f"ledgercore benchmark: {self.entries:,} entries, {self.lines:,} line items, "
              f"240 accounts, seed {self.args.seed}; report range [{REPORT_START}, "
              f"{REPORT_END}); medians of {self.args.runs} runs")
        print(f"machine: {machine()}")
        print(f"load average (1 min) at start / end: {self.load_start:.1f} / "
              f"{os.getloadavg()[0]:.1f} (other work on the machine inflates every figure)")
        print(f"command: python benchmarks/run.py {' '.join(sys.argv[1:])}")
        print()
        print(self.table.render())
        self.log(f"done in {time.perf_counter() - started:.0f} s")
        return 0

    # 1. import ----------------------------------------------------------------------
    def import_into(self, url: str, section: str, where: str) -> str | None:
        """Import the Layer files into `url` `runs` times (fresh databases); rows for it.

        Returns:
            The first database's URL (its ledger serves the reports), None if it failed.
        """
        samples, peaks = [], []
        cpu: dict[str, list[float]] = {"writer": [], "reader": [], "server": []}
        for attempt in range(self.import_runs()):
            answer = run_task("import", {"url": url.format(n=attempt),
                                         "chart": str(self.ds.layer_chart),
                                         "entries": str(self.ds.layer_entries)})
            if "failed" in answer:
                self.table.add(section, f"import Layer JSON into {where}", FAILED,
                               ">= 20,000 entries/s" if where == "SQLite" else
                               ">= 50,000 line items/s", note=str(answer["failed"]))
                return None
            if answer.get("posted") != self.entries:
                self.table.add(section, f"import Layer JSON into {where}", "wrong count",
                               note=f"posted {answer.get('posted')} of {self.entries:,}")
                return None
            samples.append(answer["seconds"])
            peaks.append(answer["peak_kib"])
            for process, spent in cpu.items():
                if answer.get(f"{process}_cpu") is not None:
                    spent.append(answer[f"{process}_cpu"])
        took = median(samples)
        # CPU seconds by process say which one sets the pace (steadier than wall time).
        split = "CPU " + ", ".join(f"{process} {median(spent):.1f} s"
                                   for process, spent in cpu.items() if spent)
        per_entry, per_line = self.entries / took, self.lines / took
        if where == "SQLite":
            self.table.add(section, "import Layer JSON into SQLite: entries", rate(
                per_entry, "entries"), ">= 20,000 entries/s", per_entry >= 20_000,
                f"{seconds(took)} for {self.entries:,} entries, validation included; {split}")
            self.table.add(section, "import into SQLite: line items", rate(
                per_line, "line items"), "", None)
        else:
            self.table.add(section, "import Layer JSON into PostgreSQL: line items", rate(
                per_line, "line items"), ">= 50,000 line items/s", per_line >= 50_000,
                f"{rate(per_entry, 'entries')}; {seconds(took)}; {split}")
        peak_mib = max(peaks) / 1024
        file_mib = self.ds.layer_entries.stat().st_size / 2**20
        self.table.add(section, f"import peak memory ({where})", f"{peak_mib:,.0f} MiB",
                       "flat in file size; 1M entries < 1 GB", peak_mib < 1024,
                       f"Layer file is {file_mib:,.0f} MiB; compare sizes for growth")
        return url.format(n=0)

    def import_runs(self) -> int:
        return 1 if self.size >= 1_000_000 else max(1, min(self.args.runs, 3))

    def sqlite_import(self) -> str | None:
        self.log("1. importing the Layer JSON into SQLite ...")
        return self.import_into(f"sqlite:///{self.workdir}/import-{{n}}.db", "1", "SQLite")

    def floor(self, imported: str, target: str) -> None:
        """What the engine alone needs to store the rows the import wrote (`task_floor`).

        `target` names the empty databases of run ``{n}``, one per pass (``{half}``).

        No import can beat writing its own rows, so these rows say how far the import
        targets are reachable at all with this schema, on this machine.
        """
        self.log("1/6. the import's rows written again, nothing else done ...")
        samples: dict[str, list[float]] = {}
        for attempt in range(self.import_runs()):
            answer = run_task("floor", {"source": imported, "targets": [
                target.format(n=attempt, half=half) for half in FLOOR_PASSES]})
            if "failed" in answer:
                self.table.add("1" if imported.startswith("sqlite") else "6",
                               "import floor", FAILED, note=str(answer["failed"]))
                return
            for name, value in answer.items():
                if value is not None:
                    samples.setdefault(name, []).append(value)
        got = {name: median(values) for name, values in samples.items()}
        if imported.startswith("sqlite"):
            driver, engine = got["driver_s"], got["engine_s"]
            self.table.add("1", "import floor: its rows alone, as the import binds them",
                           f"{seconds(driver)} ({rate(self.entries / driver, 'entries')})",
                           "", None, f"{got['rows']:,.0f} rows into an empty ledger, in the "
                           f"import's batches; by SQLite's own INSERT ... SELECT: "
                           f"{seconds(engine)} ({rate(self.entries / engine, 'entries')})")
            return
        copy, bare = got["copy_s"], got["nofk_s"]
        cpu = f"; server CPU {got['copy_server_cpu']:.1f} s" if "copy_server_cpu" in got else ""
        self.table.add("6", "import floor: its rows alone, by binary COPY",
                       f"{seconds(copy)} ({rate(self.lines / copy, 'line items')})", "",
                       None, f"into an empty ledger{cpu}; with the foreign keys dropped: "
                       f"{seconds(bare)} ({rate(self.lines / bare, 'line items')})")

    # 2-4. reports ---------------------------------------------------------------------
    def reports(self, url: str | None, section: str, where: str) -> None:
        self.log(f"2-4. balance reports on {where} ...")
        target_warm = 0.020 if self.size <= 100_000 else 0.050
        label = f"<= {target_warm * 1000:.0f} ms"
        if url is None:
            for measure, target in (("balance report, 1 year, cold CLI process", "<= 0.6 s"),
                                    ("balance report, 1 year, warm Python API", label),
                                    ("point-in-time balance of one account, warm",
                                     "(none set)"),
                                    ("running-balance statement, one account, 1 month",
                                     "(none set)"),
                                    ("cash-basis balance report, 1 year, warm",
                                     "<= 2x accrual")):
                self.table.add(section if "cash" not in measure else "4", measure, "skipped",
                               target, note="needs the import above")
            return
        if where == "SQLite":
            self.cold_cli(url)
        answer = run_task("warm", {
            "url": url, "start": REPORT_START, "end": REPORT_END, "month_start": MONTH_START,
            "month_end": MONTH_END, "point": POINT_IN_TIME, "account": self.busy_account(),
            "calls": self.args.calls})
        if "failed" in answer:
            self.table.add(section, f"balance report, 1 year, warm Python API ({where})",
                           FAILED, label, note=str(answer["failed"]))
            return
        agrees = ledgercore_agrees(answer, self.expected)
        warm = answer["accrual_s"]
        if where == "SQLite":
            self.warm_accrual = warm
        self.table.add(section, f"balance report, 1 year, warm Python API ({where})",
                       seconds(warm), label, warm <= target_warm,
                       f"240 accounts; figures equal the generator's: "
                       f"{'yes' if agrees else 'NO'}")
        if where != "SQLite":
            return
        self.table.add("3", "point-in-time balance of one account, warm", seconds(
            answer["point_s"]), "(none set)", None, f"as of {POINT_IN_TIME}Z")
        self.table.add("3", "running-balance statement, one account, 1 month, warm", seconds(
            answer["statement_s"]), "(none set)", None,
            f"{answer['statement_lines']} lines, {MONTH_START} to {MONTH_END}")
        cash = answer["cash_s"]
        self.table.add("4", "cash-basis balance report, 1 year, warm", seconds(cash),
                       "<= 2x accrual", cash <= 2 * warm, f"{cash / warm:.1f}x accrual")
        self.statements(answer, warm)

    def statements(self, answer: dict[str, Any], warm: float) -> None:
        """Each statement of the year beside the all-account balance report (same run)."""
        for key, measure in (
                ("income_statement_s", "income statement, 1 year, warm"),
                ("income_statement_cash_s", "income statement, 1 year, cash basis, warm"),
                ("income_statement_months_s", "income statement, 12 monthly columns, warm"),
                ("balance_sheet_s", "balance sheet at the year's end, warm"),
                ("balance_sheet_cash_s", "balance sheet at the year's end, cash basis, warm"),
                ("cash_flow_s", "cash flow, 1 year (indirect and direct), warm"),
                ("cash_flow_indirect_s", "cash flow, 1 year, indirect method only, warm")):
            took = answer[key]
            note = f"{took / warm:.1f}x the balance report"
            if key == "cash_flow_s":
                note += (f"; direct = indirect = change in cash: "
                         f"{'yes' if answer['cash_flow_agrees'] else 'NO'}")
            # Twelve columns are twelve reports: their target is per column.
            limit = 2 * warm * (12 if "months" in key else 1)
            self.table.add("8", measure, seconds(took),
                           "<= 2x balance report" + (" per column" if "months" in key else ""),
                           took <= limit, note)

    def busy_account(self) -> str:
        """The first bank account: a busy account for the point and statement rows."""
        for account_id, account in self.expected["accounts"].items():
            if account["name"].endswith("BankAccounts01"):
                return str(account_id)
        raise LookupError("the generated chart has no BankAccounts01")

    def cold_cli(self, url: str) -> None:
        # The installed console script, as a user runs it (python -m as a fallback).
        script = shutil.which("ledgercore")
        launcher = [script] if script else [sys.executable, "-m", "ledgercore"]
        command = [*launcher, "--db", url, "balances", "--start",
                   REPORT_START, "--end", REPORT_END, "--end-exclusive"]
        probe = _probe(command)
        if probe is not None:
            self.table.add("2", "balance report, 1 year, cold CLI process", FAILED,
                           "<= 0.6 s", note=probe)
            return
        samples = time_process(command, self.args.runs)
        self.cli_cold = median(samples)
        self.table.add("2", "balance report, 1 year, cold CLI process", seconds(self.cli_cold),
                       "<= 0.6 s", self.cli_cold <= 0.6,
                       "`ledgercore balances`, interpreter start included")

    # 5. peers --------------------------------------------------------------------------
    def peers(self) -> None:
        if self.args.no_peers:
            self.table.add("5", "peers", "skipped", note="--no-peers")
            return
        self.log("5. peers: install / find beancount 3, hledger, ledger ...")
        found = peers.ensure_peers(install=not self.args.no_install)
        want = year_by_name(self.expected)
        base = self.cli_cold
        for name in ("ledger", "hledger", "beancount"):
            peer = found.get(name)
            label = {"beancount": "beancount 3 (load + sum)", "hledger": "hledger bal -b -e",
                     "ledger": "ledger bal -b -e"}[name]
            if peer is None:
                self.table.add("5", label, "skipped", note="not installed (see the log)")
                continue
            self.log(f"5. {name} ({peer.version}) ...")
            started = time.perf_counter()
            try:
                totals = peer.totals(self.ds.beancount, self.ds.journal, REPORT_START,
                                     REPORT_END)
            except Exception as exc:
                self.table.add("5", label, FAILED, note=f"{type(exc).__name__}: {exc}"[:120])
                continue
            first = time.perf_counter() - started
            agrees = {k: v for k, v in totals.items() if v} == want
            budget = self.args.peer_budget
            if first * (self.args.runs + 1) > budget:
                self.log(f"   {name} takes {first:.0f} s a run: fewer runs to stay in "
                         f"{budget:.0f} s")
            command = peer.balance_command(self.ds.beancount, self.ds.journal, REPORT_START,
                                           REPORT_END)
            runs = max(1, min(self.args.runs, int((budget - first) // max(first, 1e-3))))
            samples = time_process(command, runs, warmup=0, budget=budget - first)
            took = median(samples)
            ratio = "" if base is None else f"{took / base:.1f}x ledgercore's cold CLI; "
            self.table.add("5", f"{label} — {peer.version.split(',')[0]}", seconds(took),
                           "slower than ledgercore CLI",
                           None if base is None else took > base,
                           f"{ratio}{len(samples)} run(s); totals equal the generator's: "
                           f"{'yes' if agrees else 'NO'}")

    # 6. PostgreSQL --------------------------------------------------------------------
    def postgres(self, url: str) -> None:
        from sqlalchemy import create_engine, text

        self.log("6. PostgreSQL: import and report ...")
        base = url.replace("postgresql://", "postgresql+psycopg://", 1)
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        runs = self.import_runs()
        names = [f"ledgercore_bench_{os.getpid()}_{n}" for n in range(runs)]
        floor = f"ledgercore_bench_{os.getpid()}_floor{{n}}{{half}}"
        floors = [floor.format(n=n, half=half) for n in range(runs) for half in FLOOR_PASSES]
        try:
            with admin.connect() as connection:
                for name in names + floors:
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
            root = base.rsplit("/", 1)[0]
            imported = self.import_into(f"{root}/ledgercore_bench_{os.getpid()}_{{n}}", "6",
                                      "PostgreSQL")
            if imported is not None:
                self.reports(imported, "6", "PostgreSQL")
                self.floor(imported, f"{root}/{floor}")
        finally:
            with admin.connect() as connection:
                for name in names + floors:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    # 7. posting -----------------------------------------------------------------------
    def posting(self) -> None:
        self.log("7. posting one entry per transaction through the Python API ...")
        samples = []
        for attempt in range(max(1, min(self.args.runs, 3))):
            answer = run_task("post", {
                "url": f"sqlite:///{self.workdir}/post-{attempt}.db",
                "chart": str(self.ds.layer_chart), "entries": str(self.ds.layer_entries),
                "count": self.args.post_count})
            if "failed" in answer:
                self.table.add("7", "post one entry per transaction (SQLite file)",
                               FAILED, ">= 2,000 entries/s", note=str(answer["failed"]))
                return
            samples.append(answer["entries"] / answer["seconds"])
        per_second = median(samples)
        self.table.add("7", "post one entry per transaction (SQLite file)", rate(
            per_second, "entries"), ">= 2,000 entries/s", per_second >= 2_000,
            f"{self.args.post_count:,} entries into a new ledger, each its own transaction")


    # 8. transfers (issue 16) --------------------------------------------------------
    def transfers(self) -> None:
        """Transfers made one per transaction, against a plain `post` of the same entry."""
        self.log("8. transfers one per transaction, and plain posts of the same entry ...")
        count = max(200, self.args.post_count // 2)
        engines: list[tuple[str, Callable[[str], str]]] = [
            ("SQLite file", lambda n: f"sqlite:///{self.workdir}/transfers-{n}.db")]
        database = f"ledgercore_bench_{os.getpid()}_transfers"
        if self.args.postgres:
            from sqlalchemy import create_engine, text

            base = self.args.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{database}"'))
            server = f"{base.rsplit('/', 1)[0]}/{database}"
            engines.append(("PostgreSQL", lambda n: server))
        try:
            self.transfer_rows(engines, count)
        finally:
            if self.args.postgres:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
                admin.dispose()

    def transfer_rows(self, engines: list[tuple[str, Callable[[str], str]]], count: int) -> None:
        for where, url in engines:
            base: float | None = None
            writers = (1, 4) if where == "PostgreSQL" else (1,)
            for crowd in writers:
                for mode in ("post", "guarded-post", "transfer", "two-phase"):
                    if crowd > 1 and mode == "guarded-post":
                        continue
                    samples = []
                    for attempt in range(max(1, min(self.args.runs, 3))):
                        answer = run_task("transfers", {
                            "url": url(f"{mode}-{crowd}-{attempt}"), "count": count,
                            "mode": mode, "writers": crowd})
                        if "failed" in answer:
                            break
                        samples.append(answer["transfers"] / answer["seconds"])
                    label = (f"{mode}: one per transaction ({where}"
                             f"{f', {crowd} writers' if crowd > 1 else ''})")
                    if not samples:
                        self.table.add("8", label, FAILED, note=str(answer.get("failed")))
                        continue
                    per_second = median(samples)
                    if mode == "post":
                        base = per_second
                        self.table.add("8", label, rate(per_second, "entries"), "",
                                       None, f"{count:,} per writer; the baseline")
                        continue
                    ratio = "" if not base else f"{base / per_second:.2f}x slower than post; "
                    target = ">= 2,000/s, <= 1.5x post" if where == "SQLite file" else ""
                    ok = (per_second >= 2_000 and bool(base) and base / per_second <= 1.5
                          if target else None)
                    self.table.add("8", label, rate(per_second, "transfers"), target, ok,
                                   f"{ratio}{count:,} per writer"
                                   f"{'; two transactions each' if mode == 'two-phase' else ''}")


def _probe(command: list[str]) -> str | None:
    """None when `command` runs; otherwise why it does not (first line of its error)."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode == 0:
        return None
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return f"exit {done.returncode}: {tail[:150]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="entries (default 100000)")
    parser.add_argument("--quick", action="store_true", help="10,000 entries")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=5, help="runs per median (default 5)")
    parser.add_argument("--calls", type=int, default=50, help="warm API calls per median")
    parser.add_argument("--post-count", type=int, default=2_000,
                        help="entries posted one by one (default 2000)")
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server URL")
    parser.add_argument("--only-transfers", action="store_true",
                        help="only section 8: transfers against plain posts")
    parser.add_argument("--only-statements", action="store_true",
                        help="only the SQLite import, the reports and statements (sections "
                             "1-4 and 8's statements) and one-by-one posting")
    parser.add_argument("--no-peers", action="store_true", help="skip beancount/hledger/ledger")
    parser.add_argument("--no-install", action="store_true", help="do not install peers")
    parser.add_argument("--peer-budget", type=float, default=600.0,
                        help="seconds each peer may take in total (default 600)")
    return Run(parser.parse_args(argv)).main()


if __name__ == "__main__":
    raise SystemExit(main())
