"""Timing and the result table: medians of repeated runs, each row against its target.

A measurement is a list of samples (seconds, or a rate); its figure is the median, so one
slow run (a page-cache miss, a noisy neighbour) does not move it. Every row of the table
names what was measured, the figure, the issue's target for it and whether it is met;
a measurement that failed says "failed" and why, rather than disappearing.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

FAILED = "failed"


@dataclass(slots=True)
class Row:
    """One line of the result table."""

    section: str
    measure: str
    figure: str = FAILED
    target: str = ""
    met: str = ""
    note: str = ""


@dataclass(slots=True)
class Table:
    """The rows of one benchmark run, printed as one Markdown table."""

    rows: list[Row] = field(default_factory=list)

    def add(self, section: str, measure: str, figure: str = FAILED, target: str = "",
            met: bool | None = None, note: str = "") -> Row:
        verdict = "" if met is None else ("yes" if met else "NO")
        if figure == FAILED and target:
            verdict = "-"
        row = Row(section, measure, figure, target, verdict, note)
        self.rows.append(row)
        return row

    def render(self) -> str:
        header = ("#", "measurement", "figure", "target", "met", "note")
        cells = [header] + [(r.section, r.measure, r.figure, r.target, r.met, r.note)
                            for r in self.rows]
        widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
        lines = ["| " + " | ".join(c[i].ljust(widths[i]) for i in range(len(header))) + " |"
                 for c in cells]
        lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
        return "\n".join(lines)


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def seconds(value: float) -> str:
    """A duration in the unit a reader expects: ms below a second, s above."""
    if value < 1:
        return f"{value * 1000:.1f} ms" if value < 0.1 else f"{value * 1000:.0f} ms"
    return f"{value:.2f} s"


def rate(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}/s"


def time_process(command: list[str], runs: int, *, warmup: int = 1,
                 budget: float | None = None, cwd: Path | None = None) -> list[float]:
    """Wall-clock seconds of `runs` fresh processes running `command`.

    Args:
        command: the process to start; it must exit 0 (its output is discarded).
        runs: samples to keep.
        warmup: runs first, not kept (fills the OS page cache: "cold" means a fresh
            process, not a cold disk).
        budget: stop taking samples once this many seconds have been spent (at least
            one sample is kept).
        cwd: working directory.

    Raises:
        subprocess.CalledProcessError: the command failed.
    """
    spent = 0.0
    samples: list[float] = []
    for index in range(warmup + runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, cwd=cwd)
        elapsed = time.perf_counter() - started
        spent += elapsed
        if index >= warmup:
            samples.append(elapsed)
        if budget is not None and samples and spent + elapsed > budget:
            break
    return samples


def run_task(task: str, arguments: dict[str, object], *, timeout: float | None = None,
             ) -> dict[str, object]:
    """Run one `ledgercore_tasks.py` task in a child process and return its JSON answer.

    A child process keeps each measurement's memory (peak RSS) and imports its own, and
    a task that fails is answered ``{"failed": "why"}`` instead of stopping the run.
    """
    script = Path(__file__).resolve().parent / "ledgercore_tasks.py"
    done = subprocess.run([sys.executable, str(script), task, json.dumps(arguments)],
                          capture_output=True, text=True, timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"failed": f"task {task} failed: {tail[:200]}"}
    answer: dict[str, object] = json.loads(lines[-1])
    return answer

