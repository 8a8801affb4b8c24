"""Collection years as councils write them all mean the year ending 31 March."""

from __future__ import annotations

import pytest

from cld.engine.years import find_year, parse_year


@pytest.mark.parametrize(
    "written",
    ["2024", "2023-24", "2023/24", "202324", "2324", "23/24", "23-24", "2023-2024"],
)
def test_every_way_of_writing_2024(written):
    assert parse_year(written) == 2024


@pytest.mark.parametrize(
    ("name", "year", "written"),
    [
        ("SSDA903_2024_episodes.csv", 2024, "2024"),
        ("903_episodes_2024.csv", 2024, "2024"),
        ("SSDA903_2023-24_Header.csv", 2024, "2023-24"),
        ("ssda903 2324 reviews.csv", 2024, "2324"),
        ("cla_2019_20_episodes.csv", 2020, "2019_20"),
        ("header_2016-2017.csv", 2017, "2016-2017"),
        ("SSDA903_2324_header_export_2025-03-31.csv", 2024, "2324"),
        ("SSDA903_2324_header_20250331.csv", 2024, "2324"),
        ("episodes_31.03.2025_2024.csv", 2024, "2024"),
        ("batch200001_SSDA903_2024_episodes.csv", 2024, "2024"),
    ],
)
def test_years_in_file_names(name, year, written):
    found = find_year(name)
    assert found is not None
    assert (found.year, found.written) == (year, written)


@pytest.mark.parametrize("name", ["episodes.csv", "903_header.csv", "301_episodes.csv"])
def test_no_year_in_the_name(name):
    assert find_year(name) is None


@pytest.mark.parametrize("text", ["24", "2023-25", "23/25", "twenty", "2024x", ""])
def test_not_a_year(text):
    assert parse_year(text) is None


def test_a_year_explains_itself():
    found = find_year("SSDA903_2023-24_Header.csv")
    assert found is not None
    assert found.explain("the file name") == (
        "2024 (the year ending 31 March 2024, 2023-24), from '2023-24' in the file name"
    )


def test_a_plain_four_digit_year_wins_over_two_two_digit_years():
    # 2021 is the year 2021, not "20-21" (which would also be 2021, but say so once)
    found = find_year("episodes_2021.csv")
    assert found is not None and found.written == "2021" and found.year == 2021
