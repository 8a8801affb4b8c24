"""The synthetic CIN census generator: valid returns, deterministic, honest faults.

Every file is read back with the XML reader and conformed, as the validator does:
a clean file raises no issue in any year, and a messy one raises exactly the
planted faults, at their lines.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from cld.engine.conform.table import conform_table
from cld.engine.readers.xml import read_header, read_tables
from cld.engine.spec.load import load_spec
from cld.governance.authorities import authorities, find_authority
from cld.synthetic.cin_census import CinUpload, generate, write_cin_census
from cld.synthetic.cin_census.faults import PLANTED
from cld.synthetic.registry import generate as generate_any

YEARS = range(2017, 2027)
KEYS = ["table", "row", "column", "code"]
CAMDEN = find_authority("CAM")
XSDS = Path(__file__).resolve().parents[3].parent / "shared/reference/specs/cin_census"


@cache
def made(
    year: int, children: int = 60, seed: int = 1, messiness: float = 0.0
) -> CinUpload:
    return generate(
        authorities()[year % 33],
        year,
        children=children,
        seed=seed,
        messiness=messiness,
    )[0]


def conformed(upload: CinUpload) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    spec = load_spec("cin_census", upload.year)
    raws = read_tables(io.BytesIO(upload.data), spec)
    frames, issues = {}, []
    for name, raw in raws.items():
        result = conform_table(raw, spec.tables[name], upload.year)
        frames[name] = result.frame
        issues.append(result.issues.select(KEYS))
    return frames, pl.concat(issues)


def test_same_seed_same_bytes() -> None:
    first = generate(CAMDEN, 2024, children=80, seed=7, messiness=0.05)[0]
    again = generate(CAMDEN, 2024, children=80, seed=7, messiness=0.05)[0]
    other = generate(CAMDEN, 2024, children=80, seed=8, messiness=0.05)[0]
    assert first.data == again.data
    assert first.faults.equals(again.faults)
    assert first.data != other.data


def test_an_upload_as_the_registry_promises() -> None:
    upload = generate_any("cin_census", CAMDEN, 2024, children=25, seed=2)[0]
    assert (upload.la, upload.year) == ("CAM", 2024)
    assert upload.name.endswith(".xml") and "cin" in upload.name.lower()
    assert upload.faults.columns == KEYS
    frames, _ = conformed(upload)  # type: ignore[arg-type]
    assert upload.rows == sum(frame.height for frame in frames.values())
    layout = load_spec("cin_census", 2024).xml
    assert layout is not None
    assert read_header(io.BytesIO(upload.data), layout) == {
        "collection": "CIN",
        "year": "2024",
        "reference_date": "2024-03-31",
        "la": "202",  # Camden's DfE number
    }


@pytest.mark.parametrize("year", YEARS)
def test_clean_return_of_every_year_raises_no_issue(year: int) -> None:
    upload = made(year)
    frames, issues = conformed(upload)
    assert issues.height == 0, issues.head()
    assert upload.faults.height == 0
    assert all(frame.height > 0 for frame in frames.values())  # every table has rows
    assert frames["children"].height == 60


@pytest.mark.parametrize("year", [2017, 2022, 2025])
def test_planted_faults_are_found_where_recorded(year: int) -> None:
    upload = made(year, children=150, messiness=0.08)
    _, issues = conformed(upload)
    planted = upload.faults.select(KEYS)
    assert planted.height > 20
    assert set(planted["code"]) <= {str(code) for code in PLANTED}
    assert planted.sort(KEYS).equals(issues.sort(KEYS))


def test_every_kind_of_fault_is_planted() -> None:
    upload = made(2024, children=300, messiness=0.2)
    assert set(upload.faults["code"]) == {str(code) for code in PLANTED}


def test_years_use_their_own_elements_and_codes() -> None:
    old, new = made(2017).data.decode(), made(2025).data.decode()
    assert "<GenderCurrent>" in old and "<Sex>" not in old
    assert "<Sex>" in new and "<GenderCurrent>" not in new
    assert "<CINPlanDates>" not in old and "<CINPlanDates>" in made(2022).data.decode()
    sexes = set(conformed(made(2025))[0]["children"]["Sex"])
    assert sexes <= {"M", "F", "U"}


def test_journeys_are_in_date_order_within_the_year() -> None:
    upload = made(2024, children=400, seed=4)
    frames, _ = conformed(upload)
    start, end = dt.date(2023, 4, 1), dt.date(2024, 3, 31)
    episodes = frames["cin_episodes"]
    ahead = ("InitialCPCtarget", "ExpectedPersonBirthDate")  # may be after 31 March
    for frame in frames.values():
        for name, dtype in frame.schema.items():
            if dtype == pl.Date and name not in ahead:
                assert frame[name].max() <= end, name  # type: ignore[operator]
    closed = episodes.filter(pl.col("CINclosureDate").is_not_null())
    assert (closed["CINclosureDate"] >= start).all()
    assert (closed["CINclosureDate"] >= closed["CINreferralDate"]).all()
    on = ["LAchildID", "CINreferralDate"]
    checks = {
        "assessments": pl.col("AssessmentActualStartDate") >= pl.col("CINreferralDate"),
        "section47": pl.col("S47ActualStartDate") >= pl.col("CINreferralDate"),
        "child_protection_plans": pl.col("CPPstartDate") >= pl.col("CINreferralDate"),
    }
    for name, rule in checks.items():
        joined = frames[name].join(episodes, on=on, how="left", validate="m:1")
        assert joined.height == frames[name].height
        assert joined.select(rule.all()).item(), name
        closure = pl.col("CINclosureDate")
        for column in frames[name].columns:
            if frames[name].schema[column] == pl.Date and column not in ahead:
                late = joined.filter(closure.is_not_null() & (pl.col(column) > closure))
                assert late.height == 0, (name, column)
    assessments = frames["assessments"].drop_nulls("AssessmentAuthorisationDate")
    assert (
        assessments["AssessmentAuthorisationDate"]
        >= assessments["AssessmentActualStartDate"]
    ).all()
    plans = frames["child_protection_plans"].drop_nulls("CPPendDate")
    assert (plans["CPPendDate"] >= plans["CPPstartDate"]).all()
    reviews = frames["reviews"].join(
        frames["child_protection_plans"], on=[*on, "CPPstartDate"], how="left"
    )
    assert (reviews["CPPreviewDate"] > reviews["CPPstartDate"]).all()
    children = frames["children"].join(
        episodes.group_by("LAchildID").agg(pl.col("CINreferralDate").min()),
        on="LAchildID",
    )
    born = children.drop_nulls("PersonBirthDate")
    assert (born["PersonBirthDate"] <= born["CINreferralDate"]).all()


def test_written_to_disk_as_generated(tmp_path: Path) -> None:
    path = tmp_path / "cin.xml"
    written = write_cin_census(path, CAMDEN, 2023, children=30, seed=3, messiness=0.1)
    upload = generate(CAMDEN, 2023, children=30, seed=3, messiness=0.1)[0]
    assert path.read_bytes() == upload.data
    assert written.rows == upload.rows
    assert written.faults.equals(upload.faults)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="children"):
        generate(CAMDEN, 2024, children=0)
    with pytest.raises(ValueError, match="messiness"):
        generate(CAMDEN, 2024, children=5, messiness=1.5)


@pytest.mark.skipif(not XSDS.is_dir(), reason="the Department's CIN XSDs are not here")
@pytest.mark.parametrize("year", YEARS)
def test_valid_against_the_years_xml_schema(year: int) -> None:
    from lxml import etree  # type: ignore[import-untyped, unused-ignore]

    schema = etree.XMLSchema(etree.parse(str(XSDS / f"CIN_schema_{year}.xsd")))
    document = etree.fromstring(made(year).data)
    assert schema.validate(document), schema.error_log
