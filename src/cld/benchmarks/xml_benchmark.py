"""``cld bench --dataset cin_census``: reading a large XML return, against the floor.

A synthetic return of N children is made (timed apart), then measured in fresh
processes: a bare ``iterparse`` pass (:mod:`cld.benchmarks.xml_iterparse`, the
floor) and the reader plus the conform of every table
(:mod:`cld.benchmarks.xml_read`, validating as ``cld validate`` does). The targets:
at most 3× as long as the floor, and under 300 MiB at 200,000 children. A second
return of twice the children is measured the same way, to show that peak memory
is flat in the file's size: the reader holds one unit and one batch of the tables
at a time, spilling the rest to Parquet, and the tables are conformed one by one,
a slice at a time.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cld.benchmarks.child_process import run_child
from cld.engine.errors import UsageError
from cld.governance.authorities import authorities

ITERPARSE = "cld.benchmarks.xml_iterparse"
XML_READ = "cld.benchmarks.xml_read"
TARGET_RATIO = 3.0
"""The reader and conform may take at most this many times the bare pass."""
TARGET_CHILDREN = 200_000
TARGET_PEAK_MIB = 300.0
"""Peak memory of the read and conform of a return of :data:`TARGET_CHILDREN`
children must stay under this."""
TARGET_GROWTH_MIB = 5.0
"""Flat in the file's size: from N to 2N children the peak may grow by at most this
much per 100,000 children (what grows is a hash of each row's keys)."""

Writer = Callable[..., Any]


def _cin_writer() -> Writer:
    from cld.synthetic.cin_census import write_cin_census

    return write_cin_census


WRITERS: dict[str, Callable[[], Writer]] = {"cin_census": _cin_writer}
"""XML datasets with a benchmark, and how to write a large return of each."""


def bench_xml_file_name(dataset: str, year: int, children: int) -> str:
    return f"{dataset}_{year}_{children}_children_bench.xml"


@dataclass(frozen=True)
class Pass:
    """One measured process: wall and CPU seconds, and memory."""

    seconds: float
    cpu_seconds: float
    baseline_mib: float
    peak_mib: float

    @classmethod
    def median(cls, runs: Sequence[Pass]) -> Pass:
        return cls(
            seconds=statistics.median(r.seconds for r in runs),
            cpu_seconds=statistics.median(r.cpu_seconds for r in runs),
            baseline_mib=statistics.median(r.baseline_mib for r in runs),
            peak_mib=statistics.median(r.peak_mib for r in runs),
        )

    def to_json(self, rows: int) -> dict[str, float]:
        return {
            "seconds": self.seconds,
            "cpu_seconds": self.cpu_seconds,
            "rows_per_second": rows / max(self.seconds, 1e-9),
            "peak_mib": self.peak_mib,
            "baseline_mib": self.baseline_mib,
        }


def _pass(found: dict[str, Any]) -> Pass:
    return Pass(
        seconds=float(found["seconds"]),
        cpu_seconds=float(found["cpu_seconds"]),
        baseline_mib=float(found["baseline_mib"]),
        peak_mib=float(found["peak_mib"]),
    )


@dataclass(frozen=True)
class SizeResult:
    """The measurements of one return."""

    children: int
    rows: int
    """Rows of every table together (duplicated records included)."""
    elements: int
    file_mib: float
    generate_seconds: float
    tables: dict[str, int]
    issues: int
    bare: Pass
    read: Pass
    read_seconds: float
    conform_seconds: float
    read_peak_mib: float

    @property
    def ratio(self) -> float:
        return self.read.seconds / max(self.bare.seconds, 1e-9)

    @property
    def cpu_ratio(self) -> float:
        return self.read.cpu_seconds / max(self.bare.cpu_seconds, 1e-9)


@dataclass(frozen=True)
class XmlBenchResult:
    dataset: str
    year: int
    seed: int
    repeat: int
    full: SizeResult
    doubled: SizeResult
    """The same measured at twice the children."""
    target_ratio: float = TARGET_RATIO
    target_peak_mib: float = TARGET_PEAK_MIB

    @property
    def mib_per_100k_children(self) -> float:
        """How much more the read and conform's peak is per 100,000 more children."""
        extra = self.doubled.children - self.full.children
        if extra <= 0:
            return 0.0
        return (self.doubled.read.peak_mib - self.full.read.peak_mib) * 100_000 / extra

    @property
    def ratio_met(self) -> bool:
        return self.full.ratio <= self.target_ratio

    @property
    def flat_met(self) -> bool:
        return self.mib_per_100k_children <= TARGET_GROWTH_MIB

    @property
    def peak_met(self) -> bool:
        """Under the target at the target's size (a larger file is held to it too:
        memory must not grow with the file)."""
        return self.full.read.peak_mib < self.target_peak_mib

    def to_json(self) -> dict[str, Any]:
        """The object printed by ``cld bench --dataset … --json``."""
        full = self.full
        return {
            "dataset": self.dataset,
            "year": self.year,
            "seed": self.seed,
            "repeat": self.repeat,
            "children": full.children,
            "rows": full.rows,
            "elements": full.elements,
            "file_mib": full.file_mib,
            "generate_seconds": full.generate_seconds,
            "tables": dict(full.tables),
            "issues": full.issues,
            "bare_iterparse": full.bare.to_json(full.rows),
            "read_conform": {
                **full.read.to_json(full.rows),
                "read_seconds": full.read_seconds,
                "conform_seconds": full.conform_seconds,
                "read_peak_mib": full.read_peak_mib,
            },
            "ratio_to_bare": full.ratio,
            "cpu_ratio_to_bare": full.cpu_ratio,
            "target_ratio": self.target_ratio,
            "ratio_met": self.ratio_met,
            "target_peak_mib": self.target_peak_mib,
            "peak_met": self.peak_met,
            "memory": {
                "children": [full.children, self.doubled.children],
                "file_mib": [full.file_mib, self.doubled.file_mib],
                "read_conform_peak_mib": [
                    full.read.peak_mib,
                    self.doubled.read.peak_mib,
                ],
                "bare_iterparse_peak_mib": [
                    full.bare.peak_mib,
                    self.doubled.bare.peak_mib,
                ],
                "mib_per_100k_children": self.mib_per_100k_children,
                "target_mib_per_100k_children": TARGET_GROWTH_MIB,
                "flat_met": self.flat_met,
            },
        }


def run_xml_benchmark(
    dataset: str,
    children: int,
    *,
    year: int = 2024,
    seed: int = 0,
    repeat: int = 1,
    workdir: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> XmlBenchResult:
    """Make returns of ``children`` and twice as many children, then measure
    each ``repeat`` times (medians). Files go in ``workdir`` (kept) or a temporary
    folder (removed)."""
    if dataset not in WRITERS:
        raise UsageError(
            f"no XML benchmark for {dataset!r}; known: {', '.join(sorted(WRITERS))}"
        )
    if children < 1:
        raise UsageError(f"children must be 1 or more, not {children}")
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        return _run(workdir, dataset, children, year, seed, repeat, progress)
    with tempfile.TemporaryDirectory(prefix="cld-bench-") as folder:
        return _run(Path(folder), dataset, children, year, seed, repeat, progress)


def _run(
    folder: Path,
    dataset: str,
    children: int,
    year: int,
    seed: int,
    repeat: int,
    progress: Callable[[str], None],
) -> XmlBenchResult:
    sizes = [children, 2 * children]
    measured = [
        _measure_size(folder, dataset, size, year, seed, repeat, progress)
        for size in sizes
    ]
    return XmlBenchResult(
        dataset=dataset,
        year=year,
        seed=seed,
        repeat=repeat,
        full=measured[0],
        doubled=measured[1],
    )


def _measure_size(
    folder: Path,
    dataset: str,
    children: int,
    year: int,
    seed: int,
    repeat: int,
    progress: Callable[[str], None],
) -> SizeResult:
    path = folder / bench_xml_file_name(dataset, year, children)
    progress(f"generating a {dataset} return of {children:,} children in {path}")
    start = time.perf_counter()
    WRITERS[dataset]()(path, authorities()[0], year, children=children, seed=seed)
    generate_seconds = time.perf_counter() - start
    bares: list[Pass] = []
    reads: list[Pass] = []
    steps: list[tuple[float, float, float]] = []
    found: dict[str, Any] = {}
    elements = 0
    for run in range(1, repeat + 1):
        of = f" (run {run} of {repeat})" if repeat > 1 else ""
        progress(f"measuring the bare iterparse of {children:,} children{of}")
        bare = run_child(ITERPARSE, [str(path)])
        elements = int(bare["elements"])
        bares.append(_pass(bare))
        progress(f"measuring the read and conform of {children:,} children{of}")
        found = run_child(
            XML_READ, [str(path), "--dataset", dataset, "--year", str(year)]
        )
        reads.append(_pass(found))
        steps.append(
            (
                float(found["read_seconds"]),
                float(found["conform_seconds"]),
                float(found["read_peak_mib"]),
            )
        )
    return SizeResult(
        children=children,
        rows=int(found["rows"]),
        elements=elements,
        file_mib=path.stat().st_size / 2**20,
        generate_seconds=generate_seconds,
        tables={str(k): int(v) for k, v in found["tables"].items()},
        issues=int(found["issues"]),
        bare=Pass.median(bares),
        read=Pass.median(reads),
        read_seconds=statistics.median(step[0] for step in steps),
        conform_seconds=statistics.median(step[1] for step in steps),
        read_peak_mib=statistics.median(step[2] for step in steps),
    )
