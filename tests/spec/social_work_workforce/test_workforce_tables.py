"""Children's social work workforce census, table by table: a small XML return as a
council's HR system writes it, and what comes out.

Each case is an inline file, and the issues expected in each table as (row, column,
code); a row is the line of the element that makes it (``<CSWWWorker>`` for a worker,
``<LALevelVacancies>`` for the LA-level row).
"""

from __future__ import annotations

import io
import textwrap

import polars as pl
import pytest
from builders import issue_tuples

from cld.engine.conform.table import Conformed, conform_table
from cld.engine.readers.xml import read_header, read_tables
from cld.engine.spec.load import load_spec, year_range

DATASET = "social_work_workforce"
Located = tuple[int | None, str | None, str]
"""(row, column, code) of an issue."""

HEADER = """\
<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header>
    <CollectionDetails>
      <Collection>CSWW</Collection>
      <Year>{year}</Year>
      <ReferenceDate>{year}-09-30</ReferenceDate>
    </CollectionDetails>
    <Source>
      <SourceLevel>L</SourceLevel>
      <LEA>202</LEA>
    </Source>
  </Header>
"""
"""Lines 1-13 of every file; its first table starts on line 14."""

VACANCIES = """\
  <LALevelVacancies>
    <NumberOfVacancies>12.50</NumberOfVacancies>
    <NoAgencyFTE>8.60</NoAgencyFTE>
    <NoAgencyHeadcount>9</NoAgencyHeadcount>
  </LALevelVacancies>
"""
"""Lines 14-18 when it follows the header."""

FULL_WORKER = """\
  <CSWWWorker>
    <AgencyWorker>0</AgencyWorker>
    <SWENo>SW0000012345</SWENo>
    <FTE>0.800000</FTE>
    <PersonBirthDate>1985-06-14</PersonBirthDate>
    <GenderCurrent>2</GenderCurrent>
    <Ethnicity>BAFR</Ethnicity>
    <QualInst>University of East London</QualInst>
    <QualLevel>2</QualLevel>
    <StepUpGrad>0</StepUpGrad>
    <OrgRole>5</OrgRole>
    <RoleStartDate>{year}-01-09</RoleStartDate>
    <StartOrigin>2</StartOrigin>
    <FTE30>0.800000</FTE30>
    <Cases30>18</Cases30>
    <WorkingDaysLost>3.50</WorkingDaysLost>
    <FrontlineGrad>0</FrontlineGrad>
    <Absat30Sept>1</Absat30Sept>
    <ReasonAbsence>SIC</ReasonAbsence>
    <CFKSSstatus>2</CFKSSstatus>
  </CSWWWorker>
"""
"""A worker with every fact right: 21 lines."""


def _file(body: str, year: int = 2024) -> bytes:
    return (HEADER + body + "</Message>\n").format(year=year).encode("utf-8")


def _conformed(body: str, year: int = 2024) -> dict[str, Conformed]:
    spec = load_spec(DATASET, year)
    raws = read_tables(io.BytesIO(_file(body, year)), spec)
    return {
        name: conform_table(raw, spec.tables[name], year) for name, raw in raws.items()
    }


def _issues(body: str, year: int = 2024) -> dict[str, set[Located]]:
    return {
        name: issue_tuples(result.issues)
        for name, result in _conformed(body, year).items()
    }


