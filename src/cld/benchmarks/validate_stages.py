"""Measurement: validating the file as ``cld validate --json`` does, stage by stage.

The stages are those of :func:`cld.engine.validate.validate_bytes` and the JSON
report of ``cld validate``:

* ``read``: the file's bytes, then :func:`cld.engine.readers.csv.read_csv`;
* ``conform``: identification, then :func:`cld.engine.conform.table.conform_table`
  (the stages are timed by ``validate_bytes``'s own ``on_stage`` callback);
* ``issues``: the report entry of every issue and the JSON text of the report.

Run as ``python -m cld.benchmarks.validate_stages FILE [--year YEAR]``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from cld.benchmarks.child_process import report_to_parent
from cld.benchmarks.memory import peak_mib
from cld.engine.validate import FileReport, ValidateOptions, validate_bytes

STAGES = ("read", "conform", "issues")


def report_json(path: Path, year: int | None) -> tuple[FileReport, str]:
    """The report of ``path`` and its ``cld validate --json`` text, untimed."""
    report, text, _ = _validate(path, year)
    return report, text


def measure_validate(path: Path, year: int | None) -> dict[str, Any]:
    """Seconds and peak memory of each stage of validating ``path``."""
    baseline = peak_mib()
    report, text, stages = _validate(path, year)
    total = sum(stage["seconds"] for stage in stages.values())
    return {
        "rows": sum(report.tables.values()),
        "issues": report.issues.height,
        "json_bytes": len(text.encode()),
        "baseline_mib": baseline,
        "stages": {
            **stages,
            "total": {"seconds": total, "peak_mib": stages["issues"]["peak_mib"]},
        },
    }


def _validate(
    path: Path, year: int | None
) -> tuple[FileReport, str, dict[str, dict[str, float]]]:
    # validate_path's own steps, with a clock between them.
    stages: dict[str, dict[str, float]] = {}
    clock = [time.perf_counter()]

    def lap(stage: str) -> None:
        clock.append(_lap(stages, stage, clock[-1]))

    data = path.read_bytes()
    report = validate_bytes(
        path.name,
        data,
        ValidateOptions(year=year, folder=path.parent.name or None, keep_tables=False),
        display_name=str(path),
        on_stage=lap,
    )
    text = json.dumps({"files": [report.to_json()]}, indent=2, default=str)
    lap("issues")
    return report, text, stages


def _lap(stages: dict[str, dict[str, float]], name: str, start: float) -> float:
    now = time.perf_counter()
    stages[name] = {"seconds": now - start, "peak_mib": peak_mib()}
    return now


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m cld.benchmarks.validate_stages")
    parser.add_argument("file", type=Path)
    parser.add_argument("--year", type=int, default=None)
    args = parser.parse_args(argv)
    report_to_parent(measure_validate(args.file, args.year))


if __name__ == "__main__":
    main()
