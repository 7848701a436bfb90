"""Reading in a second process changes nothing but where the work runs: the same batches in
the same order, the reader's error raised as it was raised, nothing written on failure,
no process left behind, and in-process reading wherever forking is unsafe."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest

from ledgercore import importing
from ledgercore.domain import InvalidEntry, LedgerError
from ledgercore.providers import ImportBatch, PayloadKind
from ledgercore.providers.worker import ReaderDied, can_fork, read_in_worker
from ledgercore.store import Ledger

EXAMPLES = Path(importing.__file__).parent / "examples"

pytestmark = pytest.mark.skipif(not can_fork(), reason="this platform or process cannot fork")


def _pids(count: int, fail_after: int | None = None) -> Iterator[tuple[int, int]]:
    for index in range(count):
        if index == fail_after:
            raise InvalidEntry("entry 7 is bad", path=f"$.data[{index}]", entry_id="7")
        yield index, os.getpid()


def test_items_arrive_in_order_from_another_process() -> None:
    items = list(read_in_worker(lambda: _pids(50)))
    assert [index for index, _ in items] == list(range(50))
    assert {pid for _, pid in items} != {os.getpid()} and len({pid for _, pid in items}) == 1


def test_the_readers_error_is_raised_after_the_items_before_it() -> None:
    seen = []
    with pytest.raises(InvalidEntry) as caught:
        for index, _ in read_in_worker(lambda: _pids(10, fail_after=3)):
            seen.append(index)
    assert seen == [0, 1, 2]
    assert (caught.value.code, caught.value.path, caught.value.entry_id) == (
        "invalid_entry", "$.data[3]", "7")


def test_a_reader_that_vanishes_is_reported() -> None:
    def dies() -> Iterator[int]:
        yield 1
        os._exit(3)

    with pytest.raises(ReaderDied) as caught:
        list(read_in_worker(dies))
    assert caught.value.code == "reader_died" and caught.value.exit_code == 3


def test_stopping_early_ends_the_child() -> None:
    before = {t.pid for t in _children()}
    reading = read_in_worker(lambda: _pids(10_000))
    assert next(reading)[0] == 0
    reading.close()
    assert {t.pid for t in _children()} == before


def _children() -> list[BaseProcess]:
    return [p for p in multiprocessing.active_children() if p.name == "ledgercore-reader"]


def test_with_another_thread_running_it_reads_in_process() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork()
        assert {pid for _, pid in read_in_worker(lambda: _pids(5))} == {os.getpid()}
    finally:
        stop.set()
        other.join()


@pytest.fixture
def in_worker_always(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "READ_IN_WORKER_BYTES", 0)


def _imported(url: str) -> Ledger:
    books = Ledger.open(url)
    importing.import_file(books, PayloadKind.LAYER_BALANCES, EXAMPLES / "layer_balances.json")
    importing.import_file(books, PayloadKind.LAYER_ENTRIES, EXAMPLES / "layer_entries.json")
    return books


def test_an_import_read_in_a_worker_equals_one_read_in_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _imported(f"sqlite:///{tmp_path / 'here.db'}") as here:
        expected = here.entries(limit=1000).entries
    monkeypatch.setattr(importing, "READ_IN_WORKER_BYTES", 0)
    with _imported(f"sqlite:///{tmp_path / 'worker.db'}") as there:
        assert there.entries(limit=1000).entries == expected and expected


@pytest.mark.usefixtures("in_worker_always")
def test_a_bad_file_read_in_a_worker_writes_nothing(tmp_path: Path) -> None:
    document = json.loads((EXAMPLES / "layer_entries.json").read_text())
    document["data"][-1]["line_items"][0]["amount"] += 1
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    with Ledger.open(f"sqlite:///{tmp_path / 'books.db'}") as books:
        importing.import_file(books, PayloadKind.LAYER_BALANCES,
                              EXAMPLES / "layer_balances.json")
        with pytest.raises(LedgerError) as caught:
            importing.import_file(books, PayloadKind.LAYER_ENTRIES, bad)
        assert caught.value.code == "unbalanced_entry"
        assert caught.value.path == f"$.data[{len(document['data']) - 1}].line_items"
        assert books.entries().entries == ()


@pytest.mark.usefixtures("in_worker_always")
def test_the_progress_bar_leaves_the_reader_free_to_fork(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forkable = []

    def spy(read: Callable[[], Iterator[ImportBatch]]) -> Iterator[ImportBatch]:
        forkable.append(can_fork())  # called inside the progress bar's context
        return read_in_worker(read)

    monkeypatch.setattr(importing, "read_in_worker", spy)
    with Ledger.open(f"sqlite:///{tmp_path / 'books.db'}") as books:
        importing.import_file(books, PayloadKind.LAYER_BALANCES,
                              EXAMPLES / "layer_balances.json")
        importing.import_file(books, PayloadKind.LAYER_ENTRIES,
                              EXAMPLES / "layer_entries.json", progress=True)
    assert forkable == [True]
