"""Overlapping imports by 8 real processes at once converge to what importing the same
files one after the other gives, with no crash (issue 14, item 3): on PostgreSQL the loser
of a race on an entry's or an account's id sees it "already present", as on SQLite."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from ledgercore.importing import import_file
from ledgercore.providers import PayloadKind
from ledgercore.store import Ledger
from tests.integration.conftest import unique_name
from tests.processes.helpers import CLI_AT, layer_entries_file, python

PROCESSES = 8
WINDOW = 6  # copies of the example per file; file k holds copies k .. k+WINDOW-1


def _files(tmp_path: Path) -> list[tuple[Path, int]]:
    files = []
    for index in range(PROCESSES):
        path = tmp_path / f"part{index}.json"
        files.append((path, layer_entries_file(path, range(index, index + WINDOW))))
    return files


def _import(url: str, ledger: str, path: Path, at: float) -> subprocess.Popen[str]:
    return python(CLI_AT, str(at), "--db", url, "--ledger", ledger, "import",
                  "layer-entries", str(path), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _figures(url: str, ledger: str) -> tuple[object, ...]:
    with Ledger.open(url, ledger=ledger) as book:
        page = book.entries(limit=10_000)
        return (sorted(e.id for e in page.entries), book.balances(), book.chart(),
                book.trial_balance().is_balanced())


def _converge(url: str, tmp_path: Path) -> None:
    files = _files(tmp_path)
    sequential = unique_name("sequential")
    with Ledger.open(url, ledger=sequential) as book:
        for path, _ in files:
            import_file(book, PayloadKind.LAYER_ENTRIES, path)
    racing = unique_name("racing")
    at = time.time() + 1.5  # every process started and its imports done
    runs = [_import(url, racing, path, at) for path, _ in files]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (stdout, stderr), (_, count) in zip(runs, outputs, files, strict=True):
        assert run.returncode == 0 and "Traceback" not in stderr, stderr
        posted, present = (int(stdout.split(" entries posted")[0].split()[-1]),
                           int(stdout.split(" already present")[0].split()[-1]))
        assert posted + present == count, stdout
    assert _figures(url, racing) == _figures(url, sequential)


def test_overlapping_imports_converge_on_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    _converge(sqlite_url, tmp_path)


def test_overlapping_imports_converge_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    _converge(pg_url, tmp_path)


# A process that posts a file's entries through the API (`Ledger.post`), one entry a
# transaction, at a given instant: a post racing an import of the same ids.
_POST_AT = """
import sys, time
from ledgercore.providers.layer_entries import read_layer_entries
from ledgercore.store import Ledger
batch = read_layer_entries(sys.argv[4])
time.sleep(max(0.0, float(sys.argv[1]) - time.time()))
with Ledger.open(sys.argv[2], ledger=sys.argv[3]) as book:
    book.define_accounts(batch.accounts)
    for entry in batch.entries:
        book.post([entry])
"""


def test_posts_racing_imports_of_the_same_ids_converge_on_postgresql(
        pg_url: str, tmp_path: Path) -> None:
    """Half the processes import overlapping files, half post the same entries one by
    one: every process ends with exit 0, and the books equal the sequential import's. A
    post that commits an id first makes the import find it "already present" (and the
    reverse), never a unique-key crash."""
    files = _files(tmp_path)
    sequential = unique_name("sequential")
    with Ledger.open(pg_url, ledger=sequential) as book:
        for path, _ in files:
            import_file(book, PayloadKind.LAYER_ENTRIES, path)
    racing = unique_name("racing")
    at = time.time() + 2.0
    runs = [_import(pg_url, racing, path, at) if index % 2 else
            python(_POST_AT, str(at), pg_url, racing, str(path),
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            for index, (path, _) in enumerate(files)]
    for run in runs:
        _, stderr = run.communicate(timeout=180)
        assert run.returncode == 0 and "Traceback" not in stderr, stderr
    assert _figures(pg_url, racing) == _figures(pg_url, sequential)