CASES = {
    "a full worker and an agency worker, both right": (
        VACANCIES
        + FULL_WORKER
        + textwrap.indent(
            textwrap.dedent(
                """\
                <CSWWWorker>
                  <AgencyWorker>1</AgencyWorker>
                  <SWENo>sw0000067890</SWENo>
                  <QualInst>University of Lagos</QualInst>
                  <OrgRole>5</OrgRole>
                  <FTE30>1.000000</FTE30>
                  <Cases30>21</Cases30>
                  <ContractWeeks>26.0</ContractWeeks>
                </CSWWWorker>
                """
            ),
            "  ",
        ),
        {"workers": set(), "vacancies": set()},
    ),
    "a leaver with codes that do not exist and a bad date": (
        VACANCIES
        + """\
  <CSWWWorker>
    <AgencyWorker>0</AgencyWorker>
    <SWENo>SW0000012345</SWENo>
    <FTE>1.000000</FTE>
    <PersonBirthDate>14/06/1985</PersonBirthDate>
    <GenderCurrent>3</GenderCurrent>
    <QualInst>Kingston University</QualInst>
    <OrgRole>7</OrgRole>
    <RoleStartDate>2015-03-01</RoleStartDate>
    <RoleEndDate>2024-02-30</RoleEndDate>
    <LeaverDestination>10</LeaverDestination>
    <ReasonLeave>1</ReasonLeave>
    <ReasonAbsence>HOL</ReasonAbsence>
  </CSWWWorker>
""",
        {
            "workers": {
                (19, "PersonBirthDate", "invalid_date"),
                (19, "GenderCurrent", "invalid_category"),
                (19, "OrgRole", "invalid_category"),
                (19, "RoleEndDate", "invalid_date"),
                (19, "LeaverDestination", "invalid_category"),  # 10 is StartOrigin's
                (19, "ReasonAbsence", "invalid_category"),
            },
            "vacancies": set(),
        },
    ),
    "numbers out of the XSD's bounds and a malformed registration number": (
        VACANCIES
        + """\
  <CSWWWorker>
    <AgencyWorker>0</AgencyWorker>
    <SWENo>SW12345</SWENo>
    <FTE>1.5</FTE>
    <QualInst>Brunel University London</QualInst>
    <FTE30>-0.2</FTE30>
    <Cases30>-3</Cases30>
    <WorkingDaysLost>two</WorkingDaysLost>
  </CSWWWorker>
""",
        {
            "workers": {
                (19, "SWENo", "invalid_pattern"),
                (19, "FTE", "out_of_range"),
                (19, "FTE30", "out_of_range"),
                (19, "Cases30", "out_of_range"),
                (19, "WorkingDaysLost", "invalid_number"),
            },
            "vacancies": set(),
        },
    ),
    "mandatory elements left out, empty or written twice": (
        VACANCIES
        + FULL_WORKER
        + """\
  <CSWWWorker>
    <AgencyWorker/>
    <SWENo>SW0000012345</SWENo>
  </CSWWWorker>
  <CSWWWorker>
    <AgencyWorker>1</AgencyWorker>
    <QualInst>Middlesex University</QualInst>
  </CSWWWorker>
""",
        {
            "workers": {
                (40, "AgencyWorker", "blank_mandatory"),
                (40, "QualInst", "blank_mandatory"),
                (40, "SWENo", "duplicate_key"),  # the same worker as line 19
                (44, "SWENo", "blank_mandatory"),
            },
            "vacancies": set(),
        },
    ),
    "LA-level counts wrong, missing or negative": (
        """\
  <LALevelVacancies>
    <NumberOfVacancies>-4.00</NumberOfVacancies>
    <NoAgencyHeadcount>twelve</NoAgencyHeadcount>
  </LALevelVacancies>
"""
        + FULL_WORKER,
        {
            "workers": set(),
            "vacancies": {
                (14, "NumberOfVacancies", "out_of_range"),
                (14, "NoAgencyFTE", "blank_mandatory"),
                (14, "NoAgencyHeadcount", "invalid_number"),
            },
        },
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_case(case: str) -> None:
    body, expected = CASES[case]
    assert _issues(body) == expected


def test_every_year_reads_the_same_file_with_no_issue() -> None:
    for year in year_range(DATASET):
        assert _issues(VACANCIES + FULL_WORKER, year) == {
            "workers": set(),
            "vacancies": set(),
        }


def test_values_are_typed_and_aliases_are_codes() -> None:
    body = VACANCIES + FULL_WORKER.replace(
        "<GenderCurrent>2</GenderCurrent>", "<GenderCurrent>F</GenderCurrent>"
    )
    result = _conformed(body)
    assert result["workers"].issues.is_empty()
    worker = result["workers"].frame.row(0, named=True)
    assert worker["SWENo"] == "SW0000012345"
    assert worker["FTE"] == pytest.approx(0.8)
    assert worker["GenderCurrent"] == "2"
    assert worker["Cases30"] == 18
    assert str(worker["PersonBirthDate"]) == "1985-06-14"
    assert worker["RoleEndDate"] is None
    vacancies = result["vacancies"].frame
    assert vacancies.height == 1
    assert vacancies.row(0) == (12.5, 8.6, 9)
    assert vacancies.schema["NoAgencyHeadcount"] == pl.Int64


def test_an_element_the_xsd_lets_repeat_keeps_its_first_value() -> None:
    body = VACANCIES + FULL_WORKER.replace(
        "<ReasonAbsence>SIC</ReasonAbsence>",
        "<ReasonAbsence>SIC</ReasonAbsence>\n    <ReasonAbsence>MAT</ReasonAbsence>",
    )
    result = _conformed(body)
    assert result["workers"].frame["ReasonAbsence"].to_list() == ["SIC"]


def test_the_header_names_the_collection_year_and_la() -> None:
    spec = load_spec(DATASET, 2024)
    assert spec.xml is not None
    header = read_header(io.BytesIO(_file(VACANCIES + FULL_WORKER)), spec.xml)
    assert header == {
        "collection": "CSWW",
        "year": "2024",
        "reference_date": "2024-09-30",
        "la": "202",
    }


def test_personal_data_and_keys() -> None:
    workers = load_spec(DATASET, 2024).tables["workers"]
    assert workers.key == ("SWENo",)
    personal = {n: str(c.personal) for n, c in workers.columns.items() if c.personal}
    assert personal == {
        "SWENo": "worker_identifier",
        "PersonBirthDate": "date_of_birth",
    }
    assert workers.mandatory == ("AgencyWorker", "SWENo", "QualInst")
