"""``cld synth`` and ``cld demo`` end to end, through ``cld.cli.app.run``."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from cld.cli.app import run
from cld.cli.synth_command import parse_years
from cld.engine.errors import UsageError
from cld.governance.authorities import authorities
from cld.pipeline.validate_files import validate_path
from cld.synthetic.registry import GENERATORS


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _returns(root: Path) -> dict[str, bytes]:
    """The demo's synthetic returns and reports, not its data area (each run is a
    new session)."""
    return {k: v for k, v in _tree(root).items() if not k.startswith("platform")}


def test_synth_writes_every_table_per_la_and_year(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["synth", "--out", str(out), "--la", "CAM,hac", "--years", "2024,2025"]
    assert run([*args, "--children", "15", "--seed", "3", "--datasets", "ssda903"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["CAM", "HAC", "planted_faults.csv"]
    for la in ("CAM", "HAC"):
        files = sorted((out / la).iterdir())
        assert len(files) == 2 * 11  # every table, social_worker included, both years
        reports = [validate_path(path) for path in files]
        assert all(r.error is None for r in reports)
        assert sorted(r.year or 0 for r in reports) == [2024] * 11 + [2025] * 11
    planted = pl.read_csv(out / "planted_faults.csv", infer_schema=False)
    assert planted.columns == ["la", "file", "table", "row", "column", "code"]
    assert set(planted["la"]) <= {"CAM", "HAC"}


def test_synth_is_repeatable_and_the_seed_matters(tmp_path: Path) -> None:
    common = ["--la", "BRE", "--years", "2026", "--children", "12"]
    assert run(["synth", "--out", str(tmp_path / "a"), *common]) == 0
    assert run(["synth", "--out", str(tmp_path / "b"), *common]) == 0
    assert run(["synth", "--out", str(tmp_path / "c"), *common, "--seed", "1"]) == 0
    first = _tree(tmp_path / "a")
    assert first == _tree(tmp_path / "b")
    assert first != _tree(tmp_path / "c")
    assert run(["synth", "--out", str(tmp_path / "a"), *common]) == 0  # overwrite
    assert _tree(tmp_path / "a") == first
    assert not [p for p in (tmp_path / "a").rglob(".*")]  # no temporary files


def test_messiness_zero_writes_clean_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["synth", "--out", str(tmp_path), "--la", "WES", "--years", "2017"]
    assert run([*args, "--children", "20", "--messiness", "0"]) == 0
    assert "Planted 0 faults" in capsys.readouterr().out
    for path in (tmp_path / "WES").iterdir():
        report = validate_path(path)
        assert report.year == 2017 and report.issues.height == 0, path.name


@pytest.mark.parametrize(
    "bad",
    [
        ["--la", "XYZ"],
        ["--la", "CAM,Atlantis"],
        ["--years", "2013-2018"],
        ["--years", "2030"],
        ["--years", "2025-2023"],
        ["--years", "soon"],
        ["--messiness", "1.5"],
        ["--children", "0"],
    ],
)
def test_synth_refuses_bad_arguments_with_exit_2(
    tmp_path: Path, bad: list[str]
) -> None:
    assert run(["synth", "--out", str(tmp_path), *bad]) == 2
    assert not list(tmp_path.iterdir())


def test_years_are_read_as_councils_write_them() -> None:
    assert parse_years("2021-2024") == [2021, 2022, 2023, 2024]
    assert parse_years("2023-24") == [2024]
    # two consecutive years name one collection year, as councils write it
    assert parse_years("2023-2024") == [2024]
    assert parse_years("2022-2024") == [2022, 2023, 2024]
    assert parse_years("2024, 2019,2024") == [2019, 2024]
    assert parse_years("2017") == [2017]
    with pytest.raises(UsageError, match="2015 to 2026"):
        parse_years("2026-2027")


# Coverage is not traced here: the longest test of the suite (two minutes) runs
# the same code, 33 times over, as test_demo_runs_again_over_its_own_output, and
# tracing every line of it made it half as long again.
@pytest.mark.slow
@pytest.mark.no_cover
def test_demo_generates_validates_and_reports_for_every_authority(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    assert run(["demo", "--out", str(out), "--years", "2026", "--children", "4"]) == 0
    printed = capsys.readouterr().out
    codes = sorted(a.code for a in authorities())
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == sorted([*codes, "platform"])
    for authority in authorities():
        assert authority.name in printed
    assert "all authorities" in printed
    assert "planted faults were found" in printed
    for dataset in GENERATORS:  # every return is generated and validated
        assert dataset in printed
    assert "not secret" in printed  # the demo says its pseudonym key is a demo's
    platform = out / "platform"
    sessions = [p for p in (platform / "sessions").glob("*/*") if p.is_dir()]
    assert len(sessions) == len(codes)  # one session per authority
    for use_case in ("pan", "sufficiency", "equalities"):
        manifest = json.loads(
            (platform / "outputs" / use_case / "manifest.json").read_text()
        )
        assert 0 < len(manifest["las"]) < len(codes)  # a mix of signed and unsigned
    assert f"{platform / 'outputs'}" in printed.replace("\n", "")
    files = [p for p in out.glob("*/*") if p.is_file() and p.parent.name in codes]
    book = load_workbook(out / "issues.xlsx", read_only=True)
    assert book.sheetnames[0] == "Summary"
    assert len(book.sheetnames) == 1 + len(files)
    book.close()


def test_demo_runs_again_over_its_own_output(tmp_path: Path) -> None:
    args = ["demo", "--out", str(tmp_path), "--la", "CAM,LEW", "--years", "2023-2024"]
    assert run([*args, "--children", "30", "--messiness", "0.1"]) == 0
    before = _returns(tmp_path)
    assert run([*args, "--children", "30", "--messiness", "0.1"]) == 0
    after = _returns(tmp_path)
    outputs = tmp_path / "platform" / "outputs" / "pan"
    assert (outputs / "ssda903_episodes.parquet").is_file()
    assert {k: v for k, v in after.items() if k != "issues.xlsx"} == {
        k: v for k, v in before.items() if k != "issues.xlsx"
    }
    assert "issues.xlsx" in after


def test_demo_refuses_an_unknown_authority(tmp_path: Path) -> None:
    assert run(["demo", "--out", str(tmp_path), "--la", "NOPE"]) == 2
