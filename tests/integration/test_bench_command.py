"""`cld bench` end to end on a tiny file: the JSON shape, the table, exit codes.

Timings are measurements, never asserted.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from cld.benchmarks.benchmark import bench_file_name
from cld.cli.app import run

pytestmark = pytest.mark.slow

STAGES = ["read", "conform", "issues", "total"]


def test_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["bench", "--rows", "2000", "--json", "--workdir", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0
    payload = json.loads(captured.out)
    assert payload["rows"] == 2000
    assert payload["repeat"] == 1
    assert payload["file_mib"] > 0
    assert payload["generate_seconds"] > 0
    assert payload["polars_read"]["seconds"] > 0
    assert payload["polars_read"]["peak_mib"] > 0
    assert list(payload["stages"]) == STAGES
    for stage in payload["stages"].values():
        assert stage["seconds"] > 0
        assert stage["rows_per_second"] > 0
        assert stage["peak_mib"] > 0
    assert payload["peak_mib"] == payload["stages"]["total"]["peak_mib"]
    assert 0 < payload["baseline_mib"] <= payload["peak_mib"]
    assert payload["ratio_to_polars_read"] > 0
    assert payload["issues"] > 0  # the synthetic data is messy on purpose
    targets = payload["targets"]
    assert (
        targets["rows"],
        targets["ratio_to_polars_read"],
        targets["peak_mib"],
    ) == (1_300_000, 5.0, 1024)
    assert targets["ratio_met"] is (payload["ratio_to_polars_read"] <= 5.0)
    assert targets["met"] is (targets["ratio_met"] and targets["peak_met"])
    assert (tmp_path / bench_file_name(2024)).exists()  # --workdir keeps the file
    assert "measuring the validate" in captured.err


def test_table_with_repeats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert run(["bench", "--rows", "300", "--repeat", "2", "--seed", "5"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # as wrapped to the terminal
    for words in (
        "polars.read_csv (the floor)",
        "validate: conform",
        "validate: total",
        "median of 2 runs",
        "as long as the bare polars read",
        "Targets for 1,300,000 rows: at most 5× the bare read",
    ):
        assert words in out
    assert list(tmp_path.iterdir()) == []  # the temporary file is removed


def test_bad_input_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["bench", "--rows", "0"]) == 2
    assert run(["bench", "--rows", "10", "--year", "2010"]) == 2
    assert run(["bench", "--repeat", "0"]) == 2
    assert "--year" in capsys.readouterr().err


def test_outputs_benchmark_json_and_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "bench",
        "--outputs",
        "--las",
        "2",
        "--years",
        "2",
        "--outputs-children",
        "8",
    ]
    assert run([*args, "--json", "--workdir", str(tmp_path / "a")]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["las"], payload["years"], payload["children"]) == (2, 2, 8)
    assert payload["files"] > 0 and payload["rows"] > 0
    assert payload["outputs_seconds"] > 0 and payload["outputs_peak_mib"] > 0
    assert payload["rebuild_unchanged"] is True  # nothing new: the build is kept
    assert payload["target_seconds"] == 30
    outputs = tmp_path / "a" / "platform" / "outputs"
    assert {p.name for p in outputs.iterdir() if not p.name.startswith(".")} == {
        "equalities",
        "pan",
        "sufficiency",
    }
    assert run([*args]) == 0
    assert "build every output" in capsys.readouterr().out
