"""Keeping a published snapshot readable while someone reads it.

A switch (:func:`cld.pipeline.publish.switch_snapshot`) replaces the snapshot a
link points to (``current/<LA>``, ``outputs/<use case>``); the old one is then
*retired*. A reader that resolved the link a moment before — an outputs build
reading every authority's tables, a portal page listing them — must not find its
files gone, so a reader *holds* the snapshot while it reads (:func:`held`): a
shared ``flock`` on a lease file beside it, ``.<snapshot>.lease``. Retiring takes
the exclusive lock without waiting: it removes the snapshot only when no reader
holds it, and otherwise leaves it to the last reader to let go (or to the next
change of the link, :func:`sweep`). The operating system drops the locks of a
process that ends, however it ends, so a crashed reader never keeps a snapshot.

A snapshot is removed by renaming it to a hidden name first (while the exclusive
lock is held) and deleting that; a reader that resolved the link just before
finds the snapshot either whole or gone, and when it is gone resolves the link
again.

Whoever changes a link's snapshots (a switch, a mirror's pull, tidying) holds the
link's switch lock, ``.<link>.switch.lock`` beside the link (:func:`switching`),
so that tidying never takes a snapshot another is about to switch to for a
leftover. Opening the data area tidies every link whose switch lock is free
(:func:`tidy`): a snapshot whose reader died holding it goes then at the latest.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from cld.engine.errors import UsageError

LEASE = ".lease"
REMOVING = ".removing"
SWITCH_LOCK = ".switch.lock"
READ_ONLY = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
"""Why a lock file may not be opened for writing: an area mounted read-only, or
one this process may only read (an auditor's ``cld sessions verify``)."""
TRIES = 20
"""Times a reader resolves a link again when the snapshot went away in between
(each time a newer one replaced it)."""


def lease_path(snapshot: Path) -> Path:
    """The lease file of ``snapshot``, beside it."""
    return snapshot.parent / f".{snapshot.name}{LEASE}"


def linked(link: Path) -> Path | None:
    """The absolute folder ``link`` points to, if it is a link."""
    return link.resolve() if link.is_symlink() else None


def _open_lease(snapshot: Path) -> IO[bytes] | None:
    """The lease file, opened (made if need be); None where the area is
    read-only to this process and has none (it then reads unprotected)."""
    path = lease_path(snapshot)
    try:
        return path.open("ab")
    except FileNotFoundError:
        raise
    except OSError as exc:
        if exc.errno not in READ_ONLY:
            raise
        try:
            return path.open("rb")
        except OSError:
            return None


@contextmanager
def held(link: Path) -> Iterator[Path | None]:
    """The snapshot ``link`` points to (None when it is not a link), which no
    switch removes until the block ends."""
    snapshot: Path | None = None
    handle: IO[bytes] | None = None
    for _ in range(TRIES):
        snapshot = linked(link)
        if snapshot is None:
            break
        try:
            handle = _open_lease(snapshot)
        except FileNotFoundError:  # its folder went with it: look again
            continue
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_SH)
        if snapshot.is_dir():
            break
        if handle is not None:  # removed before the lease was taken
            handle.close()
            handle = None
    else:
        raise UsageError(
            f"{link} points to {snapshot}, which is missing; the data area is "
            "damaged (see docs/data-area.md, backing up and restoring)"
        )
    try:
        yield snapshot
    finally:
        if handle is not None:
            handle.close()  # closing drops the lock
            if snapshot is not None and linked(link) != snapshot:
                retire(snapshot)  # replaced while it was read: this was the last


def retire(snapshot: Path) -> bool:
    """Remove ``snapshot`` (no longer what any link points to) unless a reader
    holds it; True when it is gone."""
    try:
        handle = lease_path(snapshot).open("ab")
    except FileNotFoundError:  # the folder it was in is gone
        return True
    doomed: Path | None = None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its last reader removes it
        if snapshot.is_dir():
            doomed = snapshot.parent / f".{snapshot.name}.{secrets.token_hex(3)}"
            doomed = doomed.with_name(doomed.name + REMOVING)
            os.rename(snapshot, doomed)
        lease_path(snapshot).unlink(missing_ok=True)
    if doomed is not None:
        shutil.rmtree(doomed, ignore_errors=True)
    return True


@contextmanager
def switching(link: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold the right to change ``link``'s snapshots (True), or, when ``wait``
    is false and another holds it, False at once."""
    path = link.parent / f".{link.name}{SWITCH_LOCK}"
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        handle = path.open("ab")
    except OSError as exc:
        if wait or exc.errno not in READ_ONLY:
            raise
        yield False  # an area this process may only read: nothing to tidy
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tidy(link: Path, snapshots: Path) -> None:
    """:func:`sweep` ``link``'s snapshots unless a change of it is under way."""
    with switching(link, wait=False) as mine:
        if mine and snapshots.is_dir():
            sweep(snapshots, linked(link))


def sweep(snapshots: Path, keep: Path | None) -> None:
    """Tidy the folder of a link's snapshots (the caller holds
    :func:`switching`): retire every snapshot but ``keep`` (one a reader holds
    is left to it), remove what a crashed change was building and what a crashed
    removal left, and drop lease files of snapshots that are gone."""
    for entry in sorted(snapshots.iterdir()):
        name = entry.name
        if name.endswith(LEASE) and name.startswith("."):
            if not (snapshots / name[1 : -len(LEASE)]).is_dir():
                _drop_lease(entry)
        elif name.startswith("."):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        elif keep is None or entry.resolve() != keep:
            retire(entry)


def _drop_lease(lease: Path) -> None:
    """Remove the lease file of a snapshot that is gone (a reader that came too
    late made it), unless someone still has it locked."""
    with lease.open("ab") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        lease.unlink(missing_ok=True)
