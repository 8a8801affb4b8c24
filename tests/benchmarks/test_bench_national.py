"""`cld bench --national` on a tiny scale: the JSON contract, the table, the
worker's pieces in-process, usage errors. Timings are measured, never asserted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from cld.benchmarks import national_worker
from cld.benchmarks.national_benchmark import NationalBenchResult
from cld.benchmarks.national_data import write_authority
from cld.benchmarks.national_sizes import sample_sizes
from cld.benchmarks.national_worker import SessionTiming, StageClock
from cld.benchmarks.platform_setup import add_authorities, open_platform
from cld.cli.app import run
from cld.cli.bench_command import print_national_result
from cld.pipeline.registry.audit import verify_chain

DOCUMENTED = {
    "las",
    "years",
    "per_la_seconds",
    "total_seconds",
    "outputs_seconds",
    "peak_mib",
}
SCALE = 0.02


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    folder = tmp_path_factory.mktemp("national")
    args = ["bench", "--national", "--las", "3", "--years", "2", "--workers", "2"]
    args += ["--scale", str(SCALE), "--json", "--workdir", str(folder)]
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DATABASE_URL", raising=False)  # embedded anyway; be sure
        captured: list[str] = []
        patch.setattr("typer.echo", lambda text: captured.append(str(text)))
        assert run(args) == 0
    return json.loads(captured[-1]), folder


@pytest.mark.slow
def test_json_has_the_documented_keys_and_sane_values(
    small_run: tuple[dict[str, Any], Path],
) -> None:
    payload, _ = small_run
    assert set(payload) >= DOCUMENTED
    assert (payload["las"], payload["years"], payload["workers"]) == (3, 2, 2)
    per_la = payload["per_la_seconds"]
    assert 0 < per_la["median"] <= per_la["p95"] <= per_la["max"]
    assert len(per_la["first_of_each_worker"]) in (1, 2)  # a worker may get all
    assert len(payload["load_average"]) == 3
    assert payload["total_seconds"] > 0 and payload["outputs_seconds"] > 0
    assert payload["peak_mib"] == max(
        payload["worker_peak_mib"], payload["outputs_peak_mib"]
    )
    assert 50 < payload["peak_mib"] < 100_000
    assert payload["sessions"] == payload["sessions_published"] == 6
    assert len(payload["collection_years"]) == 2
    expected = sample_sizes(3, SCALE)
    assert payload["children_looked_after"] == sum(s.looked_after for s in expected)
    assert payload["children_in_need"] == sum(s.in_need for s in expected)
    assert payload["files"] > 6 and payload["rows"] > 0
    assert payload["outputs_rows"] > 0
    assert set(payload["stage_seconds"]) >= {"read", "conform", "enrich"}
    targets = payload["targets"]
    assert (
        targets["per_la_median_seconds"],
        targets["outputs_seconds"],
        targets["peak_mib"],
    ) == (3.0, 120.0, 2048.0)
    assert set(targets["met"]) == {"per_la_median", "outputs", "peak_mib"}
    assert all(isinstance(v, bool) for v in targets["met"].values())


@pytest.mark.slow
def test_every_session_is_recorded_and_outputs_built(
    small_run: tuple[dict[str, Any], Path],
) -> None:
    _, folder = small_run
    platform = folder / "platform"
    for size in sample_sizes(3, SCALE):
        assert (platform / "sessions" / size.authority.code).is_dir()
    outputs = platform / "outputs"
    assert {p.name for p in outputs.iterdir() if not p.name.startswith(".")} == {
        "equalities",
        "pan",
        "sufficiency",
    }


@pytest.mark.slow
def test_the_worker_in_process(tmp_path: Path) -> None:
    """The pieces the worker processes run, here (so coverage sees them)."""
    size = sample_sizes(153, 0.01)[40]  # a synthetic authority outside London
    assert size.authority.region != "London"
    returns = write_authority(tmp_path / "returns", size, [2025, 2026], seed=2)
    assert sorted(returns.files) == [2025, 2026]
    assert returns.rows > 0 and returns.bytes > 0
    area, registry = open_platform(tmp_path / "platform", [size.authority])
    assert add_authorities(registry, [size.authority]) == 0  # known now
    national_worker.start_worker(str(area.root))
    try:
        timings = national_worker.process_authority(size.authority, returns.files)
    finally:
        national_worker._platform = None
    assert [t.year for t in timings] == [2025, 2026]
    assert all(t.status == "published" and t.seconds > 0 for t in timings)
    assert all(t.peak_mib > 0 for t in timings)
    assert [t.first for t in timings] == [True, False]  # the worker's first session
    assert verify_chain(registry) == []
    with pytest.raises(RuntimeError, match="start_worker"):
        national_worker.process_authority(size.authority, returns.files)


def test_stage_clock_names_the_spans() -> None:
    clock = StageClock()
    for stage in ("receive", "identify", "parse", "conform", "minimise", "other"):
        clock.lap(stage)
    spans = clock.stop()
    assert set(spans) == {
        "registry (start)",
        "receive",
        "read",
        "conform",
        "minimise",
        "other",
    }
    assert all(seconds >= 0 for seconds in spans.values())


def _result(seconds: list[float]) -> NationalBenchResult:
    sessions = tuple(
        SessionTiming(
            la="CAM",
            year=2020 + i,
            seconds=s,
            cpu_seconds=s / 2,
            peak_mib=300.0,
            status="published",
            stages={"read": s / 2, "conform": s / 2},
        )
        for i, s in enumerate(seconds)
    )
    return NationalBenchResult(
        las=1,
        years=tuple(range(2021, 2021 + len(seconds))),
        workers=2,
        scale=1.0,
        seed=0,
        sizes=sample_sizes(1),
        files=10,
        rows=1000,
        file_mib=1.5,
        generate_seconds=1.0,
        setup_seconds=0.5,
        sessions=sessions,
        total_seconds=sum(seconds),
        outputs={"seconds": 200.0, "cpu_seconds": 150.0, "peak_mib": 400.0, "rows": 9},
    )


def test_the_table_marks_each_target() -> None:
    console = Console(record=True, width=120)
    print_national_result(console, _result([1.0, 2.0, 2.5, 10.0]))
    text = console.export_text()
    for words in (
        "1 authorities × 4 years",
        "one session: median",
        "95th percentile",
        "process everything, 2 workers",
        "build every output",
        "Where the sessions' time went: read 50%, conform 50%",
        "this run was smaller",
    ):
        assert words in text
    assert text.count("✓ met") == 2 and text.count("✗ not met") == 1  # outputs
    payload = _result([1.0, 2.0, 2.5, 10.0]).to_json()
    assert payload["per_la_seconds"]["median"] == 2.25
    assert payload["targets"]["met"] == {
        "per_la_median": True,
        "outputs": False,
        "peak_mib": True,
    }


@pytest.mark.parametrize(
    "args",
    [
        ["--national", "--outputs"],
        ["--outputs", "--las", "34"],
        ["--national", "--las", "154"],
        ["--workers", "2"],
        ["--scale", "0.5"],
        ["--national", "--scale", "0"],
        ["--national", "--workers", "0"],
    ],
)
def test_bad_combinations_are_usage_errors(args: list[str]) -> None:
    assert run(["bench", *args]) == 2
