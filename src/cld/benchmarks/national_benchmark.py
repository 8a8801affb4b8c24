"""``cld bench --national``: England's 153 authorities × 6 years, end to end.

1. Generate (timed apart, in ``workers`` processes) each authority's SSDA903 and
   CIN census returns for each year, sized as :mod:`cld.benchmarks.national_sizes`
   says (about 80,000 children looked after and 400,000 children in need a year
   over the 153; a sample of ``las`` keeps national sizes).
2. Make a data area with the embedded SQLite registry, add the synthetic
   authorities to it, sign every use case and approve every DPIA (timed apart).
3. Process: one session per authority and year, as boroughs upload them, in
   ``workers`` worker processes (:mod:`cld.benchmarks.national_worker`), an
   authority's years one after another in one worker, the largest authorities
   first. ``per_la_seconds`` is over the sessions; ``total_seconds`` is the wall
   time from starting the workers to the last session's end.
4. Build every use case's outputs in a fresh process
   (:mod:`cld.benchmarks.outputs_build`): ``outputs_seconds``.

``peak_mib`` is the largest peak resident memory of any worker or of the outputs
build. The targets are for the full run on a 2-core machine.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cld.benchmarks.child_process import run_child
from cld.benchmarks.national_data import AuthorityReturns, largest_first, write_returns
from cld.benchmarks.national_sizes import AuthoritySize, sample_sizes
from cld.benchmarks.national_worker import (
    SessionTiming,
    process_authority,
    start_worker,
)
from cld.benchmarks.platform_setup import collection_years, open_platform
from cld.pipeline.registry.database import dispose_engines

TARGET_PER_LA_SECONDS = 3.0
"""Median seconds of one authority's annual SSDA903 + CIN census session."""
TARGET_OUTPUTS_SECONDS = 120.0
"""Seconds to build every output of the nation from scratch."""
TARGET_PEAK_MIB = 2048.0
"""Peak memory of any one worker (and of the outputs build)."""
OUTPUTS_BUILD = "cld.benchmarks.outputs_build"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class NationalBenchResult:
    las: int
    years: tuple[int, ...]
    workers: int
    scale: float
    seed: int
    sizes: tuple[AuthoritySize, ...]
    files: int
    rows: int
    file_mib: float
    generate_seconds: float
    setup_seconds: float
    sessions: tuple[SessionTiming, ...]
    total_seconds: float
    outputs: dict[str, Any]
    """What the outputs build process measured (``outputs_build``)."""
    load: tuple[float, ...] = ()
    """The machine's 1-minute load average as processing began, as it ended and
    after the outputs build: about the number of workers when nothing else ran."""

    @property
    def session_seconds(self) -> list[float]:
        return [s.seconds for s in self.sessions]

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.session_seconds)

    @property
    def p95_seconds(self) -> float:
        return float(np.percentile(self.session_seconds, 95))

    @property
    def outputs_seconds(self) -> float:
        return float(self.outputs["seconds"])

    @property
    def worker_peak_mib(self) -> float:
        return max(s.peak_mib for s in self.sessions)

    @property
    def peak_mib(self) -> float:
        return max(self.worker_peak_mib, float(self.outputs["peak_mib"]))

    @property
    def stage_seconds(self) -> dict[str, float]:
        """Seconds spent in each part of a session, over every session."""
        total: dict[str, float] = {}
        for session in self.sessions:
            for name, seconds in session.stages.items():
                total[name] = total.get(name, 0.0) + seconds
        return total

    @property
    def met(self) -> dict[str, bool]:
        return {
            "per_la_median": self.median_seconds < TARGET_PER_LA_SECONDS,
            "outputs": self.outputs_seconds < TARGET_OUTPUTS_SECONDS,
            "peak_mib": self.peak_mib < TARGET_PEAK_MIB,
        }

    def to_json(self) -> dict[str, Any]:
        seconds = self.session_seconds
        cpu = [s.cpu_seconds for s in self.sessions]
        looked_after = [s.looked_after for s in self.sizes]
        in_need = [s.in_need for s in self.sizes]
        return {
            "las": self.las,
            "years": len(self.years),
            "per_la_seconds": {
                "median": round(self.median_seconds, 3),
                "p95": round(self.p95_seconds, 3),
                "mean": round(statistics.fmean(seconds), 3),
                "max": round(max(seconds), 3),
                "cpu_median": round(statistics.median(cpu), 3),
                "first_of_each_worker": [
                    round(s.seconds, 3) for s in self.sessions if s.first
                ],
            },
            "total_seconds": round(self.total_seconds, 3),
            "outputs_seconds": round(self.outputs_seconds, 3),
            "peak_mib": round(self.peak_mib, 1),
            "workers": self.workers,
            "scale": self.scale,
            "seed": self.seed,
            "collection_years": list(self.years),
            "sessions": len(self.sessions),
            "sessions_published": sum(s.status == "published" for s in self.sessions),
            "seconds_per_authority_year": round(
                self.total_seconds / (self.las * len(self.years)), 4
            ),
            "session_seconds_sum": round(sum(seconds), 3),
            "session_cpu_seconds_sum": round(sum(cpu), 3),
            "stage_seconds": {
                name: round(value, 3) for name, value in self.stage_seconds.items()
            },
            "children_looked_after": sum(looked_after),
            "children_in_need": sum(in_need),
            "authority_sizes": {
                "looked_after": _spread(looked_after),
                "in_need": _spread(in_need),
            },
            "files": self.files,
            "rows": self.rows,
            "file_mib": round(self.file_mib, 1),
            "generate_seconds": round(self.generate_seconds, 3),
            "setup_seconds": round(self.setup_seconds, 3),
            "worker_peak_mib": round(self.worker_peak_mib, 1),
            "outputs_peak_mib": round(float(self.outputs["peak_mib"]), 1),
            "outputs_cpu_seconds": round(float(self.outputs["cpu_seconds"]), 3),
            "outputs_rows": int(self.outputs["rows"]),
            "load_average": [round(x, 2) for x in self.load],
            "targets": {
                "per_la_median_seconds": TARGET_PER_LA_SECONDS,
                "outputs_seconds": TARGET_OUTPUTS_SECONDS,
                "peak_mib": TARGET_PEAK_MIB,
                "met": self.met,
            },
        }


