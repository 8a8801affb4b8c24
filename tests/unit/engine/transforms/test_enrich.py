"""Ages and school years from the full date of birth, at the reference date."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cld.engine.transforms.enrich import (
    age_at,
    enrich,
    reference_date,
    school_year_at,
)

ON = dt.date(2024, 3, 31)


@pytest.mark.parametrize(
    ("born", "age", "school_year"),
    [
        (dt.date(2010, 5, 17), 13, 9),  # Year 9
        (dt.date(2006, 3, 31), 18, 13),  # 18 on the day itself
        (dt.date(2006, 4, 1), 17, 13),  # 18 the day after, same school year
        (dt.date(2019, 8, 31), 4, 0),  # youngest in Reception
        (dt.date(2018, 9, 1), 5, 0),  # oldest in Reception
        (dt.date(2020, 1, 1), 4, -1),  # not at school yet
        (dt.date(2024, 4, 1), None, None),  # not born yet (an expected date)
    ],
)
def test_age_and_school_year(
    born: dt.date, age: int | None, school_year: int | None
) -> None:
    frame = pl.DataFrame({"dob": [born]})
    got = frame.select(
        age_at(pl.col("dob"), ON).alias("age"),
        school_year_at(pl.col("dob"), ON).alias("year"),
    ).row(0)
    assert got == (age, school_year)


def test_reference_dates() -> None:
    assert reference_date(2024) == dt.date(2024, 3, 31)
    assert reference_date(2024, "autumn") == dt.date(2024, 10, 3)  # 1st Thursday
    assert reference_date(2024, "spring") == dt.date(2024, 1, 18)  # 3rd Thursday
    assert reference_date(2024, "summer") == dt.date(2024, 5, 16)
    assert reference_date(2024, "unknown term") == dt.date(2024, 3, 31)


def test_enrich_adds_only_what_is_wanted() -> None:
    frame = pl.DataFrame({"DOB": [dt.date(2010, 5, 17)]})
    out = enrich(
        frame, la="CAM", year=2024, on=ON, birth_column="DOB", wanted=frozenset({"AGE"})
    )
    assert out.columns == ["DOB", "LA", "YEAR", "AGE"]
    assert out.row(0) == (dt.date(2010, 5, 17), "CAM", 2024, 13)
    bare = enrich(
        frame, la="CAM", year=2024, on=ON, birth_column=None, wanted=frozenset({"AGE"})
    )
    assert bare.columns == ["DOB", "LA", "YEAR"]
