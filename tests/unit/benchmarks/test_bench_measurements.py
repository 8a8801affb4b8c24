"""The measurement processes of `cld bench`, run here in-process and as children."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cld.benchmarks import memory, polars_read, validate_stages
from cld.benchmarks.benchmark import bench_file_name
from cld.benchmarks.child_process import MeasurementFailedError, run_child
from cld.benchmarks.memory import peak_mib
from cld.engine.validate import ValidateOptions
from cld.pipeline.validate_files import validate_path
from cld.synthetic.bench_data import write_benchmark_episodes

ROWS = 500


@pytest.fixture(scope="module")
def episodes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / bench_file_name(2024)
    assert write_benchmark_episodes(path, ROWS, seed=3, messiness=0.05) == ROWS
    return path


def test_peak_memory_is_in_mib_and_never_goes_down() -> None:
    first = peak_mib()
    assert 10 < first < 100_000
    assert peak_mib() >= first


def test_polars_read(episodes: Path) -> None:
    found = polars_read.measure_polars_read(episodes)
    assert found["rows"] == ROWS
    assert found["seconds"] > 0
    assert 0 < found["baseline_mib"] <= found["peak_mib"]


def test_validate_stages(episodes: Path) -> None:
    found = validate_stages.measure_validate(episodes, 2024)
    stages = found["stages"]
    assert list(stages) == ["read", "conform", "issues", "total"]
    assert all(stage["seconds"] > 0 for stage in stages.values())
    parts = sum(stages[name]["seconds"] for name in validate_stages.STAGES)
    assert stages["total"]["seconds"] == pytest.approx(parts)
    peaks = [stages[name]["peak_mib"] for name in validate_stages.STAGES]
    assert found["baseline_mib"] <= peaks[0] <= peaks[1] <= peaks[2]
    assert stages["total"]["peak_mib"] == peaks[2]
    assert 0 < found["rows"] <= ROWS
    assert found["issues"] > 0
    assert found["json_bytes"] > 0


def test_the_timed_validate_is_what_cld_validate_does(episodes: Path) -> None:
    report, text = validate_stages.report_json(episodes, 2024)
    expected = validate_path(episodes, ValidateOptions(year=2024))
    assert report.to_json() == expected.to_json()
    assert json.loads(text) == {"files": [json.loads(json.dumps(expected.to_json()))]}


def test_children_print_one_json_line(
    episodes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    polars_read.main([str(episodes)])
    validate_stages.main([str(episodes), "--year", "2024"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["rows"] == ROWS
    assert "stages" in json.loads(lines[1])


def test_run_child_in_a_fresh_process(episodes: Path) -> None:
    found = run_child("cld.benchmarks.polars_read", [str(episodes)])
    assert found["rows"] == ROWS


def test_a_crashed_child_is_a_failure(tmp_path: Path) -> None:
    with pytest.raises(MeasurementFailedError, match="polars_read measurement failed"):
        run_child("cld.benchmarks.polars_read", [str(tmp_path / "missing.csv")])


def test_a_child_without_a_result_is_a_failure() -> None:
    with pytest.raises(MeasurementFailedError, match="printed no result"):
        run_child("platform", [])


def test_a_child_s_peak_is_its_own_not_its_parent_s(episodes: Path) -> None:
    ballast = bytearray(400 * 2**20)  # the parent's peak now holds 400 MiB more
    for page in range(0, len(ballast), 4096):
        ballast[page] = 1
    found = run_child("cld.benchmarks.polars_read", [str(episodes)])
    assert found["baseline_mib"] < 300
    del ballast


def test_without_proc_the_peak_comes_from_getrusage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory, "_STATUS", tmp_path / "no-proc")
    monkeypatch.setattr(memory, "_highest", 0.0)
    assert 10 < memory.peak_mib() < 100_000
