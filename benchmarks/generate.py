"""Deterministic synthetic ledgers for the benchmark, in every format the tools read.

A ledger of N journal entries (two or three line items each, balanced, integer cents) over
six years, posting to the 240-account chart of `chart.py`, with the work a real small
business gives a ledger: cash sales and expenses, invoices on accounts receivable settled
later by one or two payments (so cash basis has items to recognise), bills on accounts
payable, sales tax, depreciation on the contra-asset, a few reversals, customers, vendors
and tags. One pass writes, with the same transactions:

- ``layer-entries.json``: the Layer ``GET ledger/entries`` response (field names as in the
  Layer document 004), one compact entry per line;
- ``layer-chart.json``: the Layer ``GET ledger/balances`` response with the nested chart
  (all-time balances, rolled up in normal sign), which brings the hierarchy;
- ``ledger.beancount``: beancount, with ``open`` directives;
- ``ledger.journal``: a journal that ledger 3 and hledger both read;
- ``expected.json``: the generator's own per-account totals for the report year, used to
  check every tool's answer.

Everything streams: memory does not grow with N. The output directory is keyed by size
and seed and reused when complete (``manifest.json`` is written last).

Usage: ``python benchmarks/generate.py --size 100000 [--seed 42] [--out benchmarks/data]``
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from chart import SyntheticAccount, balances_node, build_chart, new_uuid

GENERATOR_VERSION = 3
FIRST_DAY = date(2019, 1, 1)
DAYS = (date(2025, 1, 1) - FIRST_DAY).days  # six years
REPORT_START = date(2023, 1, 1)  # the one-year report range, end exclusive
REPORT_END = date(2024, 1, 1)
DEFAULT_DATA = Path(__file__).resolve().parent / "data"
CUSTOMERS = 300
VENDORS = 150
DEPARTMENTS = ("sales", "ops", "engineering", "admin", "support")
PROJECTS = tuple(f"p{k:03d}" for k in range(40))

Line = tuple[str, int, str]  # (account id, amount in cents, direction)


@dataclass(frozen=True, slots=True)
class Dataset:
    """Where one generated ledger lives, and what it holds."""

    directory: Path
    size: int
    seed: int

    @property
    def layer_entries(self) -> Path:
        return self.directory / "layer-entries.json"

    @property
    def layer_chart(self) -> Path:
        return self.directory / "layer-chart.json"

    @property
    def beancount(self) -> Path:
        return self.directory / "ledger.beancount"

    @property
    def journal(self) -> Path:
        return self.directory / "ledger.journal"

    @property
    def expected(self) -> Path:
        return self.directory / "expected.json"

    @property
    def manifest(self) -> Path:
        return self.directory / "manifest.json"


def _cents(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    value = abs(cents)
    return f"{sign}{value // 100}.{value % 100:02d}"


def _amount(rng: random.Random, low: int, high: int) -> int:
    """A log-uniform amount in cents: many small figures, a few large ones."""
    return int(low * (high / low) ** rng.random())


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` cents in `parts` positive integer pieces that add up exactly."""
    if parts == 1 or total < parts:
        return [total]
    cut = rng.randint(1, total - 1)
    return [cut, total - cut]


