"""The school census schema: every year resolves, and the main changes hold.

A year is the calendar year of the census day; each term has its own tables, named
``<term>_<extract table>``.
"""

from __future__ import annotations

import pytest

from cld.engine.conform.headers import column_for
from cld.engine.spec.load import change_years, load_spec, year_range
from cld.engine.spec.model import (
    CategoryColumn,
    DatasetSpec,
    PersonalData,
    TableSpec,
)

DATASET = "school_census"
YEARS = list(year_range(DATASET))
TERMS = ("autumn", "spring", "summer")


def spec(year: int) -> DatasetSpec:
    return load_spec(DATASET, year)


def table(year: int, name: str) -> TableSpec:
    return spec(year).tables[name]


def codes(year: int, name: str, column: str) -> list[str]:
    found = table(year, name).columns[column]
    assert isinstance(found, CategoryColumn)
    return list(found.codes)


def test_the_dataset_runs_2015_to_2026_in_three_terms() -> None:
    assert (YEARS[0], YEARS[-1]) == (2015, 2026)
    assert spec(2020).terms == TERMS
    assert spec(2020).format == "csv"
    assert change_years(DATASET) == tuple(range(2016, 2027))


@pytest.mark.parametrize("year", YEARS)
def test_every_year_resolves_with_tables_named_by_term(year: int) -> None:
    tables = spec(year).tables
    assert tables
    for name, found in tables.items():
        term, _, extract = name.partition("_")
        assert term in TERMS, name
        assert f"{extract}tableid" in found.columns, name
        assert found.key, f"{name} has no key"
        assert found.mandatory, name
        assert all(column.label for column in found.columns.values()), name


def test_2015_has_the_autumn_census_only_and_spring_and_summer_start_in_2016() -> None:
    assert {n.split("_")[0] for n in spec(2015).tables} == {"autumn"}
    assert "spring_pupilonroll" in spec(2016).tables
    assert "summer_pupilonroll" in spec(2016).tables
    assert len(spec(2015).tables) == 18


@pytest.mark.parametrize("year", YEARS)
def test_tables_with_the_same_header_row_are_told_apart_by_the_file_name(
    year: int,
) -> None:
    """A table made in several terms has the term's words, and only those."""
    seen: dict[tuple[str, ...], str] = {}
    for name, found in spec(year).tables.items():
        term = name.split("_")[0]
        if term in found.file_names:
            assert set(found.file_names) <= {term, term[:3]}, name
        headers = tuple(found.columns)
        if headers in seen:
            other = seen[headers]
            assert not set(found.file_names) & set(table(year, other).file_names)
        seen[headers] = name


def test_a_column_added_in_a_year_exists_from_that_year_and_not_before() -> None:
    # service child: autumn 2018; young carer: spring 2023; T Level hours: autumn 2020
    for name, column, since in (
        ("autumn_pupilonroll", "servicechild", 2018),
        ("spring_pupilonroll", "youngcarer", 2023),
        ("autumn_pupilnolongeronroll", "tlevelqualhrs", 2020),
        ("autumn_addressesonroll", "uniquepropertyreferencenumber", 2016),
    ):
        assert column not in table(since - 1, name).columns
        for year in range(since, 2027):
            assert column in table(year, name).columns, (name, column, year)


def test_a_column_reaches_each_term_in_its_own_year() -> None:
    """The 30 hours code: autumn 2017, spring and summer 2018."""
    assert "thirtyhourcode" in table(2017, "autumn_pupilonroll").columns
    assert "thirtyhourcode" not in table(2017, "spring_pupilonroll").columns
    assert "thirtyhourcode" in table(2018, "spring_pupilonroll").columns
    # and its rename to eligibilitycode: autumn 2024, spring and summer 2025
    assert "eligibilitycode" in table(2024, "autumn_pupilonroll").columns
    assert "thirtyhourcode" in table(2024, "summer_pupilonroll").columns
    assert "eligibilitycode" in table(2025, "summer_pupilonroll").columns


def test_gender_becomes_sex_and_the_old_header_still_reads() -> None:
    assert "gender" in table(2022, "autumn_pupilonroll").columns
    autumn = table(2023, "autumn_pupilonroll")
    assert "sex" in autumn.columns and "gender" not in autumn.columns
    assert column_for("gender", autumn.columns) == "sex"
    assert column_for("Gender", autumn.columns) == "sex"
    assert "gender" in table(2023, "spring_pupilonroll").columns
    assert "sex" in table(2024, "spring_pupilonroll").columns


