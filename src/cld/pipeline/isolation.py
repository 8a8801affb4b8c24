"""Reading uploaded files in a child process, so that a reader that dies takes
nothing else with it.

Uploads are hostile until read. The native readers (calamine, for workbooks)
can be made to abort the process that runs them by a crafted file; in the
portal that would be the server, for every authority. :func:`run_in_child`
runs a function in a child process started afresh (multiprocessing's ``spawn``:
nothing of the server's threads, locks or connections is inherited) and waits
for its answer. A child that dies without answering (aborted, killed, out of
memory) or that takes longer than allowed ends as
:class:`ReaderStoppedError`, a file that could not be read, never as the
caller's death. The function is named by reference (a module-level function),
runs with the caller's environment and ``sys.path``, and may send messages (its
progress) while it runs; its result and any exception it raises come back
pickled.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import pickle
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from cld.engine.errors import UnreadableFileError

T = TypeVar("T")
Report = Callable[[Any], None]
"""What a function run in a child calls to send a message to its caller."""

READER_STOPPED = "the file could not be read: the reader stopped unexpectedly"
_CONTEXT = multiprocessing.get_context("spawn")
_PR_SET_PDEATHSIG = 1
logger = logging.getLogger(__name__)


class ReaderStoppedError(UnreadableFileError):
    """The child reading a file died (or was stopped for taking too long)
    before it answered."""

    def __init__(self, message: str = READER_STOPPED) -> None:
        super().__init__(message)


class ChildFailedError(Exception):
    """An exception raised in the child that could not be sent back as it was:
    its class's name only (never its message, which may quote a file)."""


def run_in_child(
    function: Callable[..., T],
    *args: Any,
    on_message: Report | None = None,
    timeout: float | None = None,
) -> T:
    """``function(report, *args)`` run in a child process: its result, or the
    exception it raised; ``report(message)`` in the child calls
    ``on_message(message)`` here. :class:`ReaderStoppedError` when the child dies
    without answering or has not answered within ``timeout`` seconds (it is then
    killed)."""
    receiving, sending = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(
        target=_child_main, args=(sending, function, args, os.getpid()), daemon=True
    )
    child.start()
    sending.close()  # the child holds the only writing end: EOF when it dies
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not receiving.poll(left):
                logger.error(
                    "child %s took longer than %ss; stopped", child.pid, timeout
                )
                raise ReaderStoppedError()
            try:
                kind, value = receiving.recv()
            except EOFError:
                child.join()
                logger.error(
                    "child %s stopped unexpectedly (exit code %s)",
                    child.pid,
                    child.exitcode,
                )
                raise ReaderStoppedError() from None
            if kind == "message":
                if on_message is not None:
                    on_message(value)
            elif kind == "result":
                return value  # type: ignore[no-any-return]
            else:
                raise value
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()
        child.join()


def _die_with_parent(parent: int) -> None:
    """Be killed when the process that started this one dies (Linux's
    ``PR_SET_PDEATHSIG``): a server killed mid-session leaves no child finishing
    it unseen while the restarted server runs the upload again. Elsewhere, or
    where libc cannot be loaded, nothing is done."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:  # it died before the request was made
        os._exit(1)


def _child_main(
    connection: Connection,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    parent: int,
) -> None:
    _die_with_parent(parent)

    def report(message: Any) -> None:
        connection.send(("message", message))

    try:
        answer: tuple[str, Any] = ("result", function(report, *args))
    except Exception as exc:  # sent back to be raised in the caller
        answer = (
            "error",
            exc if _picklable(exc) else ChildFailedError(type(exc).__name__),
        )
    connection.send(answer)
    connection.close()


def _picklable(error: Exception) -> bool:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any failure means "send its name only"
        return False
    return True
