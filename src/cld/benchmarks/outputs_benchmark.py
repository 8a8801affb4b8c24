"""``cld bench --outputs``: how long building every use case's outputs takes.

Generates SSDA903 and CIN census returns for ``las`` authorities × ``years``
collection years (timed apart), processes each authority's files in one session
with every use case signed (timed apart), then builds every output in a fresh
process — twice: the second build has nothing new to do and must keep the first.
The registry is the embedded SQLite one, whatever ``DATABASE_URL`` says.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cld.benchmarks.child_process import run_child
from cld.benchmarks.platform_setup import collection_years, open_platform
from cld.governance.authorities import authorities
from cld.pipeline.pseudonym_key import DEMO_KEY
from cld.pipeline.registry.database import dispose_engines
from cld.pipeline.session import process_files
from cld.synthetic.generate import write_synthetic

TARGET_SECONDS = 30.0
DATASETS = ("ssda903", "cin_census")


@dataclass(frozen=True)
class OutputsBenchResult:
    las: int
    years: int
    children: int
    files: int
    generate_seconds: float
    process_seconds: float
    outputs_seconds: float
    outputs_cpu_seconds: float
    outputs_peak_mib: float
    rows: int
    rebuild_seconds: float
    rebuild_unchanged: bool

    @property
    def target_met(self) -> bool:
        return self.outputs_seconds < TARGET_SECONDS

    def to_json(self) -> dict[str, Any]:
        return {
            "las": self.las,
            "years": self.years,
            "children": self.children,
            "files": self.files,
            "generate_seconds": round(self.generate_seconds, 3),
            "process_seconds": round(self.process_seconds, 3),
            "outputs_seconds": round(self.outputs_seconds, 3),
            "outputs_cpu_seconds": round(self.outputs_cpu_seconds, 3),
            "outputs_peak_mib": round(self.outputs_peak_mib, 1),
            "rows": self.rows,
            "rebuild_seconds": round(self.rebuild_seconds, 3),
            "rebuild_unchanged": self.rebuild_unchanged,
            "target_seconds": TARGET_SECONDS,
            "target_met": self.target_met,
        }


def run_outputs_benchmark(
    las: int,
    years: int,
    *,
    children: int = 300,
    seed: int = 0,
    workdir: Path | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> OutputsBenchResult:
    chosen = list(authorities())[:las]
    chosen_years = collection_years(years)
    folder = workdir or Path(tempfile.mkdtemp(prefix="cld-bench-outputs-"))
    try:
        progress(f"generating {las} authorities × {years} years")
        start = time.perf_counter()
        summary = write_synthetic(
            folder / "returns",
            chosen,
            chosen_years,
            children=children,
            seed=seed,
            messiness=0.0,
            datasets=DATASETS,
        )
        generated = time.perf_counter() - start
        area, registry = open_platform(folder / "platform", chosen)
        progress("processing every authority's files")
        start = time.perf_counter()
        for authority in chosen:
            paths = [p for p in summary.files if p.parent.name == authority.code]
            process_files(area, registry, authority, paths, by="bench", key=DEMO_KEY)
        processed = time.perf_counter() - start
        dispose_engines()
        progress("building every output (a fresh process)")
        first = run_child("cld.benchmarks.outputs_build", [str(area.root)])
        progress("building again with nothing new")
        second = run_child("cld.benchmarks.outputs_build", [str(area.root)])
    finally:
        if workdir is None:
            shutil.rmtree(folder, ignore_errors=True)
    return OutputsBenchResult(
        las=len(chosen),
        years=len(chosen_years),
        children=children,
        files=len(summary.files),
        generate_seconds=generated,
        process_seconds=processed,
        outputs_seconds=first["seconds"],
        outputs_cpu_seconds=first["cpu_seconds"],
        outputs_peak_mib=first["peak_mib"],
        rows=first["rows"],
        rebuild_seconds=second["seconds"],
        rebuild_unchanged=not any(second["rebuilt"].values()),
    )
