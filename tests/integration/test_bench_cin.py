"""`cld bench --dataset cin_census` end to end on tiny returns: JSON, table, errors.

Timings are measurements, never asserted.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from cld.benchmarks import xml_iterparse, xml_read
from cld.benchmarks.xml_benchmark import bench_xml_file_name
from cld.cli.app import run
from cld.governance.authorities import authorities
from cld.synthetic.cin_census import write_cin_census

pytestmark = pytest.mark.slow


def test_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run(
        [
            "bench",
            "--dataset",
            "cin_census",
            "--children",
            "40",
            "--json",
            "--workdir",
            str(tmp_path),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    payload = json.loads(captured.out)
    assert (payload["dataset"], payload["year"], payload["children"]) == (
        "cin_census",
        2024,
        40,
    )
    assert payload["rows"] == sum(payload["tables"].values()) > 40
    assert payload["elements"] > payload["rows"]
    assert payload["issues"] == 0  # a clean return
    for measured in ("bare_iterparse", "read_conform"):
        figures = payload[measured]
        assert figures["seconds"] > 0 and figures["cpu_seconds"] > 0
        assert figures["rows_per_second"] > 0
        assert 0 < figures["baseline_mib"] <= figures["peak_mib"]
    read = payload["read_conform"]
    assert read["read_seconds"] + read["conform_seconds"] == pytest.approx(
        read["seconds"]
    )
    assert payload["ratio_to_bare"] > 0 and payload["cpu_ratio_to_bare"] > 0
    assert (payload["target_ratio"], payload["target_peak_mib"]) == (3.0, 300.0)
    assert isinstance(payload["ratio_met"], bool)
    assert payload["peak_met"] is (payload["read_conform"]["peak_mib"] < 300)
    memory = payload["memory"]
    assert memory["children"] == [40, 80]
    assert len(memory["read_conform_peak_mib"]) == 2
    assert isinstance(memory["mib_per_100k_children"], float)
    assert memory["target_mib_per_100k_children"] == 5.0
    assert memory["flat_met"] is (memory["mib_per_100k_children"] <= 5.0)
    for children in (40, 80):  # --workdir keeps both files
        assert (tmp_path / bench_xml_file_name("cin_census", 2024, children)).exists()
    assert "bare iterparse" in captured.err


def test_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    args = ["bench", "--dataset", "cin_census", "--children", "12", "--year", "2025"]
    assert run([*args, "--repeat", "2"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # as wrapped to the terminal
    for words in (
        "bare iterparse (the floor)",
        "read and conform",
        "as long as the bare iterparse",
        "median of 2 runs",
        "per 100,000 children",
        "under 300 MiB at 200,000 children",
        "target flat (at most 5)",
    ):
        assert words in out
    assert list(tmp_path.iterdir()) == []  # the temporary files are removed


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["--dataset", "nonesuch"], "--dataset"),
        (["--dataset", "cin_census", "--rows", "10"], "--rows"),
        (["--dataset", "cin_census", "--year", "2010"], "--year"),
        (["--dataset", "cin_census", "--children", "0"], "--children"),
    ],
)
def test_bad_input_is_a_usage_error(
    args: list[str], hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["bench", *args]) == 2
    assert hint in capsys.readouterr().err


def test_the_measurements_in_process(tmp_path: Path) -> None:
    path = tmp_path / "cin.xml"
    written = write_cin_census(path, authorities()[0], 2022, children=20, seed=1)
    bare = xml_iterparse.measure_iterparse(path)
    assert bare["elements"] > written.rows
    found = xml_read.measure_xml_read(path, "cin_census", 2022)
    assert found["rows"] == written.rows
    assert found["issues"] == 0
    assert found["baseline_mib"] <= found["read_peak_mib"] <= found["peak_mib"]
