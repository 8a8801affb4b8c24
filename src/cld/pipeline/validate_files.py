"""Validate files on disk: the I/O around :func:`cld.engine.validate.validate_bytes`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from cld.engine.validate import FileReport, validate_bytes


def validate_path(path: Path, *, year: int | None = None) -> FileReport:
    """The report for one file; a file that cannot be opened gets ``error``."""
    if not path.exists():
        return FileReport(file=str(path), error="no such file")
    if path.is_dir():
        return FileReport(file=str(path), error="this is a folder, not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        return FileReport(file=str(path), error=f"could not be opened: {exc.strerror}")
    return validate_bytes(
        path.name,
        data,
        year=year,
        folder=path.parent.name or None,
        display_name=str(path),
    )


def validate_paths(
    paths: Iterable[Path], *, year: int | None = None
) -> Iterator[FileReport]:
    for path in paths:
        yield validate_path(path, year=year)
