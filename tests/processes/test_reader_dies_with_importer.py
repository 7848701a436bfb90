"""The import's reading process never outlives the importer (issue 14, item 6): killed by
SIGKILL, SIGTERM or SIGHUP, whether the reader is blocked on a full pipe or busy reading,
the importer's output reaches its end (``ledgercore import ... | cat`` ends) and no
process of the import is left."""

from __future__ import annotations

import select
import signal
import subprocess

import pytest

from ledgercore.providers.worker import can_fork
from tests.processes.helpers import alive, gone, python

pytestmark = pytest.mark.skipif(not can_fork(), reason="this platform cannot fork")

# A parent that reads one item from its reader, says the reader's pid and then waits to
# be killed. "blocked": the reader then fills the pipe and blocks writing to it; "busy":
# it computes (sleeps) between writes, never touching the pipe.
_PARENT = """
import multiprocessing, sys, time
from ledgercore.providers.worker import read_in_worker

def blocked():
    while True:
        yield b"x" * 100_000

def busy():
    yield b"x"
    time.sleep(600)
    yield b"y"

reading = read_in_worker(blocked if sys.argv[1] == "blocked" else busy)
next(reading)
print(multiprocessing.active_children()[0].pid, flush=True)
time.sleep(600)
"""


def _ends(stream: subprocess.Popen[str], within: float) -> bool:
    """Whether the process's stdout reaches end of file within `within` seconds."""
    assert stream.stdout is not None
    ready, _, _ = select.select([stream.stdout], [], [], within)
    return bool(ready) and stream.stdout.read() == ""


@pytest.mark.parametrize("reader", ["blocked", "busy"])
@pytest.mark.parametrize("signal_", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP])
def test_the_reader_dies_with_its_parent(reader: str, signal_: signal.Signals) -> None:
    parent = python(_PARENT, reader, stdout=subprocess.PIPE)
    assert parent.stdout is not None
    try:
        child = int(parent.stdout.readline())
        assert alive(child)
        parent.send_signal(signal_)
        parent.wait(10)
        assert gone([child]), f"the reader {child} outlived its parent"
        assert _ends(parent, 10), "the parent's stdout is held open"
    finally:
        parent.kill()
        parent.wait()
