"""Hostile and broken uploads: each gets a specific error, exit 2, and the other
files in the same command are still reported."""

from __future__ import annotations

import json

import pytest

from cld.cli.app import run
from cld.engine.validate import MAX_UPLOAD_ENV, validate_bytes

GOOD_NAME = "SSDA903_2024_header.csv"
GOOD = b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/01/2010,WBRI,A123456789012,,\n"


def validate_with_a_good_file(tmp_path, capsys, name, data, *options):
    (tmp_path / name).write_bytes(data)
    (tmp_path / GOOD_NAME).write_bytes(GOOD)
    code = run(
        [
            "validate",
            "--json",
            *options,
            str(tmp_path / name),
            str(tmp_path / GOOD_NAME),
        ]
    )
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    bad, good = json.loads(captured.out)["files"]
    assert good["error"] is None and good["tables"] == {"header": 1}
    return code, bad


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("blank.csv", b"\n \n\t\n", "the file is empty"),
        ("junk.csv", bytes(range(256)) * 8, "binary data"),
        ("report.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "this is a PDF"),
        ("old.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old .xls"),
        (
            "SSDA903_2024_episodes.csv",
            b"Shoe size,Favourite colour\n9,blue\n",
            "has none of that table's columns",
        ),
    ],
)
def test_unreadable_files(tmp_path, capsys, name, data, reason):
    code, bad = validate_with_a_good_file(tmp_path, capsys, name, data)
    assert code == 2
    assert reason in bad["error"]
    assert bad["tables"] == {} and bad["issues"] == []


def test_a_file_over_the_upload_limit(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(MAX_UPLOAD_ENV, "0.0001")  # about 100 bytes
    big = GOOD + b"2,1,01/01/2010,WBRI,A123456789013,,\n" * 10
    code, bad = validate_with_a_good_file(
        tmp_path, capsys, "SSDA903_2024_episodes.csv", big, "--max-upload-mb", "1"
    )
    # the option wins over the environment: both files are read
    assert code == 0 and bad["error"] is None
    report = validate_bytes("SSDA903_2024_header.csv", big)
    assert report.error is not None
    assert report.error.startswith(
        "the file is 0.0 MiB, over the upload limit of 0 MiB"
    )
    assert MAX_UPLOAD_ENV in report.error


def test_upload_limit_option(tmp_path, capsys):
    code, bad = validate_with_a_good_file(
        tmp_path, capsys, "big.csv", GOOD * 2000, "--max-upload-mb", "0.05"
    )
    assert code == 2
    assert "over the upload limit of 0 MiB" in bad["error"]


def test_a_bad_upload_limit_in_the_environment_is_a_usage_error(monkeypatch):
    monkeypatch.setenv(MAX_UPLOAD_ENV, "lots")
    assert run(["validate", "x.csv"]) == 2


def test_another_dataset_under_a_misleading_name(tmp_path, capsys):
    # an SSDA903 header table saved under a school census name
    code, bad = validate_with_a_good_file(
        tmp_path, capsys, "school_census_autumn_2024_pupils.csv", GOOD
    )
    assert code == 2
    assert bad["error"].startswith("the file name says")
    assert "but the file is the SSDA903 children looked after return" in bad["error"]


def test_header_only_file_is_valid_with_a_warning(tmp_path, capsys):
    header_only = GOOD.splitlines(keepends=True)[0]
    code, report = validate_with_a_good_file(
        tmp_path, capsys, "SSDA903_2023_header.csv", header_only
    )
    assert code == 0
    assert report["tables"] == {"header": 0}
    assert [i["code"] for i in report["issues"]] == ["no_rows"]


def test_a_one_line_csv_of_megabytes_is_refused_naming_the_line(tmp_path, capsys):
    # a header cell of 4 MiB: it used to become an unknown_column issue holding
    # the cell twice, in the report, the page and the audit log
    data = b"CHILD,SEX," + b"A" * (4 * 2**20)
    code, bad = validate_with_a_good_file(
        tmp_path, capsys, "SSDA903_2024_episodes.csv", data
    )
    assert code == 2
    assert bad["error"].startswith("line 1 (the header row) of the file is longer")
    assert "AAAA" not in bad["error"]


def test_an_unterminated_quote_is_refused_without_quoting_the_line(tmp_path, capsys):
    data = (
        GOOD
        + b'2,1,"14/07/2011,WBRI,B987654321098,,\n'
        + b"3,1,01/01/2010,WBRI,A123456789013,,\n"
    )
    code, bad = validate_with_a_good_file(
        tmp_path, capsys, "SSDA903_2023_header.csv", data
    )
    assert code == 2
    assert "line 3" in bad["error"]
    assert "14/07/2011" not in bad["error"] and "B987654321098" not in bad["error"]