def _spread(values: Sequence[int]) -> dict[str, float]:
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
    }


def _every_tenth(total: int, what: str, progress: Progress) -> Callable[[int], None]:
    """A callback that reports every tenth of ``total`` done."""
    step = max(1, total // 10)
    start = time.perf_counter()

    def done(count: int) -> None:
        if count % step == 0 or count == total:
            elapsed = time.perf_counter() - start
            progress(f"{what} {count} of {total} authorities ({elapsed:.0f} s)")

    return done


def process_everything(
    root: Path, returns: Sequence[AuthorityReturns], *, workers: int, progress: Progress
) -> tuple[list[SessionTiming], float]:
    """Every session in ``workers`` worker processes; the sessions' timings and
    the wall time from starting the workers to the end of the last session."""
    dispose_engines()  # nothing of the parent's registry connections in the workers
    context = multiprocessing.get_context("spawn")
    done = _every_tenth(len(returns), "processed", progress)
    by_la = {r.size.authority.code: r for r in returns}
    timings: list[SessionTiming] = []
    start = time.perf_counter()
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=start_worker,
        initargs=(str(root),),
    ) as pool:
        futures = [
            pool.submit(
                process_authority, size.authority, by_la[size.authority.code].files
            )
            for size in largest_first([r.size for r in returns])
        ]
        for count, future in enumerate(as_completed(futures), start=1):
            timings.extend(future.result())
            done(count)
    total = time.perf_counter() - start
    return sorted(timings, key=lambda t: (t.la, t.year)), total


def run_national_benchmark(
    las: int = 153,
    years: int = 6,
    *,
    workers: int = 2,
    scale: float = 1.0,
    seed: int = 0,
    workdir: Path | None = None,
    progress: Progress = lambda message: None,
) -> NationalBenchResult:
    sizes = sample_sizes(las, scale)
    chosen_years = collection_years(years)
    folder = workdir or Path(tempfile.mkdtemp(prefix="cld-bench-national-"))
    try:
        progress(
            f"generating {las} authorities × {years} years "
            f"({sum(s.looked_after for s in sizes):,} children looked after and "
            f"{sum(s.in_need for s in sizes):,} in need a year; {workers} workers)"
        )
        start = time.perf_counter()
        returns = write_returns(
            folder / "returns",
            sizes,
            chosen_years,
            seed=seed,
            workers=workers,
            on_done=_every_tenth(las, "generated", progress),
        )
        generated = time.perf_counter() - start
        progress("making the data area: every use case signed for every authority")
        start = time.perf_counter()
        area, _ = open_platform(folder / "platform", [s.authority for s in sizes])
        setup = time.perf_counter() - start
        progress(f"processing one session per authority and year ({workers} workers)")
        load = [os.getloadavg()[0]]
        sessions, total = process_everything(
            area.root, returns, workers=workers, progress=progress
        )
        load.append(os.getloadavg()[0])
        progress("building every output (a fresh process)")
        outputs = run_child(OUTPUTS_BUILD, [str(area.root)])
        load.append(os.getloadavg()[0])
    finally:
        if workdir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return NationalBenchResult(
        las=las,
        years=tuple(chosen_years),
        workers=workers,
        scale=scale,
        seed=seed,
        sizes=sizes,
        files=sum(len(paths) for r in returns for paths in r.files.values()),
        rows=sum(r.rows for r in returns),
        file_mib=sum(r.bytes for r in returns) / 2**20,
        generate_seconds=generated,
        setup_seconds=setup,
        sessions=tuple(sessions),
        total_seconds=total,
        outputs=outputs,
        load=tuple(load),
    )
