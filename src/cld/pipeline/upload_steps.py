"""The two steps of an upload that read its files, as run in a child process
(:func:`cld.pipeline.isolation.run_in_child`): identifying each file while the
upload is received, and the session that processes them. Each takes the
``report`` of its child first; neither touches the portal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cld.engine.errors import FileRejectedError, UnreadableFileError
from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.pipeline.data_area import open_data_area
from cld.pipeline.identify_files import Identity, identify_file
from cld.pipeline.isolation import Report
from cld.pipeline.registry import open_registry
from cld.pipeline.session import process_files
from cld.pipeline.session_status import SessionStatus


@dataclass(frozen=True)
class NotIdentified:
    """A file identification refused: why (naming no value of it), and whether
    it could not be read at all."""

    reason: str
    unreadable: bool


def identify_files(
    report: Report, files: Sequence[tuple[Path, str]]
) -> list[Identity | NotIdentified]:
    """What each ``(path, name as sent)`` is; ``report(i)`` before reading the
    ``i``-th, so a caller whose child died knows which file killed it."""
    found: list[Identity | NotIdentified] = []
    for number, (path, name) in enumerate(files):
        report(number)
        try:
            found.append(identify_file(path, name))
        except FileRejectedError as exc:
            found.append(NotIdentified(str(exc), isinstance(exc, UnreadableFileError)))
    return found


@dataclass(frozen=True)
class SessionJob:
    """One queued upload to process: where, for whom, which files, by whom."""

    data_dir: str
    la: str
    paths: tuple[Path, ...]
    by: str
    key: PseudonymKey
    session_id: str


def run_session(report: Report, job: SessionJob) -> SessionStatus:
    """Process ``job`` (``report(stage)`` as each stage begins); its status."""
    area = open_data_area(job.data_dir)
    registry = open_registry(area.registry_file)
    result = process_files(
        area,
        registry,
        registry.authority(job.la),
        list(job.paths),
        by=job.by,
        key=job.key,
        on_stage=report,
        session_id=job.session_id,
    )
    return result.status
