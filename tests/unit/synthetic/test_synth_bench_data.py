"""The benchmark's big episodes file: exact row count, valid, deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest

from cld.engine.validate import validate_bytes
from cld.synthetic.bench_data import write_benchmark_episodes


def test_writes_the_rows_asked_for_and_they_validate(tmp_path: Path) -> None:
    path = tmp_path / "SSDA903_2024_episodes.csv"
    assert write_benchmark_episodes(path, 5_000, messiness=0) == 5_000
    report = validate_bytes(path.name, path.read_bytes())
    assert (report.table_reason, report.year) == ("from the header row", 2024)
    assert report.tables == {"episodes": 5_000}
    assert report.issues.height == 0
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_messy_file_keeps_its_row_count_and_has_faults(tmp_path: Path) -> None:
    path = tmp_path / "903_episodes_2025.csv"
    rows = write_benchmark_episodes(path, 250_000, year=2025, seed=1, messiness=0.01)
    report = validate_bytes(path.name, path.read_bytes())
    assert rows == 250_000 and report.tables == {"episodes": 250_000}
    counts = report.counts
    assert 0.005 < (counts["error"] + counts["warning"]) / rows < 0.015
    assert set(report.issues["code"]) >= {"duplicate_key", "invalid_date"}


@pytest.mark.parametrize("rows", [1, 2, 3, 11])
def test_tiny_files_are_exact_too(tmp_path: Path, rows: int) -> None:
    path = tmp_path / "SSDA903_2024_episodes.csv"
    assert write_benchmark_episodes(path, rows, messiness=0.5) == rows
    assert len(path.read_text().splitlines()) == rows + 1


def test_same_seed_same_file(tmp_path: Path) -> None:
    first, second, other = (tmp_path / f"{n}_2024_episodes.csv" for n in "abc")
    write_benchmark_episodes(first, 3_000, seed=4)
    write_benchmark_episodes(second, 3_000, seed=4)
    write_benchmark_episodes(other, 3_000, seed=5)
    assert first.read_bytes() == second.read_bytes() != other.read_bytes()


def test_rows_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rows"):
        write_benchmark_episodes(tmp_path / "x.csv", 0)
