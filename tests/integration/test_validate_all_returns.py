"""`cld validate` on every return the platform knows: content decides the format,
the XML header gives the year and the LA, and the LA is checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cld.cli.app import run
from cld.governance.authorities import find_authority
from cld.synthetic.registry import GENERATORS, generate

CAMDEN = find_authority("CAM")


@pytest.fixture(scope="module")
def uploads(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    made: dict[str, list[Path]] = {}
    for dataset in GENERATORS:
        for upload in generate(dataset, CAMDEN, 2024, children=12, seed=3):
            (folder / upload.name).write_bytes(upload.data)
            made.setdefault(dataset, []).append(folder / upload.name)
    return made


def validate_json(capsys, *args):
    code = run(["validate", "--json", *map(str, args)])
    return code, json.loads(capsys.readouterr().out)["files"]


@pytest.mark.parametrize("dataset", list(GENERATORS))
def test_every_return_is_identified_and_clean(uploads, capsys, dataset):
    code, reports = validate_json(capsys, "--la", "CAM", *uploads[dataset])
    assert code == 0
    for report in reports:
        assert report["dataset"] == dataset, report["file"]
        assert report["year"] == 2024
        assert report["error"] is None
        assert report["issues"] == [] or {i["code"] for i in report["issues"]} <= {
            "no_rows"
        }
        assert report["tables"]


def test_xml_year_comes_from_the_header(uploads, capsys):
    (cin,) = uploads["cin_census"]
    code, (report,) = validate_json(capsys, "--year", "2019", cin)
    assert code == 0 and report["year"] == 2024
    assert "from <Year> in the file's header" in report["year_reason"]
    assert "--year 2019 was not used" in report["year_reason"]


def test_the_la_in_an_xml_header_is_checked_against_la(uploads, capsys):
    (cin,) = uploads["cin_census"]
    code, (report,) = validate_json(capsys, "--la", "HAC", cin)
    assert code == 0
    (issue,) = [i for i in report["issues"] if i["code"] == "la_mismatch"]
    assert issue["severity"] == "error"
    assert issue["message"] == (
        f"The file says it is from LA {CAMDEN.dfe}, but it was uploaded for LA 204"
    )


def test_content_decides_the_format_whatever_the_name(uploads, capsys, tmp_path):
    (cin,) = uploads["cin_census"]
    renamed = tmp_path / "upload.csv"
    renamed.write_bytes(cin.read_bytes())
    code, (report,) = validate_json(capsys, renamed)
    assert code == 0 and report["dataset"] == "cin_census"
    misleading = tmp_path / "SSDA903_2024_episodes.csv"
    misleading.write_bytes(cin.read_bytes())
    code, (report,) = validate_json(capsys, misleading)
    assert code == 2
    assert report["error"].startswith("the file name says SSDA903")
