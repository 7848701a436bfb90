"""A picture of an account's balance over time (`ledgercore chart`).

The series is exact: the account's rolled-up balance (it and its descendants, in its
normal sign) at the end of each column period, in integer minor units per commodity
(`balance_series`). Only the drawing converts to floats, because a plotting library
places points on a screen, not money in a ledger. matplotlib is an optional extra
(``pip install 'ledgercore[charts]'``), imported only when a chart is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ledgercore.domain import EntryFilter, Period, ReportingBasis
from ledgercore.domain.register import signs
from ledgercore.store import Ledger


class ChartsUnavailable(RuntimeError):
    """matplotlib is not installed."""


@dataclass(frozen=True, slots=True)
class BalancePoint:
    label: str
    at: Period
    balance: dict[str, int]  # commodity -> minor units, the account's normal sign


def balance_series(ledger: Ledger, account_id: str, columns: Sequence[Period],
                   labels: Sequence[str], entry_filter: EntryFilter,
                   basis: ReportingBasis) -> list[BalancePoint]:
    """The rolled-up balance of `account_id` at the end of each column."""
    sign = signs(ledger.chart(), account_id, descendants=True)
    out = []
    for column, label in zip(columns, labels, strict=True):
        own = ledger.balances(Period(None, column.end), entry_filter, list(sign), basis)
        total: dict[str, int] = {}
        for account, by_code in own.items():
            for code, balance in by_code.items():
                total[code] = total.get(code, 0) + sign[account] * balance.ending
        out.append(BalancePoint(label, column, total))
    return out


def draw(points: Sequence[BalancePoint], title: str, scales: dict[str, int],
         target: Path) -> None:
    """Write the series as a line chart (PNG or SVG, by `target`'s suffix).

    Raises:
        ChartsUnavailable: matplotlib is missing.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError as missing:
        raise ChartsUnavailable(str(missing)) from None
    figure, axes = pyplot.subplots(figsize=(9, 4.5))
    labels = [p.label for p in points]
    codes = sorted({code for p in points for code in p.balance})
    for code in codes:
        scale = 10 ** scales.get(code, 0)
        # Floats only here, to place points on the picture.
        axes.plot(labels, [p.balance.get(code, 0) / scale for p in points], marker="o",
                  label=code)
    axes.set_title(title)
    axes.grid(True, alpha=0.3)
    if codes:
        axes.legend()
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(target, format=target.suffix.lstrip(".").lower() or "png")
    pyplot.close(figure)
