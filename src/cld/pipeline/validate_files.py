"""Validate files on disk: the I/O around `cld.engine.validate.validate_source`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from cld.engine.source import SNIFF_BYTES
from cld.engine.validate import FileReport, Lap, ValidateOptions, validate_source


class FileSource:
    """A file on disk, read whole or streamed (XML) as the reader needs."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._size = path.stat().st_size

    @property
    def size(self) -> int:
        return self._size

    def head(self, n: int = SNIFF_BYTES) -> bytes:
        with self._path.open("rb") as stream:
            return stream.read(n)

    def read(self) -> bytes:
        return self._path.read_bytes()

    def open(self) -> BinaryIO:
        return self._path.open("rb")


def validate_path(
    path: Path,
    options: ValidateOptions | None = None,
    *,
    max_bytes: int | None = None,
    on_stage: Lap | None = None,
) -> FileReport:
    """The report for one file; a file that cannot be opened gets ``error``.

    The name of the folder the file is in is given to identification unless
    ``options`` names one.
    """
    if not path.exists():
        return FileReport(file=str(path), error="no such file")
    if path.is_dir():
        return FileReport(file=str(path), error="this is a folder, not a file")
    options = options or ValidateOptions()
    if options.folder is None:
        options = replace(options, folder=path.parent.name or None)
    try:
        return validate_source(
            path.name,
            FileSource(path),
            options,
            display_name=str(path),
            max_bytes=max_bytes,
            on_stage=on_stage,
        )
    except OSError as exc:
        return FileReport(file=str(path), error=f"could not be opened: {exc.strerror}")
