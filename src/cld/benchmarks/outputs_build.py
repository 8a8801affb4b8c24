"""Measurement: build every use case's outputs from a data area.

Run as ``python -m cld.benchmarks.outputs_build DIR [--on DATE]``; prints seconds,
CPU seconds and peak memory of :func:`cld.pipeline.outputs.build.build_outputs`,
and whether each use case was rebuilt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path
from typing import Any

from cld.benchmarks.child_process import report_to_parent
from cld.benchmarks.memory import peak_mib
from cld.pipeline.data_area import DataArea
from cld.pipeline.outputs.build import build_outputs
from cld.pipeline.registry import open_registry


def measure_outputs_build(root: Path, on: dt.date | None = None) -> dict[str, Any]:
    area = DataArea(root)
    registry = open_registry(area.registry_file, embedded=True)
    baseline = peak_mib()
    start, cpu = time.perf_counter(), time.process_time()
    results = build_outputs(area, registry, today=on)
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "baseline_mib": baseline,
        "peak_mib": peak_mib(),
        "rebuilt": {name: r.rebuilt for name, r in results.items()},
        "rows": sum(t.rows for r in results.values() for t in r.tables.values()),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cld.benchmarks.outputs_build")
    parser.add_argument("root", type=Path)
    parser.add_argument("--on", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args(argv)
    report_to_parent(measure_outputs_build(args.root, args.on))


if __name__ == "__main__":
    main()
