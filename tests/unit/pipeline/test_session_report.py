"""An archived session's issue report read back from its folder is exactly what
the session said when it ran: the ``cld validate --json`` entries, file by file,
and reports the issue-report writers turn into the same CSV."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
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
    stored_file_entries,
    stored_issue_csv,
    stored_issue_workbook,
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
    entries = [r.to_json() for r in stored_reports(area, "CAM", session.session)]
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
    files = stored_file_entries(area, "CAM", session.session)
    assert [f.name for f in files] == [r.file for r in session.reports]
    assert all(len(f.sha256 or "x" * 64) == 64 for f in files)
    issues = scan_issues(area, "CAM", session.session)
    assert isinstance(issues, pl.LazyFrame)
    total = sum(r.issues.height for r in session.reports)
    assert issues.select(pl.len()).collect().item() == total


def test_a_session_without_an_archive_is_refused(area: DataArea) -> None:
    with pytest.raises(UsageError, match="no archive"):
        stored_reports(area, "CAM", "20250101T000000Z-CAM-abcdef")


HOSTILE_HEADING = '=HYPERLINK("http://evil.example/?x","Click me")'


def test_downloads_from_the_archive_hold_no_formula(
    area: DataArea, registry: Registry, tmp_path: Path
) -> None:
    """The portal's downloads, streamed from the archive, are the reports
    ``cld validate --report`` writes: a heading or a file name that starts like a
    formula is text."""
    allow(registry, "CAM", "pan")
    hostile = tmp_path / "uploads" / "=SUM(2324) SSDA903_2024_header.csv"
    hostile.parent.mkdir()
    quoted = HOSTILE_HEADING.replace('"', '""')
    hostile.write_bytes(
        MESSY_HEADER.replace(b"MC_DOB\n", f'MC_DOB,"{quoted}"\n'.encode(), 1)
    )
    session = process_files(
        area,
        registry,
        registry.authority("CAM"),
        [hostile],
        by="test",
        key=PseudonymKey(TEST_KEY.encode()),
    )
    stored_issue_csv(area, "CAM", session.session, tmp_path / "s.csv")
    written = pl.read_csv(tmp_path / "s.csv")
    assert written["file"].unique().to_list() == [f"'{hostile.name}"]
    assert f"'{HOSTILE_HEADING}" in written["column"].to_list()
    reports = stored_reports(area, "CAM", session.session)
    for report in reports:
        report.file = Path(report.file).name
    write_issue_report(reports, tmp_path / "r.csv")
    assert (tmp_path / "s.csv").read_bytes() == (tmp_path / "r.csv").read_bytes()

    stored_issue_workbook(
        area, "CAM", session.session, tmp_path / "s.xlsx", lambda f: Path(f).name
    )
    write_issue_report(reports, tmp_path / "r.xlsx")
    books = [load_workbook(tmp_path / f"{n}.xlsx") for n in ("s", "r")]
    cells = [
        [
            [(c.value, c.data_type) for c in row]
            for s in b.worksheets
            for row in s.iter_rows()
        ]
        for b in books
    ]
    assert cells[0] == cells[1]
    values = {value for row in cells[0] for value, _ in row}
    assert f"'{HOSTILE_HEADING}" in values and f"'{hostile.name}" in values
    assert not any(kind == "f" for row in cells[0] for _, kind in row)
