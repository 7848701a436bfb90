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

The child never outlives the parent, however the parent ends (SIGKILL, SIGTERM, SIGHUP,
a crash): it closes its copy of the pipe's reading end, so a write to a pipe whose reader
is gone fails at once instead of blocking forever, and on Linux it asks the kernel for
SIGKILL when its parent dies (``PR_SET_PDEATHSIG``); a reader busy between writes is
caught by that signal. Otherwise an orphan would keep the file, the database handles and
the parent's stdout open: ``ledgercore import ... | cat`` would never end.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
import sys
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
    child = context.Process(target=_produce, args=(read, sender, receiver, os.getpid()),
                            daemon=True, name="ledgercore-reader")
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


# prctl(2) option: the signal the calling process gets when its parent dies.
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Make this (forked) process end when the process `parent` ends.

    On Linux the kernel sends SIGKILL at the parent's death; elsewhere the closed pipe
    ends the child at its next write. If the parent is already gone (it died between
    the fork and this call), the child ends now.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no usable libc: the closed pipe still works
            pass
    if os.getppid() != parent:
        os._exit(1)


def _produce(read: Callable[[], Iterator[T]], sender: Connection, receiver: Connection,
             parent: int) -> None:
    # The parent's end of the pipe, inherited by the fork: while the child held it open,
    # a write would block forever once the parent was gone (the pipe never breaks).
    receiver.close()
    die_with_parent(parent)
    # The child lives for one read and keeps little but the batch at hand, which the
    # cyclic collector would rescan again and again (a fifth of the reading time). A
    # child forked inside `Ledger.load` starts with it off already; others need this.
    gc.disable()
    try:
        for item in read():
            sender.send((_ITEM, item))
        sender.send((_DONE, None))
    except (BrokenPipeError, ConnectionResetError):
        os._exit(1)  # the parent is gone: nobody to tell, nothing to clean up
    except BaseException as error:  # the reader's error is the parent's to raise
        try:
            sender.send((_ERROR, error))
        except OSError:
            os._exit(1)
    finally:
        sender.close()
