"""Run ``cld bench``: make the synthetic file, then measure each process."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cld.benchmarks.child_process import run_child
from cld.benchmarks.results import BenchResult, PolarsRead, Validate
from cld.synthetic.bench_data import write_benchmark_episodes

POLARS_READ = "cld.benchmarks.polars_read"
VALIDATE = "cld.benchmarks.validate_stages"


def bench_file_name(year: int) -> str:
    return f"ssda903_{year}_episodes_bench.csv"


def run_benchmark(
    rows: int,
    *,
    year: int = 2024,
    seed: int = 0,
    repeat: int = 1,
    workdir: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> BenchResult:
    """Generate ``rows`` episode rows, then read and validate them ``repeat`` times.

    The file is written in ``workdir`` and kept there, or in a temporary folder that
    is removed afterwards. Each measurement runs in its own process; with ``repeat``
    above 1 every figure is the median of the runs.
    """
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
        return _run(workdir, rows, year, seed, repeat, progress)
    with tempfile.TemporaryDirectory(prefix="cld-bench-") as folder:
        return _run(Path(folder), rows, year, seed, repeat, progress)


def _run(
    folder: Path,
    rows: int,
    year: int,
    seed: int,
    repeat: int,
    progress: Callable[[str], None],
) -> BenchResult:
    path = folder / bench_file_name(year)
    progress(f"generating {rows:,} episode rows in {path}")
    start = time.perf_counter()
    written = write_benchmark_episodes(path, rows, year=year, seed=seed)
    generate_seconds = time.perf_counter() - start
    reads: list[PolarsRead] = []
    validates: list[Validate] = []
    for run in range(1, repeat + 1):
        of = f" (run {run} of {repeat})" if repeat > 1 else ""
        progress(f"measuring polars.read_csv{of}")
        reads.append(PolarsRead.from_child(run_child(POLARS_READ, [str(path)])))
        progress(f"measuring the validate{of}")
        found = run_child(VALIDATE, [str(path), "--year", str(year)])
        validates.append(Validate.from_child(found))
    return BenchResult(
        rows=written,
        year=year,
        seed=seed,
        repeat=repeat,
        file_mib=path.stat().st_size / 2**20,
        generate_seconds=generate_seconds,
        polars_read=PolarsRead.median(reads),
        validate=Validate.median(validates),
    )
