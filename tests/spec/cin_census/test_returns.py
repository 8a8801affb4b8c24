"""CIN census, as councils write it: small XML returns in, tables and issues out.

Each case is a return written inline (one or two children), read with the XML
reader and conformed table by table; the issues expected are (table, line of the
record, column, code), the line found by a marker in the text. The year-change
cases show codes that became valid or invalid in the year the schema changed.
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from typing import Any

import polars as pl
import pytest

from cld.engine.conform.table import conform_table
from cld.engine.readers.xml import read_header, read_root, read_tables
from cld.engine.spec.load import change_years, load_spec

DATASET = "cin_census"

HEADER = """\
<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header>
    <CollectionDetails>
      <Collection>CIN</Collection>
      <Year>{year}</Year>
      <ReferenceDate>{year}-03-31</ReferenceDate>
    </CollectionDetails>
    <Source>
      <SourceLevel>L</SourceLevel>
      <LEA>202</LEA>
    </Source>
  </Header>
  <Children>
"""
FOOTER = "  </Children>\n</Message>\n"

Issue = tuple[str, int, str | None, str]


def cin_return(year: int, children: str) -> str:
    return (
        HEADER.format(year=year)
        + textwrap.indent(textwrap.dedent(children), "    ")
        + FOOTER
    )


def line_of(text: str, marker: str, nth: int = 1) -> int:
    at = -1
    for _ in range(nth):
        at = text.index(marker, at + 1)
    return text.count("\n", 0, at) + 1


def validate(year: int, text: str) -> tuple[dict[str, pl.DataFrame], set[Issue]]:
    spec = load_spec(DATASET, year)
    raws = read_tables(io.BytesIO(text.encode()), spec)
    frames: dict[str, pl.DataFrame] = {}
    issues: set[Issue] = set()
    for name, raw in raws.items():
        conformed = conform_table(raw, spec.tables[name], year)
        frames[name] = conformed.frame
        issues |= {
            (name, row["row"], row["column"], row["code"])
            for row in conformed.issues.iter_rows(named=True)
            if row["code"] != "no_rows"
        }
    return frames, issues


def child(
    *,
    gender: str = "<GenderCurrent>1</GenderCurrent>",
    factors: tuple[str, ...] = ("3A",),
    source: str = "6",
    reason: str = "RC7",
    plans: str = "",
    need: str = "N1",
    identifier: str = "1001",
) -> str:
    found = "".join(
        f"\n      <AssessmentFactors>{f}</AssessmentFactors>" for f in factors
    )
    return f"""\
<Child>
  <ChildIdentifiers>
    <LAchildID>{identifier}</LAchildID>
    <UPN>A12345678901B</UPN>
    <PersonBirthDate>2012-06-14</PersonBirthDate>
    {gender}
  </ChildIdentifiers>
  <ChildCharacteristics>
    <Ethnicity>WBRI</Ethnicity>
    <Disabilities>
      <Disability>AUT</Disability>
    </Disabilities>
  </ChildCharacteristics>
  <CINdetails>
    <CINreferralDate>2023-05-01</CINreferralDate>
    <ReferralSource>{source}</ReferralSource>
    <PrimaryNeedCode>{need}</PrimaryNeedCode>
    <CINclosureDate>2024-02-01</CINclosureDate>
    <ReasonForClosure>{reason}</ReasonForClosure>
    <DateOfInitialCPC>2023-05-20</DateOfInitialCPC>
    <Assessments>
      <AssessmentActualStartDate>2023-05-02</AssessmentActualStartDate>
      <AssessmentAuthorisationDate>2023-06-01</AssessmentAuthorisationDate>
      <FactorsIdentifiedAtAssessment>{found}
      </FactorsIdentifiedAtAssessment>
    </Assessments>{plans}
    <Section47>
      <S47ActualStartDate>2023-05-03</S47ActualStartDate>
      <InitialCPCtarget>2023-05-24</InitialCPCtarget>
      <DateOfInitialCPC>2023-05-20</DateOfInitialCPC>
      <ICPCnotRequired>0</ICPCnotRequired>
    </Section47>
    <ReferralNFA>0</ReferralNFA>
    <ChildProtectionPlans>
      <CPPstartDate>2023-05-20</CPPstartDate>
      <CPPendDate>2024-01-20</CPPendDate>
      <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
      <LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>
      <NumberOfPreviousCPP>0</NumberOfPreviousCPP>
      <Reviews>
        <CPPreviewDate>2023-08-18</CPPreviewDate>
        <CPPreviewDate>2023-11-18</CPPreviewDate>
      </Reviews>
    </ChildProtectionPlans>
  </CINdetails>
