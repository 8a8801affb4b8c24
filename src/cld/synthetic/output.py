"""Writing files as uploads: CSV bytes, written atomically (temporary name, then
rename), so a reader never sees half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import polars as pl


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """``frame`` as CSV: header row, blank cells for nulls, no index."""
    return frame.write_csv().encode("utf-8")


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file to write ``path``'s bytes to: a temporary file in the same folder,
    renamed to ``path`` once the block ends, removed if it fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    with atomic_file(path) as out:
        out.write(data)


def write_frames_atomic(path: Path, frames: Iterable[pl.DataFrame]) -> int:
    """Write ``frames`` one after another as one CSV (one header row) to ``path``,
    atomically, holding one frame in memory at a time; return the data rows."""
    rows = 0
    with atomic_file(path) as out:
        for frame in frames:
            frame.write_csv(out, include_header=rows == 0)
            rows += frame.height
    return rows
