"""`ledgercore demo`: the bundled examples imported, reported, verified, and what to run next.

Two ledgers of one database: ``layer-example`` (a Layer business, first quarter of 2024)
and ``alpaca-example`` (an Alpaca JIT ledger with journals). The Layer business issued
invoice 1001 on 15 January and was paid on 10 February, so January is where accrual and
cash basis part: the demo shows that month on both bases and names the accounts whose
figures differ. It ends with the exact commands to look further.
"""

from __future__ import annotations

import shlex
import sys
from datetime import date

from ledgercore import importing, reports
from ledgercore.cli import render
from ledgercore.cli.errors import refusals
from ledgercore.config import resolve_database_url
from ledgercore.domain import EndSemantics, EntryFilter, Period, ReportingBasis, format_fixed
from ledgercore.providers import PayloadKind
from ledgercore.store import Ledger

LAYER_LEDGER = "layer-example"
ALPACA_LEDGER = "alpaca-example"


def run(db: str | None) -> bool:
    """Run the demo on the database `db`; True when every verified figure agrees."""
    ok = True
    with refusals():
        with Ledger.open(db, ledger=LAYER_LEDGER) as layer:
            ok = _layer(layer) and ok
        with Ledger.open(db, ledger=ALPACA_LEDGER) as alpaca:
            ok = _alpaca(alpaca) and ok
    _next_steps(db)
    return ok


def _import(ledger: Ledger, files: tuple[tuple[PayloadKind, str], ...]) -> None:
    for kind, name in files:
        outcome = importing.import_file(ledger, kind, importing.EXAMPLES / name)
        render.plain(f"{name}: {outcome.summary()} (ledger {ledger.settings.name})")


def _layer(layer: Ledger) -> bool:
    _import(layer, ((PayloadKind.LAYER_BALANCES, "layer_balances.json"),
                    (PayloadKind.LAYER_ENTRIES, "layer_entries.json")))
    everything = EntryFilter()
    q1 = layer.period(date(2024, 1, 1), date(2024, 3, 31), end_semantics=EndSemantics.INCLUSIVE)
    render.balance_table(reports.balance_rows(layer, q1, everything, ReportingBasis.ACCRUAL),
                         q1, ReportingBasis.ACCRUAL)
    render.plain("")
    january = layer.period(date(2024, 1, 1), date(2024, 1, 31),
                           end_semantics=EndSemantics.INCLUSIVE)
    by_basis = {basis: reports.balance_rows(layer, january, everything, basis)
                for basis in ReportingBasis}
    render.plain("January 2024 on both bases: invoice 1001 was issued on 2024-01-15 and paid "
                 "on 2024-02-10, so accrual counts the sale in January and cash basis does "
                 "not yet.")
    for basis, rows in by_basis.items():
        render.balance_table(rows, january, basis)
        render.plain("")
    for line in _differences(by_basis[ReportingBasis.ACCRUAL], by_basis[ReportingBasis.CASH]):
        render.plain(line)
    report = importing.verify_layer_balances_file(
        layer, importing.EXAMPLES / "layer_balances.json", q1, ReportingBasis.ACCRUAL)
    render.verify_text(report, "Layer balances (Q1 2024)")
    from ledgercore.cli.statements import show_statements  # the statements' command module

    show_statements(layer, q1)  # income statement and balance sheet, both bases
    return report.ok


def _differences(accrual: list[reports.BalanceRow],
                 cash: list[reports.BalanceRow]) -> list[str]:
    """'account: accrual X, cash Y' for every account whose ending figure differs."""
    def endings(rows: list[reports.BalanceRow]) -> dict[tuple[str, str], reports.BalanceRow]:
        return {(row.account_id, row.commodity): row for row in rows}

    left, right = endings(accrual), endings(cash)
    lines = []
    for key in [*left, *(k for k in right if k not in left)]:
        a, c = left.get(key), right.get(key)
        shown = a or c
        assert shown is not None
        figures = [row.text("ending") if row else format_fixed(0, shown.scale)
                   for row in (a, c)]
        if figures[0] != figures[1]:
            lines.append(f"  {shown.name} ({shown.commodity}): accrual {figures[0]}, "
                         f"cash {figures[1]}")
    return ["Where the two bases differ at the end of January:", *lines] if lines else []


def _alpaca(alpaca: Ledger) -> bool:
    _import(alpaca, ((PayloadKind.ALPACA_JIT_BALANCES, "alpaca_jit_balances.json"),
                     (PayloadKind.ALPACA_JOURNALS, "alpaca_journals.json")))
    everything = Period()
    render.balance_table(reports.balance_rows(alpaca, everything, EntryFilter(),
                                              ReportingBasis.ACCRUAL),
                         everything, ReportingBasis.ACCRUAL)
    report = importing.verify_alpaca_jit_file(
        alpaca, importing.EXAMPLES / "alpaca_jit_balances.json")
    render.verify_text(report, "Alpaca JIT balances")
    return report.ok


def next_commands(db: str | None) -> list[str]:
    """The commands the demo suggests, runnable as printed (from the same directory)."""
    where = f" --db {shlex.quote(db)}" if db else ""
    layer = f"ledgercore{where} --ledger {LAYER_LEDGER}"
    example = shlex.quote(str(importing.EXAMPLES / "layer_balances.json"))
    return [
        f"ledgercore{where} ledgers",
        f"{layer} balances --start 2024-01-01 --end 2024-01-31 --end-inclusive --basis cash",
        f"{layer} entries --start 2024-01-01 --end 2024-02-01",
        f"{layer} verify layer-balances {example} --start 2024-01-01 --end 2024-04-01",
        f"ledgercore{where} --ledger {ALPACA_LEDGER} balances --format json",
    ]


def _next_steps(db: str | None) -> None:
    render.plain("")
    render.plain(f"The demo wrote two ledgers, {LAYER_LEDGER!r} and {ALPACA_LEDGER!r}, to "
                 f"{_shown(db)}. A command without --ledger reads the ledger 'default', "
                 f"which the demo does not write. Next, try:")
    # Written as is: a console would wrap a long command where a copy would break it.
    sys.stdout.write("".join(f"  {command}\n" for command in next_commands(db)))


def _shown(db: str | None) -> str:
    from sqlalchemy.engine import make_url

    return make_url(resolve_database_url(db)).render_as_string(hide_password=True)