</Child>
"""


PLAN = """
    <CINPlanDates>
      <CINPlanStartDate>2024-01-21</CINPlanStartDate>
      <CINPlanEndDate>2024-01-31</CINPlanEndDate>
    </CINPlanDates>"""


# --- the tables and their columns -------------------------------------------------

COLUMNS_2017 = {
    "children": [
        "LAchildID", "UPN", "FormerUPN", "UPNunknown", "PersonBirthDate",
        "ExpectedPersonBirthDate", "GenderCurrent", "PersonDeathDate", "Ethnicity",
    ],
    "disabilities": ["LAchildID", "Disability"],
    "cin_episodes": [
        "LAchildID", "CINreferralDate", "ReferralSource", "PrimaryNeedCode",
        "CINclosureDate", "ReasonForClosure", "DateOfInitialCPC", "ReferralNFA",
    ],
    "assessments": [
        "LAchildID", "CINreferralDate", "AssessmentActualStartDate",
        "AssessmentInternalReviewDate", "AssessmentAuthorisationDate",
    ],
    "assessment_factors": [
        "LAchildID", "CINreferralDate", "AssessmentActualStartDate", "AssessmentFactors",
    ],
    "section47": [
        "LAchildID", "CINreferralDate", "S47ActualStartDate", "InitialCPCtarget",
        "DateOfInitialCPC", "ICPCnotRequired",
    ],
    "child_protection_plans": [
        "LAchildID", "CINreferralDate", "CPPstartDate", "CPPendDate",
        "InitialCategoryOfAbuse", "LatestCategoryOfAbuse", "NumberOfPreviousCPP",
    ],
    "reviews": ["LAchildID", "CINreferralDate", "CPPstartDate", "CPPreviewDate"],
}  # fmt: skip


def test_the_change_years() -> None:
    assert change_years(DATASET) == (2021, 2022, 2023, 2025, 2026)


def test_tables_and_columns_of_2017() -> None:
    spec = load_spec(DATASET, 2017)
    assert {name: list(t.columns) for name, t in spec.tables.items()} == COLUMNS_2017


def test_tables_and_columns_of_2026() -> None:
    spec = load_spec(DATASET, 2026)
    expected = {name: list(columns) for name, columns in COLUMNS_2017.items()}
    expected["children"][6] = "Sex"
    expected["cin_plans"] = [
        "LAchildID",
        "CINreferralDate",
        "CINPlanStartDate",
        "CINPlanEndDate",
    ]
    assert {name: list(t.columns) for name, t in spec.tables.items()} == expected


@pytest.mark.parametrize("year", range(2017, 2027))
def test_every_column_is_described(year: int) -> None:
    spec = load_spec(DATASET, year)
    assert spec.format == "xml" and spec.xml is not None
    for table in spec.tables.values():
        assert table.record
        assert table.key and table.key[0] == "LAchildID"
        for name, column in table.columns.items():
            assert column.label, (table.name, name)
            if name == "LAchildID":
                assert column.personal == "identifier"
            if name in ("UPN", "FormerUPN"):  # the same in every authority
                assert column.personal == "national_identifier"
            if name in ("PersonBirthDate", "ExpectedPersonBirthDate"):
                assert column.personal == "date_of_birth"


def test_one_child_fills_every_table_and_links_its_rows() -> None:
    text = cin_return(2024, child(factors=("3A", "4B"), plans=PLAN))
    frames, issues = validate(2024, text)
    assert issues == set()
    assert {name: frame.height for name, frame in frames.items()} == {
        "children": 1,
        "disabilities": 1,
        "cin_episodes": 1,
        "assessments": 1,
        "assessment_factors": 2,
        "section47": 1,
        "child_protection_plans": 1,
        "reviews": 2,
        "cin_plans": 1,
    }
    for frame in frames.values():
        assert frame["LAchildID"].to_list() == ["1001"] * frame.height
    referral = dt.date(2023, 5, 1)
    for name in ("assessments", "assessment_factors", "section47", "reviews"):
        assert (
            frames[name]["CINreferralDate"].to_list()
            == [referral] * frames[name].height
        )
    assert (
        frames["assessment_factors"]["AssessmentActualStartDate"].to_list()
        == [dt.date(2023, 5, 2)] * 2
    )
    assert frames["reviews"]["CPPstartDate"].to_list() == [dt.date(2023, 5, 20)] * 2
    assert frames["cin_plans"]["CINPlanStartDate"].to_list() == [dt.date(2024, 1, 21)]
    assert frames["child_protection_plans"]["NumberOfPreviousCPP"].to_list() == [0]


def test_header_and_root() -> None:
    text = cin_return(2024, child()).encode()
    assert read_root(io.BytesIO(text)) == "Message"
    layout = load_spec(DATASET, 2024).xml
    assert layout is not None
    assert read_header(io.BytesIO(text), layout) == {
        "collection": "CIN",
        "year": "2024",
        "reference_date": "2024-03-31",
        "la": "202",
    }


# --- the checks every year ----------------------------------------------------------


def test_faults_in_one_return() -> None:
    body = (
        child()
        .replace("<UPN>A12345678901B</UPN>", "<UPN>A123</UPN>")
        .replace("<CPPendDate>2024-01-20", "<CPPendDate>20/01/2024")
        .replace("<NumberOfPreviousCPP>0", "<NumberOfPreviousCPP>-1")
        .replace("<ICPCnotRequired>0</ICPCnotRequired>", "<ICPCnotRequired/>")
        .replace(
            "<Disability>AUT</Disability>",
            "<Disability>AUT</Disability>\n      <Disability>AUT</Disability>",
        )
    )
    text = cin_return(2024, body)
    _, issues = validate(2024, text)
    assert issues == {
        ("children", line_of(text, "<Child>"), "UPN", "invalid_pattern"),
        (
            "child_protection_plans",
            line_of(text, "<ChildProtectionPlans>"),
            "CPPendDate",
            "invalid_date",
        ),
        (
            "child_protection_plans",
            line_of(text, "<ChildProtectionPlans>"),
            "NumberOfPreviousCPP",
            "out_of_range",
        ),
        (
            "section47",
            line_of(text, "<Section47>"),
            "ICPCnotRequired",
            "blank_mandatory",
        ),
        (
            "disabilities",
            line_of(text, "<Disability>", 2),
            "LAchildID and Disability",
            "duplicate_key",
        ),
    }


def test_a_missing_mandatory_element_is_blank() -> None:
    text = cin_return(2024, child().replace("<Ethnicity>WBRI</Ethnicity>", ""))
    _, issues = validate(2024, text)
    assert issues == {
        ("children", line_of(text, "<Child>"), "Ethnicity", "blank_mandatory")
    }


# --- what changed, year by year ------------------------------------------------------


def _factor_issues(year: int, *factors: str) -> set[Issue]:
    text = cin_return(year, child(factors=factors))
    _, issues = validate(year, text)
    return issues


@pytest.mark.parametrize("factor", ["18B", "18C", "19B", "19C"])
def test_2021_splits_physical_and_sexual_abuse_factors(factor: str) -> None:
    text = cin_return(2020, child(factors=("18A", factor)))
    assert validate(2020, text)[1] == {
        (
            "assessment_factors",
            line_of(text, f"<AssessmentFactors>{factor}"),
            "AssessmentFactors",
            "invalid_category",
        )
    }
    assert _factor_issues(2021, "18A", "19A", factor) == set()  # 18A, 19A kept


def test_2022_adds_cin_plans_and_criminal_exploitation() -> None:
    text = cin_return(2021, child(factors=("24A",), plans=PLAN))
    frames, issues = validate(2021, text)
    assert "cin_plans" not in frames  # CINPlanDates is not read before 2022
    assert issues == {
        (
            "assessment_factors",
            line_of(text, "<AssessmentFactors>24A"),
            "AssessmentFactors",
            "invalid_category",
        )
    }
    frames, issues = validate(
        2022, cin_return(2022, child(factors=("24A",), plans=PLAN))
    )
    assert issues == set()
    assert frames["cin_plans"].height == 1


def test_2022_cin_plan_start_is_mandatory() -> None:
    text = cin_return(2022, child(plans=PLAN.replace("2024-01-21", "")))
    assert validate(2022, text)[1] == {
        (
            "cin_plans",
            line_of(text, "<CINPlanDates>"),
            "CINPlanStartDate",
            "blank_mandatory",
        )
    }


def test_2023_adds_early_help_source_and_closure_reason() -> None:
    text = cin_return(2022, child(source="5D", reason="RC9"))
    line = line_of(text, "<CINdetails>")
    assert validate(2022, text)[1] == {
        ("cin_episodes", line, "ReferralSource", "invalid_category"),
        ("cin_episodes", line, "ReasonForClosure", "invalid_category"),
    }
    assert (
        validate(2023, cin_return(2023, child(source="5D", reason="RC9")))[1] == set()
    )


def test_2025_replaces_gender_with_sex() -> None:
    gender = cin_return(2025, child())
    assert validate(2024, cin_return(2024, child()))[1] == set()
    assert validate(2025, gender)[1] == {
        ("children", line_of(gender, "<Child>"), "Sex", "blank_mandatory")
    }
    numeric = cin_return(2025, child(gender="<Sex>1</Sex>"))
    assert validate(2025, numeric)[1] == {
        ("children", line_of(numeric, "<Child>"), "Sex", "invalid_category")
    }
    frames, issues = validate(2025, cin_return(2025, child(gender="<Sex>F</Sex>")))
    assert issues == set()
    assert frames["children"]["Sex"].to_list() == ["F"]
    sex = cin_return(2024, child(gender="<Sex>F</Sex>"))
    assert validate(2024, sex)[1] == {
        ("children", line_of(sex, "<Child>"), "GenderCurrent", "blank_mandatory")
    }


def test_2026_renames_primary_need_n1() -> None:
    def label(year: int) -> Any:
        column = (
            load_spec(DATASET, year).tables["cin_episodes"].columns["PrimaryNeedCode"]
        )
        return column.codes["N1"].label  # type: ignore[union-attr]

    assert label(2025) == "Abuse or neglect"
    assert label(2026) == "Abuse, neglect and exploitation"
    assert validate(2026, cin_return(2026, child(gender="<Sex>M</Sex>")))[1] == set()


def test_codes_valid_every_year_stay_valid() -> None:
    for year in range(2017, 2027):
        gender = "<Sex>M</Sex>" if year >= 2025 else "<GenderCurrent>1</GenderCurrent>"
        text = cin_return(year, child(gender=gender, factors=("3A", "18A", "21")))
        assert validate(year, text)[1] == set(), year


def test_dates_outside_a_plausible_range() -> None:
    # 2024 return: a birth by 31 March 2024 (an unborn child's expected date up to
    # a year later), no date before 1900, an event at most ten years ahead; a
    # year of two digits is not a date at all
    body = (
        child()
        .replace(
            "<PersonBirthDate>2012-06-14</PersonBirthDate>",
            "<PersonBirthDate>2024-06-14</PersonBirthDate>\n"
            "    <ExpectedPersonBirthDate>2024-09-01</ExpectedPersonBirthDate>",
        )
        .replace(
            "<AssessmentAuthorisationDate>2023-06-01",
            "<AssessmentAuthorisationDate>1823-06-01",
        )
        .replace("<CPPendDate>2024-01-20", "<CPPendDate>24-01-20")
        .replace("<InitialCPCtarget>2023-05-24", "<InitialCPCtarget>2323-05-24")
    )
    text = cin_return(2024, body)
    frames, issues = validate(2024, text)
    out = "date_out_of_range"
    assert issues == {
        ("children", line_of(text, "<Child>"), "PersonBirthDate", out),
        (
            "assessments",
            line_of(text, "<Assessments>"),
            "AssessmentAuthorisationDate",
            out,
        ),
        ("section47", line_of(text, "<Section47>"), "InitialCPCtarget", out),
        (
            "child_protection_plans",
            line_of(text, "<ChildProtectionPlans>"),
            "CPPendDate",
            "invalid_date",
        ),
    }
    assert frames["children"]["PersonBirthDate"].to_list() == [None]
