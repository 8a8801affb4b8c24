"""The drop zone: returns left in ``incoming/new/<LA>/`` (by a file transfer, the
API) wait there until a session processes them (the orchestrator's sensor starts
one per authority and dataset, :mod:`cld.orchestration`).

A file is waiting once its name is in the folder: a transfer should write it under
a hidden name (``.name``, skipped here) and rename it when complete. Each waiting
file is identified the way the portal identifies an upload
(:mod:`cld.pipeline.identify_files`) and checksummed, so a caller can tell the same
files from new ones. After its session has finished, a file is removed unless it
changed meanwhile (a newer copy arrived under the same name and still waits).

On an object-store data area the drop zone is in the store
(``s3://…/incoming/new/<LA>/``): listing it brings the mirror's copy up to date
first, and removing a processed file removes it from the store too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cld.engine.errors import FileRejectedError
from cld.pipeline.atomic import sha256_of
from cld.pipeline.data_area import DataArea
from cld.pipeline.identify_files import identify_file


@dataclass(frozen=True)
class WaitingFile:
    la: str
    path: Path
    size: int
    modified_ns: int
    """When it was last written: a file dropped again, even unchanged, is new."""
    sha256: str
    dataset: str | None
    """The return it is; None when it is not one the platform knows."""
    problem: str | None = None
    """Why it could not be identified (a reason, never a value from the file)."""

    @property
    def name(self) -> str:
        return self.path.name


def waiting_files(area: DataArea, la: str) -> list[WaitingFile]:
    """The files waiting in ``la``'s drop zone, by name."""
    folder = area.drop_zone(la)
    if area.remote is not None:
        area.remote.pull_folder(folder)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            found.append(_waiting(la, path))
        except FileNotFoundError:
            continue  # taken away while the folder was read
    return found


def _waiting(la: str, path: Path) -> WaitingFile:
    stat = path.stat()
    digest = sha256_of(path)
    try:
        dataset: str | None = identify_file(path, path.name).dataset
        problem = None
    except FileRejectedError as exc:
        dataset, problem = None, str(exc)
    return WaitingFile(
        la, path, stat.st_size, stat.st_mtime_ns, digest, dataset, problem
    )


def remove_processed(
    files: Iterable[WaitingFile], area: DataArea | None = None
) -> list[WaitingFile]:
    """Remove ``files`` from the drop zone (of ``area``, in its store too when it
    is on object storage), once their session has finished, and return those left
    because they changed since they were listed."""
    left = []
    for file in files:
        if not file.path.is_file():
            continue
        if sha256_of(file.path) != file.sha256:
            left.append(file)
            continue
        remote = area.remote if area is not None else None
        if remote is not None and not remote.delete_unchanged(file.path):
            left.append(file)
            continue
        file.path.unlink(missing_ok=True)
    return left
