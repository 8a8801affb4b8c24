"""Pooled tables made once per build run, whichever use cases need them.

Two use cases whose policies keep the same columns of a table publish the same
files for it (the pan-London and equalities use cases both keep most of the CIN
census as it is), and pooling is a function of those files and the columns kept
alone. So within one :func:`~cld.pipeline.outputs.build.build_outputs` run, a
pooled table is made once for what it is made of (its content key,
:func:`~cld.pipeline.outputs.fingerprints.content_key`) and every other use case
whose table is made of exactly the same gets the same files (a hard link where
the file system allows, else a copy). A use case's outputs hold only what its
own published files hold: the key names every file's content.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from cld.pipeline.atomic import link_or_copy

Summary = TypeVar("Summary")


class PooledTableCache(Generic[Summary]):
    """The pooled tables made so far in one build run, by content key, kept (as
    links) in ``folder`` until :meth:`close`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / f"shared-{secrets.token_hex(4)}"
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._made: dict[str, tuple[list[Path], Summary]] = {}

    def table(
        self,
        key: str,
        targets: list[Path],
        make: Callable[[], Summary],
        *,
        wait: bool = True,
    ) -> Summary | None:
        """The table's summary, its ``targets`` files written: by ``make`` the
        first time ``key`` is asked for, linked from that table's files after.
        While another use case is making it, waits for it, or (``wait`` False)
        returns None at once."""
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        if not lock.acquire(blocking=wait):
            return None
        try:
            if key in self._made:
                sources, summary = self._made[key]
                for source, target in zip(sources, targets, strict=True):
                    link_or_copy(source, target)
                return summary
            summary = make()
            self.folder.mkdir(parents=True, exist_ok=True)
            kept = [self.folder / f"{key}-{n}{t.suffix}" for n, t in enumerate(targets)]
            for target, copy in zip(targets, kept, strict=True):
                link_or_copy(target, copy)
            self._made[key] = (kept, summary)
            return summary
        finally:
            lock.release()

    def close(self) -> None:
        """Remove the tables kept, and the staging folder when no other build
        is using it."""
        shutil.rmtree(self.folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.folder.parent.rmdir()
