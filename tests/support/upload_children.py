"""Steps for the portal's child processes in the tests (named by reference, so
the child imports this module; it never imports Django): ones that die as a
native reader aborting would, one that fails, one that waits for another."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cld.pipeline.isolation import Report
from cld.pipeline.upload_steps import SessionJob, identify_files, run_session

MARK = b"ABORT-THE-READER"
"""A file holding this kills the child that reads it."""
MEET = "CLD_TEST_MEET"
"""A folder where sessions that wait for each other leave their names."""


def identify_or_abort(report: Report, files: Sequence[tuple[Path, str]]) -> Any:
    """Identification, but a marked file aborts the child (SIGABRT)."""
    for number, (path, _) in enumerate(files):
        report(number)
        if MARK in path.read_bytes():
            os.abort()
    return identify_files(report, files)


def session_or_kill(report: Report, job: SessionJob) -> str:
    """The session, but the child is killed (SIGKILL) as it parses a marked
    file: its registry record is left running, its working copies on disk."""

    def stage(name: str) -> None:
        report(name)
        if name == "parse" and any(MARK in p.read_bytes() for p in job.paths):
            os.kill(os.getpid(), signal.SIGKILL)

    return run_session(stage, job)


def broken_session(report: Report, job: SessionJob) -> str:
    report("receive")
    report("identify")
    raise RuntimeError("a value from row 7 that must not be shown")


def session_meeting_another(report: Report, job: SessionJob) -> str:
    """The session, once another has started too (within a minute): fails when
    sessions run one at a time."""
    folder = Path(os.environ[MEET])
    (folder / job.session_id).touch()
    deadline = time.monotonic() + 60
    while len(list(folder.iterdir())) < 2:
        if time.monotonic() > deadline:
            raise RuntimeError("no other session ran at the same time")
        time.sleep(0.05)
    return run_session(report, job)


def whoami(report: Report, crash: bool) -> int:
    """The child's process id, after a message; ``crash`` aborts it instead."""
    report("started")
    if crash:
        os.abort()
    return os.getpid()


def refuse(report: Report) -> None:
    """A step that fails as a reader refusing a file does."""
    raise ValueError("not a return")


def environment_of(report: Report, name: str) -> str | None:
    """The value of the variable ``name`` in the child."""
    return os.environ.get(name)
