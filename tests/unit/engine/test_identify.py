"""Identification: the header row first, the file name second, the year explained."""

from __future__ import annotations

import pytest

from cld.engine.errors import UnidentifiedFileError
from cld.engine.identify import choose_year, identify, identify_table
from cld.engine.spec.load import load_spec

HEADER = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")


@pytest.mark.parametrize("table", list(load_spec("ssda903", 2026).tables))
def test_every_ssda903_table_is_known_by_its_header_row(table):
    headers = tuple(load_spec("ssda903", 2026).tables[table].columns)
    assert identify_table(headers, "upload.csv") == (
        "ssda903",
        table,
        "from the header row",
    )


def test_the_header_row_wins_over_a_misleading_file_name():
    found = identify(HEADER, "SSDA903_2024_episodes.csv")
    assert (found.dataset, found.table, found.year) == ("ssda903", "header", 2024)


def test_a_partial_header_row_still_finds_its_table():
    # four header columns also look like the UASC table (CHILD, DOB, SEX, DUC)
    dataset, table, _ = identify_table(("CHILD", "SEX", "DOB", "ETHNIC"), "x.csv")
    assert table == "header"


def test_the_file_name_when_the_header_row_matches_too_little():
    headers = ("CHILD", "Placement", "Notes", "More")
    dataset, table, reason = identify_table(headers, "903_episodes_2024.csv")
    assert (dataset, table) == ("ssda903", "episodes")
    assert reason.startswith("from the file name")


def test_the_file_name_alone_is_not_enough():
    with pytest.raises(UnidentifiedFileError, match="is the header row missing"):
        identify_table(("A123", "01/02/2010"), "903_episodes_2024.csv")


def test_the_file_name_breaks_a_tie():
    # CHILD and DOB alone fit many SSDA903 tables equally well
    assert identify_table(("CHILD", "DOB"), "SSDA903_2024_reviews.csv")[1] == "reviews"
    with pytest.raises(UnidentifiedFileError, match="more than one table"):
        identify_table(("CHILD", "DOB"), "upload.csv")


def test_nothing_to_go_on():
    with pytest.raises(UnidentifiedFileError, match="could not tell which return"):
        identify_table(("A", "B", "C"), "upload.csv")


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("SSDA903_2024_episodes.csv", 2024),
        ("903_episodes_2024.csv", 2024),
        ("SSDA903_2023-24_Header.csv", 2024),
        ("header 23-24.csv", 2024),
    ],
)
def test_year_from_the_file_name(name, year):
    found = identify(HEADER, name)
    assert found.year == year
    assert f"in the file name '{name}'" in found.year_reason


def test_year_given_wins_and_says_what_the_name_said():
    year, reason = choose_year("SSDA903_2023_header.csv", given=2024)
    assert year == 2024
    assert reason == "2024, given with --year (the file name says 2023)"


def test_year_from_the_folder():
    year, reason = choose_year("header.csv", folder="2022-23")
    assert year == 2023 and "the folder name '2022-23'" in reason


def test_no_year_anywhere():
    with pytest.raises(UnidentifiedFileError, match="pass --year"):
        identify(HEADER, "header.csv")


def test_a_year_with_no_schema():
    with pytest.raises(UnidentifiedFileError, match="2017 to 2026, not 2030"):
        identify(HEADER, "header_2030.csv")


def test_a_table_that_did_not_exist_that_year():
    columns = tuple(load_spec("ssda903", 2024).tables["social_worker"].columns)
    with pytest.raises(UnidentifiedFileError, match="only in 2024–2026"):
        identify(columns, "social_worker_2022.csv")


def test_a_termly_census_is_named_by_the_calendar_year_of_its_census_day():
    year, reason = choose_year("SC_autumn_2023_pupils.csv", ending_march=False)
    assert year == 2023
    assert reason == (
        "2023 (the census in calendar year 2023), from '2023' in the file name "
        "'SC_autumn_2023_pupils.csv'"
    )


@pytest.mark.parametrize("file_format", ["csv", "xml", "xlsx"])
def test_identification_reads_the_headers_every_checked_schema_has(file_format):
    # Identification reads the schema files' tables without building each
    # year's checked schema: what it compares must be what those schemas say.
    from cld.engine.identify import _candidates
    from cld.engine.spec.load import dataset_facts, dataset_names, distinct_years

    expected: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    words: dict[tuple[str, str], tuple[str, ...]] = {}
    for dataset in dataset_names():
        if dataset_facts(dataset).format != file_format:
            continue
        for year in distinct_years(dataset):
            for name, table in load_spec(dataset, year).tables.items():
                expected.setdefault((dataset, name), {}).update(
                    (column, spec.headers) for column, spec in table.columns.items()
                )
                words[(dataset, name)] = table.file_names
    found = {
        (c.dataset, c.table): {n: s.headers for n, s in c.columns.items()}
        for c in _candidates(file_format)
    }
    assert found == expected
    assert {(c.dataset, c.table): c.table_words for c in _candidates(file_format)} == (
        words
    )
