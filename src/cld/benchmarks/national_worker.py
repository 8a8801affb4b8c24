"""A worker process of ``cld bench --national``: it processes authorities' uploads.

Each worker (a fresh interpreter: ``spawn``) opens the benchmark's data area and
its embedded SQLite registry once, then for each authority it is given runs one
session per collection year, oldest first, as the authority uploads them: its
SSDA903 tables and CIN census file through :func:`cld.pipeline.session.
process_files`. Workers write to the one registry at once; SQLite lets one writer
in at a time and the registry waits for the lock (``busy_timeout``), so a session
may wait a little for another's write: that is part of its time.

Each session's wall and CPU time, the worker's peak memory after it, and the time
between the stage hooks the session calls are sent back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cld.benchmarks.memory import peak_mib
from cld.benchmarks.platform_setup import BY
from cld.governance.authorities import Authority
from cld.pipeline.data_area import DataArea
from cld.pipeline.pseudonym_key import DEMO_KEY
from cld.pipeline.registry import Registry, open_registry
from cld.pipeline.session import process_files

SPANS = {
    "start": "registry (start)",
    "receive": "receive",
    "identify": "read",
    "parse": "conform",
    "conform": "read",
    "minimise": "minimise",
    "enrich": "enrich",
    "pseudonymise": "pseudonymise",
    "archive": "archive",
    "publish": "publish",
    "switch": "switch and registry (finish)",
}
"""What the time after each stage hook is spent on. The validate calls ``parse``
once a file is read and ``conform`` once it is conformed, so the time after
``identify`` or ``conform`` is reading the next file and the time after ``parse``
is conforming it. A name not listed is its own label."""


@dataclass(frozen=True)
class SessionTiming:
    la: str
    year: int
    seconds: float
    cpu_seconds: float
    peak_mib: float
    """The worker's peak memory after the session."""
    status: str
    stages: dict[str, float] = field(default_factory=dict)
    worker: int = 0
    """The worker's process id."""
    first: bool = False
    """Whether it was the worker's first session (it reads the schemas and the
    postcode directory, which later sessions find in memory)."""


class StageClock:
    """Adds up the time between one stage hook and the next, by :data:`SPANS`."""

    def __init__(self) -> None:
        self.spans: dict[str, float] = {}
        self._label = SPANS["start"]
        self._since = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.spans[self._label] = self.spans.get(self._label, 0.0) + now - self._since
        self._label, self._since = SPANS.get(stage, stage), now

    def stop(self) -> dict[str, float]:
        self.lap("")
        self.spans.pop("", None)
        return self.spans


@dataclass
class _Platform:
    area: DataArea
    registry: Registry
    sessions: int = 0


_platform: _Platform | None = None


def start_worker(root: str) -> None:
    """Open the data area ``root`` and its registry (the pool's initializer)."""
    global _platform
    area = DataArea(Path(root))
    _platform = _Platform(area, open_registry(area.registry_file, embedded=True))


def process_authority(
    authority: Authority, files: Mapping[int, tuple[Path, ...]]
) -> list[SessionTiming]:
    """One session a year for ``authority``, oldest year first."""
    if _platform is None:
        raise RuntimeError("start_worker was not called in this process")
    timings = []
    for year in sorted(files):
        clock = StageClock()
        start, cpu = time.perf_counter(), time.process_time()
        result = process_files(
            _platform.area,
            _platform.registry,
            authority,
            files[year],
            by=BY,
            key=DEMO_KEY,
            on_stage=clock.lap,
        )
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        timings.append(
            SessionTiming(
                la=authority.code,
                year=year,
                seconds=seconds,
                cpu_seconds=cpu_seconds,
                peak_mib=peak_mib(),
                status=result.status,
                stages=clock.stop(),
                worker=os.getpid(),
                first=_platform.sessions == 0,
            )
        )
        _platform.sessions += 1
    return timings
