"""An archived session's issue report read back from its folder is exactly what
the session said when it ran: the ``cld validate --json`` entries, file by file,
and reports the issue-report writers turn into the same CSV."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from platform_builders import TEST_KEY, allow, ssda903_files

from cld.cli.app import run
from cld.engine.errors import UsageError
from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.pipeline.data_area import DataArea
from cld.pipeline.issue_report import write_issue_report
from cld.pipeline.registry import Registry
from cld.pipeline.session import SessionResult, process_files
from cld.pipeline.session_report import (
    scan_issues,
    stored_entries,
    stored_files,
    stored_reports,
)

MESSY_HEADER = (
    b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
    b"1,1,31/02/2010,WBRI,A123456789012,,\n"
    b"2,7,01/01/2011,NOPE,A123456789013,,\n"
    b"3,2,,WBRI,A123456789014,,\n"
)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synthetic")
    arguments = ["synth", "--out", str(out), "--la", "CAM", "--years", "2024"]
    options = ["--datasets", "ssda903,cin_census", "--children", "12", "--seed", "4"]
    assert run([*arguments, *options]) == 0
    return out


@pytest.fixture
def session(
    area: DataArea, registry: Registry, synthetic: Path, tmp_path: Path
) -> SessionResult:
    """A session of good files, a messy one, a CIN census XML and one that is
    not a data file at all."""
    allow(registry, "CAM", "pan")
    messy = tmp_path / "uploads" / "SSDA903_2024_header.csv"
    messy.parent.mkdir()
    messy.write_bytes(MESSY_HEADER)
    junk = tmp_path / "uploads" / "minutes.pdf"
    junk.write_bytes(b"%PDF-1.4 not a return")
    cin = sorted((synthetic / "CAM").glob("*.xml"))
    paths = [*ssda903_files(synthetic, "CAM", 2024, "episodes"), messy, *cin, junk]
    return process_files(
        area,
        registry,
        registry.authority("CAM"),
        paths,
        by="test",
        key=PseudonymKey(TEST_KEY.encode()),
    )


def test_entries_are_what_the_session_said(
    area: DataArea, session: SessionResult
) -> None:
    entries = stored_entries(area, "CAM", session.session)
    assert entries == [report.to_json() for report in session.reports]
    assert len(entries) == 4
    messy = entries[1]
    assert {i["code"] for i in messy["issues"]} >= {"invalid_date", "invalid_category"}
    assert entries[2]["dataset"] == "cin_census"
    assert entries[3]["error"] == "this is a PDF, not a data file"
    assert entries[3]["issues"] == [] and entries[3]["tables"] == {}


def test_reports_write_the_same_issue_report(
    area: DataArea, session: SessionResult, tmp_path: Path
) -> None:
    write_issue_report(stored_reports(area, "CAM", session.session), tmp_path / "a.csv")
    archived = area.session_dir("CAM", session.session) / "issues.csv"
    assert (tmp_path / "a.csv").read_bytes() == archived.read_bytes()
    write_issue_report(
        stored_reports(area, "CAM", session.session), tmp_path / "a.xlsx"
    )
    assert (tmp_path / "a.xlsx").stat().st_size > 0


def test_files_and_lazy_issues(area: DataArea, session: SessionResult) -> None:
    files = stored_files(area, "CAM", session.session)
    assert [f["name"] for f in files] == [r.file for r in session.reports]
    assert all(len(f["sha256"] or "x" * 64) == 64 for f in files)
    issues = scan_issues(area, "CAM", session.session)
    assert isinstance(issues, pl.LazyFrame)
    total = sum(r.issues.height for r in session.reports)
    assert issues.select(pl.len()).collect().item() == total


def test_a_session_without_an_archive_is_refused(area: DataArea) -> None:
    with pytest.raises(UsageError, match="no archive"):
        stored_entries(area, "CAM", "20250101T000000Z-CAM-abcdef")
