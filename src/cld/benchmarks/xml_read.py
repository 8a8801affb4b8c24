"""Measurement: validating an XML return as ``cld validate`` does, in two stages.

:func:`cld.engine.validate.validate_source` identifies the file, reads it into its
tables (one streaming pass, each table spilled to Parquet batch by batch) and
conforms each table in turn; the ``read`` stage ends when every table is spilled.
Run as ``python -m cld.benchmarks.xml_read FILE --dataset DATASET --year YEAR``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from cld.benchmarks.child_process import report_to_parent
from cld.benchmarks.memory import peak_mib
from cld.engine.validate import ValidateOptions
from cld.pipeline.validate_files import validate_path


def measure_xml_read(path: Path, dataset: str, year: int) -> dict[str, Any]:
    """Seconds (wall and CPU) and peak memory of reading then conforming ``path``."""
    baseline = peak_mib()
    laps: dict[str, tuple[float, float]] = {}
    start, cpu = time.perf_counter(), time.process_time()

    def lap(stage: str) -> None:
        laps[stage] = (time.perf_counter() - start, peak_mib())

    report = validate_path(
        path, ValidateOptions(year=year, keep_tables=False), on_stage=lap
    )
    seconds = time.perf_counter() - start
    if report.error is not None or report.dataset != dataset:
        raise SystemExit(f"{path} is not a {dataset} return: {report.error}")
    read_seconds, read_peak = laps["read"]
    return {
        "rows": sum(report.tables.values()),
        "tables": dict(report.tables),
        "issues": report.issues.height,
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "read_seconds": read_seconds,
        "conform_seconds": seconds - read_seconds,
        "baseline_mib": baseline,
        "read_peak_mib": read_peak,
        "peak_mib": peak_mib(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cld.benchmarks.xml_read")
    parser.add_argument("file", type=Path)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--year", type=int, required=True)
    args = parser.parse_args(argv)
    report_to_parent(measure_xml_read(args.file, args.dataset, args.year))


if __name__ == "__main__":
    main()