class _Writers:
    """The five output streams, and the per-account totals the generator keeps."""

    def __init__(self, ds: Dataset, accounts: list[SyntheticAccount]) -> None:
        self.by_id = {a.id: a for a in accounts}
        self.entries: IO[str] = ds.layer_entries.open("w", encoding="utf-8")
        self.bean: IO[str] = ds.beancount.open("w", encoding="utf-8")
        self.journal: IO[str] = ds.journal.open("w", encoding="utf-8")
        self.first = True
        self.entry_count = 0
        self.line_count = 0
        # Debit-signed cents: all time, before the report year, by the end of it.
        self.total: dict[str, int] = defaultdict(int)
        self.before: dict[str, int] = defaultdict(int)
        self.through: dict[str, int] = defaultdict(int)
        self.entries.write('{"data":[\n')
        self.bean.write('option "title" "ledgercore benchmark"\n'
                        'option "operating_currency" "USD"\n\n')
        for account in accounts:
            if not account.children:
                self.bean.write(f"{FIRST_DAY.isoformat()} open {account.beancount_name} USD\n")
        self.bean.write("\n")
        self.journal.write("; ledgercore benchmark journal (ledger 3 and hledger)\n\n")

    def write(self, *, entry_id: str, entry_type: str, entry_at: datetime,
              created_at: datetime, lines: list[Line], customer: tuple[int, str] | None,
              vendor: tuple[int, str] | None, tags: list[tuple[str, str]],
              reversal_of_id: str | None, reversal_id: str | None,
              rng: random.Random) -> None:
        at = entry_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        made = created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        items = ",".join(
            f'{{"id":"{new_uuid(rng)}","entry_id":"{entry_id}",'
            f'"account":{self.by_id[acct].entry_json},"amount":{amount},'
            f'"direction":"{direction}","entry_at":"{at}","createdAt":"{made}"}}'
            for acct, amount, direction in lines)
        # customer / vendor / tags are not in Layer's entry document; they ride along as
        # extra fields (importers keep or ignore extras on purpose) so filters have data.
        extra = {
            "customer": None if customer is None else
            {"id": customer[1], "external_id": f"cust-{customer[0]:04d}"},
            "vendor": None if vendor is None else
            {"id": vendor[1], "external_id": f"vend-{vendor[0]:04d}"},
            "tags": [{"key": k, "value": v} for k, v in tags],
        }
        self.entries.write(
            ("" if self.first else ",\n")
            + f'{{"type":"Ledger_Entry","id":"{entry_id}","business_id":"{BUSINESS_ID}",'
            f'"ledger_id":"{LEDGER_ID}","agent":null,"entry_type":"{entry_type}",'
            f'"date":"{made}","entry_at":"{at}",'
            f'"reversal_of_id":{json.dumps(reversal_of_id)},'
            f'"reversal_id":{json.dumps(reversal_id)},"line_items":[{items}],'
            + json.dumps(extra, separators=(",", ":"))[1:])
        self.first = False
        day = entry_at.date().isoformat()
        party = (f"Customer {customer[0]:04d}" if customer else
                 f"Vendor {vendor[0]:04d}" if vendor else "")
        narration = entry_type.replace("_", " ").lower()
        bean_tags = "".join(f" #{k}-{v}" for k, v in tags)
        self.bean.write(f'{day} * "{party}" "{narration}"{bean_tags}\n')
        self.journal.write(f"{day} {party + ' | ' if party else ''}{narration}\n")
        if tags:
            self.journal.write("".join(f"    ; {k}: {v}\n" for k, v in tags))
        in_year_or_before = entry_at.date() < REPORT_END
        before_year = entry_at.date() < REPORT_START
        for acct, amount, direction in lines:
            signed = amount if direction == "DEBIT" else -amount
            name = self.by_id[acct].beancount_name
            text = _cents(signed)
            self.bean.write(f"  {name}  {text} USD\n")
            self.journal.write(f"    {name}  {text} USD\n")
            self.total[acct] += signed
            if in_year_or_before:
                self.through[acct] += signed
                if before_year:
                    self.before[acct] += signed
        self.bean.write("\n")
        self.journal.write("\n")
        self.entry_count += 1
        self.line_count += len(lines)

    def close(self) -> None:
        self.entries.write('\n],"meta":{}}\n')
        for stream in (self.entries, self.bean, self.journal):
            stream.close()


BUSINESS_ID = "6f1c1b7e-5b3d-4e0a-9a59-5f2f8e1c0b01"
LEDGER_ID = "0b9c7a51-2d8e-4c6f-8f3a-1e4d5c6b7a02"


def generate(size: int, seed: int = 42, root: Path = DEFAULT_DATA,
             force: bool = False) -> Dataset:
    """Write (or reuse) the ledger of `size` entries for `seed` and describe it.

    Args:
        size: number of journal entries.
        seed: the random seed; the same (size, seed) always gives byte-identical files.
        root: the directory that holds one sub-directory per (size, seed).
        force: rewrite even when a complete copy exists.
    """
    ds = Dataset(root / f"n{size}-s{seed}", size, seed)
    if not force and ds.manifest.exists():
        manifest = json.loads(ds.manifest.read_text())
        if manifest.get("generator_version") == GENERATOR_VERSION:
            return ds
    ds.directory.mkdir(parents=True, exist_ok=True)
    ds.manifest.unlink(missing_ok=True)
    started = time.perf_counter()
    rng = random.Random(seed)
    accounts, leaves = build_chart(rng)
    customers = [(k, new_uuid(rng)) for k in range(CUSTOMERS)]
    vendors = [(k, new_uuid(rng)) for k in range(VENDORS)]
    out = _Writers(ds, accounts)
    _write_entries(out, rng, size, leaves, customers, vendors)
    out.close()
    roots = [a for a in accounts if a.parent_id is None]
    chart = {"data": {"type": "Ledger_Balances",
                      "accounts": [balances_node(r, out.total) for r in roots]}}
    ds.layer_chart.write_text(json.dumps(chart, indent=1) + "\n", encoding="utf-8")
    expected = {
        "report_start": REPORT_START.isoformat(), "report_end_exclusive": REPORT_END.isoformat(),
        "entries": out.entry_count, "line_items": out.line_count,
        "accounts": {a.id: {"name": a.beancount_name, "normality": a.normality,
                            "leaf": not a.children,
                            "before_year_debit": out.before.get(a.id, 0),
                            "through_year_debit": out.through.get(a.id, 0),
                            "all_time_debit": out.total.get(a.id, 0)} for a in accounts},
    }
    ds.expected.write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
    ds.manifest.write_text(json.dumps({
        "generator_version": GENERATOR_VERSION, "size": size, "seed": seed,
        "entries": out.entry_count, "line_items": out.line_count,
        "seconds": round(time.perf_counter() - started, 1)}, indent=1) + "\n")
    return ds


