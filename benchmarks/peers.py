"""The peers ledgercore is measured against: beancount 3, hledger and ledger 3.

Each peer answers the same question as ledgercore's balance report — every account's
activity over the report year — from its own text file, in a fresh process, as a user
would run it. This module installs the peers it can (beancount 3 from PyPI into a
private virtual environment under ``benchmarks/peers/``; hledger and ledger from Debian's
packages), says clearly which it skips and why, builds each peer's command, and reads each
peer's answer back as debit-signed cents per account so the runs can be checked against
the generator's own totals: the peers are timed on the same data, and proven to be.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

PEERS_DIR = Path(__file__).resolve().parent / "peers"
BEANCOUNT_VENV = PEERS_DIR / "venv"
BEANCOUNT_SCRIPT = Path(__file__).resolve().parent / "beancount_balances.py"


@dataclass(frozen=True, slots=True)
class Peer:
    """A peer tool ready to run: its name, version and how to ask it for balances."""

    name: str
    version: str
    executable: str

    def balance_command(self, beancount_file: Path, journal: Path, start: str,
                        end: str) -> list[str]:
        """The timed command: every account's balance over ``[start, end)``."""
        if self.name == "beancount":
            return [self.executable, str(BEANCOUNT_SCRIPT), str(beancount_file), start, end]
        return [self.executable, "-f", str(journal), "bal", "-b", start, "-e", end]

    def totals(self, beancount_file: Path, journal: Path, start: str,
               end: str) -> dict[str, int]:
        """Each leaf account's activity over ``[start, end)``, debit-signed cents."""
        if self.name == "beancount":
            out = _run(self.balance_command(beancount_file, journal, start, end))
            return {k: int(v) for k, v in json.loads(out).items()}
        flat = ["--flat"] if self.name == "ledger" else ["--flat", "--no-elide"]
        out = _run([*self.balance_command(beancount_file, journal, start, end), *flat,
                    "--no-total"])
        totals: dict[str, int] = {}
        for line in out.splitlines():
            match = _BALANCE_LINE.match(line)
            if match:
                amount, account = match.groups()
                totals[account] = _to_cents(amount.replace(",", ""))
        return totals


_BALANCE_LINE = re.compile(r"^\s*(-?[\d,]+\.\d{2}) USD\s+(\S+)\s*$")


def _to_cents(text: str) -> int:
    value = Decimal(text) * 100
    if value != value.to_integral_value():
        raise ValueError(f"{text} is not a whole number of cents")
    return int(value)


def _run(command: list[str]) -> str:
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return done.stdout


def _say(line: str) -> None:
    print(f"[peers] {line}", file=sys.stderr, flush=True)


def ensure_beancount(install: bool = True) -> Peer | None:
    """beancount 3 in ``benchmarks/peers/venv`` (installed from PyPI when missing)."""
    python = BEANCOUNT_VENV / "bin" / "python"
    probe = [str(python), "-c", "import beancount; print(beancount.__version__)"]
    if not python.exists() or subprocess.run(probe, capture_output=True).returncode != 0:
        if not install:
            _say("beancount: skipped (not installed; run without --no-install)")
            return None
        _say("beancount: installing beancount 3 from PyPI into benchmarks/peers/venv ...")
        try:
            venv.create(BEANCOUNT_VENV, with_pip=True, clear=True)
            subprocess.run([str(python), "-m", "pip", "install", "-q", "beancount>=3,<4"],
                           check=True, capture_output=True)
        except (subprocess.CalledProcessError, OSError) as exc:
            _say(f"beancount: skipped (pip install beancount failed: {exc})")
            return None
    version = _run(probe).strip()
    if not version.startswith("3."):
        _say(f"beancount: skipped (found {version}; the benchmark needs beancount 3)")
        return None
    return Peer("beancount", version, str(python))


def ensure_debian(names: tuple[str, ...] = ("hledger", "ledger"),
                  install: bool = True) -> dict[str, Peer | None]:
    """hledger and ledger from PATH, installed with apt-get when missing and allowed."""
    missing = [name for name in names if shutil.which(name) is None]
    if missing and install:
        if shutil.which("apt-get") is None or os.geteuid() != 0:
            _say(f"{', '.join(missing)}: cannot install (needs apt-get as root)")
        else:
            _say(f"installing {' '.join(missing)} from Debian's packages (apt-get) ...")
            update = subprocess.run(["apt-get", "update"], capture_output=True)
            got = subprocess.run(["apt-get", "install", "-y", *missing], capture_output=True,
                                 env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
            if update.returncode or got.returncode:
                _say(f"apt-get install {' '.join(missing)} failed: "
                     f"{got.stderr.decode(errors='replace').strip()[-300:]}")
    peers: dict[str, Peer | None] = {}
    for name in names:
        path = shutil.which(name)
        if path is None:
            _say(f"{name}: skipped (not installed)")
            peers[name] = None
            continue
        first = _run([path, "--version"]).splitlines()[0]
        peers[name] = Peer(name, first.strip(), path)
    return peers


def ensure_peers(install: bool = True) -> dict[str, Peer | None]:
    """Every peer, keyed by name; None for a peer that is skipped (a line says why)."""
    return {"beancount": ensure_beancount(install), **ensure_debian(install=install)}


if __name__ == "__main__":
    for peer_name, found in ensure_peers().items():
        print(f"{peer_name}: {found.version if found else 'skipped'}")
