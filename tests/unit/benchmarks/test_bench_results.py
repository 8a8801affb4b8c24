"""The figures of `cld bench`: medians, rates, ratio, targets and the JSON form."""

from __future__ import annotations

import pytest

from cld.benchmarks.results import (
    STAGE_NAMES,
    BenchResult,
    PolarsRead,
    Stage,
    Targets,
    Validate,
)


def validate_run(seconds: float, peak: float) -> Validate:
    return Validate(
        rows=1000,
        issues=12,
        json_bytes=2048,
        baseline_mib=80.0,
        stages={name: Stage(seconds, peak) for name in STAGE_NAMES},
    )


def result(total_seconds: float = 2.0, peak: float = 500.0) -> BenchResult:
    return BenchResult(
        rows=1000,
        year=2024,
        seed=0,
        repeat=1,
        file_mib=0.5,
        generate_seconds=0.1,
        polars_read=PolarsRead(
            rows=1000, seconds=0.5, baseline_mib=70.0, peak_mib=90.0
        ),
        validate=validate_run(total_seconds, peak),
    )


def test_targets_are_those_of_issue_16() -> None:
    targets = Targets()
    assert (targets.rows, targets.ratio, targets.peak_mib) == (1_300_000, 5.0, 1024)
    assert targets.ratio_met(5.0) and not targets.ratio_met(5.01)
    assert targets.peak_met(1023.9) and not targets.peak_met(1024.0)


def test_rows_per_second() -> None:
    assert Stage(seconds=0.5, peak_mib=1.0).rows_per_second(1000) == 2000
    assert Stage(seconds=0.0, peak_mib=1.0).rows_per_second(1000) == 1000 / 1e-9


def test_median_of_runs_takes_each_figure_s_median() -> None:
    runs = [
        validate_run(3.0, 300.0),
        validate_run(1.0, 100.0),
        validate_run(2.0, 900.0),
    ]
    median = Validate.median(runs)
    assert median.stages["total"] == Stage(2.0, 300.0)
    assert median.issues == 12
    reads = [PolarsRead(10, s, 1.0, p) for s, p in ((0.3, 5.0), (0.1, 7.0), (0.2, 6.0))]
    assert PolarsRead.median(reads) == PolarsRead(10, 0.2, 1.0, 6.0)


def test_from_child_reads_what_a_child_prints() -> None:
    found = {
        "rows": 10,
        "issues": 2,
        "json_bytes": 99,
        "baseline_mib": 80,
        "stages": {name: {"seconds": 1, "peak_mib": 81} for name in STAGE_NAMES},
    }
    run = Validate.from_child(found)
    assert run.stages["conform"] == Stage(1.0, 81.0)
    assert (run.rows, run.issues, run.json_bytes) == (10, 2, 99)
    assert PolarsRead.from_child(
        {"rows": 10, "seconds": 0.5, "baseline_mib": 70, "peak_mib": 75}
    ) == PolarsRead(10, 0.5, 70.0, 75.0)


def test_json_form() -> None:
    payload = result(total_seconds=2.0, peak=500.0).to_json()
    assert payload["rows"] == 1000
    assert payload["polars_read"] == {
        "seconds": 0.5,
        "rows_per_second": 2000.0,
        "peak_mib": 90.0,
        "baseline_mib": 70.0,
    }
    assert list(payload["stages"]) == list(STAGE_NAMES)
    assert payload["stages"]["total"] == {
        "seconds": 2.0,
        "rows_per_second": 500.0,
        "peak_mib": 500.0,
    }
    assert payload["peak_mib"] == 500.0
    assert payload["ratio_to_polars_read"] == pytest.approx(4.0)
    assert payload["issues"] == 12
    assert payload["targets"]["met"] is True


@pytest.mark.parametrize(
    ("seconds", "peak", "ratio_met", "peak_met"),
    [(2.6, 500.0, False, True), (2.0, 1100.0, True, False)],
)
def test_targets_not_met(
    seconds: float, peak: float, ratio_met: bool, peak_met: bool
) -> None:
    """The floor took 0.5 s: 2.6 s is 5.2× it."""
    targets = result(total_seconds=seconds, peak=peak).to_json()["targets"]
    assert targets["ratio_met"] is ratio_met
    assert targets["peak_met"] is peak_met
    assert targets["met"] is False
