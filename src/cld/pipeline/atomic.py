"""Writing files so that a crash leaves the old file or the new one, never half.

Everything the platform stores is written to a temporary name in the target's own
folder (so the rename stays on one file system) and then renamed onto the target.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 20


def temporary_beside(target: Path) -> Path:
    """A new empty file in ``target``'s folder (made if need be), named after it,
    to be written and then renamed onto it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
    )
    os.close(handle)
    return Path(name)


def write_atomically(target: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write`` with a temporary path beside ``target``, then rename it onto
    ``target``; on any failure the temporary file is removed and ``target`` is as
    it was."""
    temporary = temporary_beside(target)
    try:
        write(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


def point_link(link: Path, target: Path) -> None:
    """Make ``link`` a symbolic link to ``target`` with one rename: a reader sees
    the old target or the new one, never neither."""
    pending = link.parent / f".{link.name}.{target.name}.link"
    pending.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, link.parent), pending)
    os.replace(pending, link)


def link_or_copy(source: Path, target: Path) -> Path:
    """Put ``source``'s file at ``target`` (its folder made if need be; a file
    there replaced): a hard link, so no byte is copied, or a copy where the file
    system refuses one (another file system, links not allowed). The one way the
    platform puts a file it already has in a second place (a snapshot's unchanged
    files, a pooled table another use case made, a mirror's unchanged file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def write_bytes_atomically(target: Path, data: bytes) -> Path:
    def write(path: Path) -> None:
        path.write_bytes(data)

    return write_atomically(target, write)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def copy_stream(source: BinaryIO, target: Path, *, limit: int) -> tuple[int, str]:
    """Copy ``source`` to ``target`` in chunks, refusing more than ``limit`` bytes;
    returns (size, sha256). Raises :class:`OverflowError` past the limit (the
    partial copy is removed)."""
    digest = hashlib.sha256()
    size = 0

    def write(path: Path) -> None:
        nonlocal size
        with path.open("wb") as out:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                size += len(chunk)
                if size > limit:
                    raise OverflowError(size)
                digest.update(chunk)
                out.write(chunk)

    write_atomically(target, write)
    return size, digest.hexdigest()
