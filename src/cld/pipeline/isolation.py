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
import queue
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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
    reuse: bool = False,
) -> T:
    """``function(report, *args)`` run in a child process: its result, or the
    exception it raised; ``report(message)`` in the child calls
    ``on_message(message)`` here. :class:`ReaderStoppedError` when the child dies
    without answering or has not answered within ``timeout`` seconds (it is then
    killed).

    With ``reuse`` the child is one kept warm for calls like this one (started
    once, :data:`WARM_CALLS` calls at most): a short step such as identifying a
    file then costs no process start-up (about a second of CPU, importing the
    readers). A warm child that dies or overruns is killed and never used again;
    one that answers goes back to the pool."""
    child = _warm_child() if reuse else _Child.start(_child_main)
    deadline = None if timeout is None else time.monotonic() + timeout
    finished = False
    try:
        try:
            child.connection.send((function, args, dict(os.environ)))
        except OSError:  # a warm child that died idle: another takes the call
            child.stop()
            child = _Child.start(_child_main)
            reuse = False
            child.connection.send((function, args, dict(os.environ)))
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not child.connection.poll(left):
                logger.error(
                    "child %s took longer than %ss; stopped", child.process.pid, timeout
                )
                raise ReaderStoppedError()
            try:
                kind, value = child.connection.recv()
            except EOFError:
                child.process.join()
                logger.error(
                    "child %s stopped unexpectedly (exit code %s)",
                    child.process.pid,
                    child.process.exitcode,
                )
                raise ReaderStoppedError() from None
            if kind == "message":
                if on_message is not None:
                    on_message(value)
                continue
            finished = True
            if kind == "result":
                return value  # type: ignore[no-any-return]
            raise value
    finally:
        child.calls += 1
        if reuse and finished and child.calls < WARM_CALLS:
            _WARM.put(child)
        else:
            child.stop()


WARM_CALLS = 100
"""Calls a warm child serves before it is replaced (whatever the files it read
left behind in it goes with it)."""


@dataclass(eq=False)
class _Child:
    """A child process and the two-way pipe it takes calls on."""

    process: Any
    connection: Connection
    calls: int = 0

    @classmethod
    def start(cls, main: Callable[..., None]) -> _Child:
        here, there = _CONTEXT.Pipe(duplex=True)
        process = _CONTEXT.Process(target=main, args=(there, os.getpid()), daemon=True)
        process.start()
        there.close()  # the child holds the only other end: EOF when it dies
        return cls(process, here)

    def stop(self) -> None:
        self.connection.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


_WARM: queue.SimpleQueue[_Child] = queue.SimpleQueue()
_KEEPER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cld-warm-children")
"""Warm children are started from this one thread, which lives as long as the
process: a child dies with the thread that started it (``PR_SET_PDEATHSIG``),
and a request's thread may end before the child does."""


def _warm_child() -> _Child:
    """An idle warm child, or a new one."""
    while True:
        try:
            child = _WARM.get_nowait()
        except queue.Empty:
            return _KEEPER.submit(_Child.start, _warm_main).result()
        if child.process.is_alive():
            return child
        child.stop()


def warm_up(count: int = 1) -> None:
    """Start ``count`` warm children ahead of the first call (a server's start)."""
    for _ in range(count):
        _WARM.put(_KEEPER.submit(_Child.start, _warm_main).result())


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


def _child_main(connection: Connection, parent: int) -> None:
    """A fresh child: one call, then it ends."""
    _die_with_parent(parent)
    _answer(connection, *connection.recv())
    connection.close()


def _warm_main(connection: Connection, parent: int) -> None:
    """A warm child: calls one after another until its pipe closes."""
    _die_with_parent(parent)
    while True:
        try:
            call = connection.recv()
        except EOFError:
            return
        _answer(connection, *call)


def _answer(
    connection: Connection,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    environment: dict[str, str],
) -> None:
    """Run one call under the caller's environment as it is now (a warm child
    was started under an earlier one) and send its answer."""
    os.environ.clear()
    os.environ.update(environment)

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


def _picklable(error: Exception) -> bool:
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - any failure means "send its name only"
        return False
    return True
