"""Real processes for the guarantees of docs/store.md ("Guarantees"): start them, kill
them, and see which of them are still alive."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import ledgercore

ROOT = Path(ledgercore.__file__).resolve().parents[1]


def python(code: str, *args: str, stdin: int | None = None, stdout: int | None = None,
           stderr: int | None = None) -> subprocess.Popen[str]:
    """`python -c code args...` with this checkout's ledgercore first on the path."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LEDGERCORE_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, text=True,
                            stdin=stdin, stdout=stdout, stderr=stderr)


def alive(pid: int) -> bool:
    """Whether process `pid` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def gone(pids: list[int], within: float = 10.0) -> bool:
    """Whether every process of `pids` has ended within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.02)
    return not any(alive(pid) for pid in pids)


def descendants(pid: int) -> list[int]:
    """The processes below `pid` (children, their children, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


# `ledgercore ARGS...` that waits until the instant argv[1] (time.time()) before it starts,
# its imports done: processes started one after the other then race from one instant.
CLI_AT = """
import sys, time
import ledgercore.importing
from ledgercore.cli import app
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
app(prog_name="ledgercore", args=sys.argv[2:])
"""


def layer_entries_file(path: Path, copies: range) -> int:
    """A Layer entries payload of the example's entries (reversals left out), once per
    copy number, each copy's ids suffixed with it; returns how many entries it holds."""
    import json

    example = json.loads((ROOT / "ledgercore" / "examples" / "layer_entries.json").read_text())
    plain = [e for e in example["data"] if e["reversal_id"] is None
             and e["reversal_of_id"] is None]
    data = []
    for copy in copies:
        for entry in plain:
            clone = json.loads(json.dumps(entry))
            clone["id"] = f"{entry['id']}-{copy}"
            for line in clone["line_items"]:
                line["id"] = f"{line['id']}-{copy}"
                line["entry_id"] = clone["id"]
            data.append(clone)
    path.write_text(json.dumps({"data": data, "meta": example.get("meta", {})}))
    return len(data)
