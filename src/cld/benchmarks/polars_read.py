"""Measurement: a bare ``polars.read_csv`` of the file, every cell as a string.

This is the floor for validating the file: the engine reads the same way
(``infer_schema=False``) and then does more. Run as
``python -m cld.benchmarks.polars_read FILE``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import polars as pl

from cld.benchmarks.child_process import report_to_parent
from cld.benchmarks.memory import peak_mib


def measure_polars_read(path: Path) -> dict[str, Any]:
    """Seconds, rows and memory of ``pl.read_csv(path, infer_schema=False)``."""
    baseline = peak_mib()
    start = time.perf_counter()
    frame = pl.read_csv(path, infer_schema=False)
    seconds = time.perf_counter() - start
    return {
        "rows": frame.height,
        "seconds": seconds,
        "baseline_mib": baseline,
        "peak_mib": peak_mib(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cld.benchmarks.polars_read")
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    report_to_parent(measure_polars_read(args.file))


if __name__ == "__main__":
    main()