def test_tables_come_and_go() -> None:
    assert "autumn_nationalitiesonroll" not in spec(2015).tables
    assert "autumn_nationalitiesonroll" in spec(2017).tables
    assert "autumn_nationalitiesonroll" not in spec(2018).tables
    assert "spring_nationalitiesonroll" in spec(2018).tables
    assert "autumn_levels" in spec(2017).tables
    assert "autumn_levels" not in spec(2018).tables
    assert "autumn_annualsessiondetailsonroll" in spec(2016).tables
    assert "autumn_annualsessiondetailsonroll" not in spec(2017).tables
    assert "summer_fundingbasisitems" not in spec(2023).tables
    assert "summer_fundingbasisitems" in spec(2024).tables


def test_exclusions_fixed_period_becomes_suspension_and_old_exports_still_read() -> (
    None
):
    assert codes(2019, "autumn_termlyexclusionsonroll", "category") == [
        "PERM",
        "LNCH",
        "FIXD",
    ]
    category = table(2020, "autumn_termlyexclusionsonroll").columns["category"]
    assert isinstance(category, CategoryColumn)
    assert list(category.codes) == ["PERM", "LNCH", "SUSP"]
    assert category.spellings()["fixd"] == "SUSP"
    # spring and summer follow in 2021
    assert "FIXD" in codes(2020, "spring_termlyexclusionsonroll", "category")
    assert "SUSP" in codes(2021, "spring_termlyexclusionsonroll", "category")


def test_attendance_codes_of_2024() -> None:
    before = codes(2023, "autumn_termlysessiondetailsonroll", "attendancereason")
    after = codes(2024, "autumn_termlysessiondetailsonroll", "attendancereason")
    assert "Y" in before and "Y" not in after
    assert {"C1", "C2", "J1", "K", "Q", "Y1", "Y7"} <= set(after) - set(before)
    assert "C1" not in codes(
        2024, "spring_termlysessiondetailsonroll", "attendancereason"
    )
    assert "C1" in codes(2025, "spring_termlysessiondetailsonroll", "attendancereason")


def test_sen_code_s_withdrawn_in_2019_and_back_in_2021() -> None:
    assert "S" in codes(2018, "autumn_pupilonroll", "senprovision")
    assert "S" not in codes(2019, "autumn_pupilonroll", "senprovision")
    assert "S" in codes(2021, "autumn_pupilonroll", "senprovision")
    assert "S" in codes(2019, "spring_pupilonroll", "senprovision")
    assert "S" not in codes(2020, "spring_pupilonroll", "senprovision")
    assert "S" in codes(2022, "spring_pupilonroll", "senprovision")


def test_exclusion_reasons_split_into_three_in_2021() -> None:
    before = table(2020, "autumn_termlyexclusionsonroll").columns
    after = table(2021, "autumn_termlyexclusionsonroll").columns
    assert "reason" in before and "reason1" not in before
    assert {"reason1", "reason2", "reason3"} <= set(after) and "reason" not in after


def test_keys_identify_a_pupil_by_return_and_upn_and_other_rows_by_parent() -> None:
    assert table(2024, "autumn_pupilonroll").sort_by == ("schoolcensustableid", "upn")
    assert table(2024, "spring_termlyexclusionsonroll").sort_by == (
        "pupilonrolltableid",
        "termlyexclusionsonrollorderseqcolumn",
    )
    assert table(2024, "autumn_schoolcensus").sort_by == ("schoolcensustableid",)
    learning = table(2024, "autumn_learningaimsonroll")
    assert learning.sort_by[0] == "programmeaimsonrolltableid"


def test_personal_data_is_marked() -> None:
    pupils = table(2024, "autumn_pupilonroll").columns
    assert pupils["upn"].personal == PersonalData.NATIONAL_IDENTIFIER
    assert pupils["formerupn"].personal == PersonalData.NATIONAL_IDENTIFIER
    assert pupils["uniquelearnernumber"].personal == (PersonalData.NATIONAL_IDENTIFIER)
    assert pupils["surname"].personal == PersonalData.NAME
    assert pupils["forename"].personal == PersonalData.NAME
    assert pupils["dob"].personal == PersonalData.DATE_OF_BIRTH
    addresses = table(2024, "autumn_addressesonroll").columns
    assert addresses["postcode"].personal == PersonalData.POSTCODE
    assert addresses["street"].personal == PersonalData.FREE_TEXT
    # the school's own address is not personal
    school = table(2016, "spring_school").columns
    assert school["postcode"].personal is None


def test_exporters_other_header_spellings_are_read() -> None:
    columns = table(2024, "autumn_pupilonroll").columns
    assert column_for("NC Year Actual", columns) == "ncyearactual"
    assert column_for("Unique Pupil Number", columns) == "upn"
    assert column_for("Date of Birth", columns) == "dob"
    assert column_for("ULN", columns) == "uniquelearnernumber"
    assert column_for("termly_sessions_possible", columns) == "termlysessionspossible"