def _write_entries(out: _Writers, rng: random.Random, size: int,
                   leaves: dict[str, list[str]], customers: list[tuple[int, str]],
                   vendors: list[tuple[int, str]]) -> None:
    """Emit `size` entries in effective-date order, settling invoices and bills later."""
    pick = rng.choice
    # (due day, sequence, event): payments of invoices and bills, and reversals.
    due: list[tuple[int, int, dict[str, Any]]] = []
    sequence = 0
    start = datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=UTC)
    for i in range(size):
        day = i * DAYS // size
        entry_at = start + timedelta(days=day, seconds=rng.randrange(8 * 3600, 18 * 3600))
        created_at = entry_at + timedelta(seconds=rng.randrange(60, 3 * 86400),
                                          microseconds=rng.randrange(1_000_000))
        entry_id = new_uuid(rng)
        customer = vendor = None
        reversal_of = reversal_id = None
        tags: list[tuple[str, str]] = []
        if due and due[0][0] <= day:
            _, _, event = heapq.heappop(due)
            kind = event["kind"]
            lines = event["lines"]
            customer, vendor = event.get("customer"), event.get("vendor")
            reversal_of = event.get("reversal_of")
            tags = event.get("tags", [])
            if kind == "INVOICE_PAYMENT" and event.get("rest"):
                sequence += 1
                heapq.heappush(due, (day + rng.randint(10, 40), sequence, {
                    "kind": kind, "customer": customer, "lines": event["rest"]}))
            entry_type = kind
            if kind == "REVERSAL":
                entry_id = event["id"]
        else:
            roll = rng.random()
            amount = _amount(rng, 500, 2_000_000)
            if rng.random() < 0.25:
                tags.append(("department", pick(DEPARTMENTS)))
            if rng.random() < 0.08:
                tags.append(("project", pick(PROJECTS)))
            if roll < 0.12:  # invoice on AR, paid later in one or two payments
                entry_type, customer = "INVOICE", pick(customers)
                ar = pick(leaves["RECEIVABLES"])
                parts = _split(rng, amount, rng.choice((1, 2)))
                revenue = leaves["PRODUCT_SALES"] + leaves["SERVICE_REVENUE"]
                lines = [(ar, amount, "DEBIT")] + [(pick(revenue), p, "CREDIT") for p in parts]
                bank = pick(leaves["BANK_ACCOUNTS"])
                if rng.random() < 0.05:
                    pass  # never paid: an open item cash basis never recognises
                else:
                    first = amount if rng.random() < 0.7 else amount // 2
                    rest = amount - first
                    sequence += 1
                    heapq.heappush(due, (day + rng.randint(10, 60), sequence, {
                        "kind": "INVOICE_PAYMENT", "customer": customer,
                        "lines": [(bank, first, "DEBIT"), (ar, first, "CREDIT")],
                        "rest": [(bank, rest, "DEBIT"), (ar, rest, "CREDIT")] if rest else None}))
            elif roll < 0.20:  # bill on AP
                entry_type, vendor = "BILL", pick(vendors)
                ap = pick(leaves["PAYABLES"])
                parts = _split(rng, amount, rng.choice((1, 2)))
                costs = leaves["MATERIALS"] + leaves["FREIGHT"] + leaves["OPERATING_EXPENSES"]
                lines = [(pick(costs), p, "DEBIT") for p in parts] + [(ap, amount, "CREDIT")]
                sequence += 1
                bank = pick(leaves["BANK_ACCOUNTS"])
                heapq.heappush(due, (day + rng.randint(15, 45), sequence, {
                    "kind": "BILL_PAYMENT", "vendor": vendor,
                    "lines": [(ap, amount, "DEBIT"), (bank, amount, "CREDIT")]}))
            elif roll < 0.38:  # cash sale, some with sales tax
                entry_type = "SALE"
                revenue = pick(leaves["PRODUCT_SALES"] + leaves["SERVICE_REVENUE"])
                bank = pick(leaves["BANK_ACCOUNTS"])
                if rng.random() < 0.4:
                    tax = amount * 8 // 100 + 1
                    lines = [(bank, amount + tax, "DEBIT"), (revenue, amount, "CREDIT"),
                             (pick(leaves["SALES_TAXES_PAYABLE"]), tax, "CREDIT")]
                else:
                    lines = [(bank, amount, "DEBIT"), (revenue, amount, "CREDIT")]
            elif roll < 0.80:  # an expense paid from a bank account or a credit card
                entry_type = "EXPENSE"
                group = pick(("OPERATING_EXPENSES", "OPERATING_EXPENSES", "PAYROLL",
                              "TAXES_AND_LICENSES", "INTEREST_EXPENSES", "DIRECT_LABOR",
                              "SUBCONTRACTORS", "PACKAGING"))
                source = pick(leaves[pick(("BANK_ACCOUNTS", "CREDIT_CARDS"))])
                parts = _split(rng, amount, rng.choice((1, 1, 2)))
                lines = [(pick(leaves[group]), p, "DEBIT") for p in parts]
                lines.append((source, amount, "CREDIT"))
                if rng.random() < 0.01:  # booked in error: reversed a few days later
                    reversal_id = new_uuid(rng)
                    sequence += 1
                    heapq.heappush(due, (day + rng.randint(0, 10), sequence, {
                        "kind": "REVERSAL", "reversal_of": entry_id, "id": reversal_id,
                        "tags": tags,
                        "lines": [(a, m, "CREDIT" if d == "DEBIT" else "DEBIT")
                                  for a, m, d in lines]}))
            elif roll < 0.87:  # inventory used: COGS against inventory
                entry_type = "COGS"
                lines = [(pick(leaves["MATERIALS"]), amount, "DEBIT"),
                         (pick(leaves["INVENTORY"]), amount, "CREDIT")]
            elif roll < 0.92:  # depreciation against the contra-asset
                entry_type = "DEPRECIATION"
                lines = [(pick(leaves["DEPRECIATION"]), amount, "DEBIT"),
                         (pick(leaves["ACCUMULATED_DEPRECIATION"]), amount, "CREDIT")]
            else:  # financing and balance-sheet moves
                entry_type = "MANUAL"
                debit, credit = pick((
                    ("BANK_ACCOUNTS", "CONTRIBUTIONS"), ("BANK_ACCOUNTS", "LOANS_PAYABLE"),
                    ("LOANS_PAYABLE", "BANK_ACCOUNTS"), ("DISTRIBUTIONS", "BANK_ACCOUNTS"),
                    ("FIXED_ASSETS", "BANK_ACCOUNTS"), ("INVENTORY", "BANK_ACCOUNTS"),
                    ("CREDIT_CARDS", "BANK_ACCOUNTS"), ("PAYROLL_LIABILITIES", "BANK_ACCOUNTS"),
                    ("SALES_TAXES_PAYABLE", "BANK_ACCOUNTS"), ("BANK_ACCOUNTS", "INTEREST_INCOME"),
                    ("BANK_ACCOUNTS", "OTHER_INCOME"), ("RETURNS_AND_ALLOWANCES", "BANK_ACCOUNTS"),
                    ("BANK_ACCOUNTS", "COMMON_STOCK"), ("BANK_ACCOUNTS", "OPENING_BALANCE_EQUITY"),
                    ("RETAINED_EARNINGS", "DISTRIBUTIONS")))
                lines = [(pick(leaves[debit]), amount, "DEBIT"),
                         (pick(leaves[credit]), amount, "CREDIT")]
        out.write(entry_id=entry_id, entry_type=entry_type, entry_at=entry_at,
                  created_at=created_at, lines=lines, customer=customer, vendor=vendor,
                  tags=tags, reversal_of_id=reversal_of, reversal_id=reversal_id, rng=rng)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, action="append",
                        help="entries (repeatable; default 10000, 100000 and 1000000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--force", action="store_true", help="rewrite cached files")
    args = parser.parse_args(argv)
    for size in args.size or [10_000, 100_000, 1_000_000]:
        started = time.perf_counter()
        ds = generate(size, args.seed, args.out, args.force)
        manifest = json.loads(ds.manifest.read_text())
        print(f"{ds.directory}: {manifest['entries']} entries, {manifest['line_items']} line "
              f"items ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
