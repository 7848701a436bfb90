"""Reading a big payload in a second process while this one writes what was read.

Decoding and validating Layer JSON costs about as much per entry as posting it, and both
are Python work that one process does one after the other. `read_in_worker` runs a
reader (an iterator of batches) in a forked child process and hands its batches over a
pipe, so on two cores the file is read while the store writes. The pipe is the only
buffer: the child blocks while the parent is a batch behind, so memory stays flat.

The child is *forked*, never spawned: a spawned child would re-import the caller's
``__main__``, which a user's unguarded script does not survive. Forking is safe here
only in a process with one thread (a fork copies just the calling thread, and a lock
held by another would never be released in the child), so elsewhere, and where fork
does not exist, the reader runs in-process: the same batches, the same errors, in the
same order. The error that stops the reader (a `LedgerError` naming every problem of
the file) is raised by the parent exactly as the reader raised it.
"""

from __future__ import annotations

import gc
import multiprocessing
import threading
from collections.abc import Callable, Generator, Iterator
from multiprocessing.connection import Connection
from typing import TypeVar

from ledgercore.domain import LedgerError

T = TypeVar("T")

# Message kinds on the pipe.
_ITEM, _DONE, _ERROR = 0, 1, 2


class ReaderDied(LedgerError):
    """The reading process ended without finishing or saying why (killed, out of memory)."""

    code = "reader_died"


def can_fork() -> bool:
    """True where `read_in_worker` reads in a child process."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


def read_in_worker(read: Callable[[], Iterator[T]]) -> Generator[T, None, None]:
    """Yield what `read()` yields, computed in a forked child process when possible.

    Args:
        read: makes the iterator; called in the child (with fork) or here. Its items and
            the exception that ends it must pickle.

    Raises:
        Whatever `read()` raises, unchanged; ReaderDied if the child vanishes.
        Closing the generator early ends the child.
    """
    if not can_fork():
        yield from read()
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_produce, args=(read, sender), daemon=True,
                            name="ledgercore-reader")
    child.start()
    sender.close()  # the child holds the only writing end: its exit is our EOF
    try:
        while True:
            try:
                kind, value = receiver.recv()
            except EOFError:
                child.join()
                raise ReaderDied(f"the process reading the file ended with exit code "
                                 f"{child.exitcode} before finishing; nothing was written",
                                 exit_code=child.exitcode) from None
            if kind == _ITEM:
                yield value
            elif kind == _DONE:
                return
            else:
                raise value
    finally:
        receiver.close()
        if child.is_alive():  # the caller stopped early (its own error, or enough read)
            child.terminate()
        child.join()


def _produce(read: Callable[[], Iterator[T]], sender: Connection) -> None:
    # The child lives for one read and keeps little but the batch at hand, which the
    # cyclic collector would rescan again and again (a fifth of the reading time). A
    # child forked inside `Ledger.load` starts with it off already; others need this.
    gc.disable()
    try:
        for item in read():
            sender.send((_ITEM, item))
        sender.send((_DONE, None))
    except BaseException as error:  # the reader's error is the parent's to raise
        sender.send((_ERROR, error))
    finally:
        sender.close()
