"""Measurement: reading an XML return into its tables and conforming every table.

The two steps of validating an XML return after it has been identified:
:func:`cld.engine.readers.xml.read_tables` (one streaming pass) and
:func:`cld.engine.conform.table.conform_table` of each table. Run as
``python -m cld.benchmarks.xml_read FILE --dataset DATASET --year YEAR``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from cld.benchmarks.child_process import report_to_parent
from cld.benchmarks.memory import peak_mib
from cld.engine.conform.table import conform_table
from cld.engine.readers.xml import read_tables
from cld.engine.spec.load import load_spec


def measure_xml_read(path: Path, dataset: str, year: int) -> dict[str, Any]:
    """Seconds (wall and CPU) and peak memory of reading then conforming ``path``."""
    spec = load_spec(dataset, year)
    baseline = peak_mib()
    start, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as stream:
        raws = read_tables(stream, spec)
    read_seconds = time.perf_counter() - start
    read_peak = peak_mib()
    tables: dict[str, int] = {}
    issues = 0
    for name, raw in raws.items():
        conformed = conform_table(raw, spec.tables[name], year, sort=False)
        tables[name] = conformed.frame.height
        issues += conformed.issues.height
    seconds = time.perf_counter() - start
    return {
        "rows": sum(tables.values()),
        "tables": tables,
        "issues": issues,
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
