"""The shared groupings: every boundary, every code the schemas allow, and missing
values as "unknown"."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cld.engine.reports.bands import (
    ETHNICITY_GROUPS,
    UNKNOWN,
    age_band,
    collection_year,
    distance_band,
    ethnicity_group,
    sex_label,
    year_end,
    year_start,
)
from cld.engine.spec.load import load_spec, year_range
from cld.engine.spec.model import CategoryColumn


def one(expr: pl.Expr, values: list[object], dtype: type[pl.DataType]) -> list[object]:
    frame = pl.DataFrame({"v": values}, schema={"v": dtype})
    return frame.select(expr.alias("v"))["v"].to_list()


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "under 1"),
        (1, "1 to 4"),
        (4, "1 to 4"),
        (5, "5 to 9"),
        (9, "5 to 9"),
        (10, "10 to 15"),
        (15, "10 to 15"),
        (16, "16 to 17"),
        (17, "16 to 17"),
        (18, "18 and over"),
        (25, "18 and over"),
        (-1, UNKNOWN),
        (None, UNKNOWN),
    ],
)
def test_age_bands(age: int | None, band: str) -> None:
    assert one(age_band(pl.col("v")), [age], pl.Int16) == [band]


@pytest.mark.parametrize(
    ("km", "band"),
    [
        (0.0, "under 5 km"),
        (4.99, "under 5 km"),
        (5.0, "5 to under 10 km"),
        (9.99, "5 to under 10 km"),
        (10.0, "10 to under 20 km"),
        (19.99, "10 to under 20 km"),
        (20.0, "20 to under 50 km"),
        (49.99, "20 to under 50 km"),
        (50.0, "50 km and over"),
        (412.3, "50 km and over"),
        (-0.1, UNKNOWN),
        (float("nan"), UNKNOWN),
        (None, UNKNOWN),
    ],
)
def test_distance_bands(km: float | None, band: str) -> None:
    assert one(distance_band(pl.col("v")), [km], pl.Float64) == [band]


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("WBRI", "White"),
        ("WROM", "White"),
        ("MWBC", "Mixed"),
        ("APKN", "Asian or Asian British"),
        ("BAFR", "Black or Black British"),
        ("CHNE", "Other ethnic groups"),
        ("OOTH", "Other ethnic groups"),
        ("REFU", "Refused or not obtained"),
        ("NOBT", "Refused or not obtained"),
        ("XXXX", UNKNOWN),
        (None, UNKNOWN),
    ],
)
def test_ethnicity_groups(code: str | None, group: str) -> None:
    assert one(ethnicity_group(pl.col("v")), [code], pl.String) == [group]


def schema_codes(dataset: str, table: str, column: str) -> set[str]:
    found: set[str] = set()
    for year in year_range(dataset):
        columns = load_spec(dataset, year).tables[table].columns
        if column in columns:
            spec = columns[column]
            assert isinstance(spec, CategoryColumn)
            found |= set(spec.codes)
    return found


@pytest.mark.parametrize(
    ("dataset", "table", "column"),
    [("ssda903", "header", "ETHNIC"), ("cin_census", "children", "Ethnicity")],
)
def test_every_ethnicity_code_of_the_schemas_has_a_group(
    dataset: str, table: str, column: str
) -> None:
    codes = sorted(schema_codes(dataset, table, column))
    assert len(codes) == 20
    groups = one(ethnicity_group(pl.col("v")), list(codes), pl.String)
    assert set(groups) == set(ETHNICITY_GROUPS)


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("1", "male"),  # SSDA903 to 2024, CIN census GenderCurrent
        ("M", "male"),  # SSDA903 and CIN census Sex from 2025
        ("2", "female"),
        ("F", "female"),
        ("9", "indeterminate"),  # CIN census GenderCurrent
        ("0", UNKNOWN),  # CIN census: not recorded or unborn
        ("U", UNKNOWN),
        (None, UNKNOWN),
    ],
)
def test_sex_labels(code: str | None, label: str) -> None:
    assert one(sex_label(pl.col("v")), [code], pl.String) == [label]


def test_every_sex_code_of_the_schemas_is_read() -> None:
    codes = (
        schema_codes("ssda903", "header", "SEX")
        | schema_codes("cin_census", "children", "GenderCurrent")
        | schema_codes("cin_census", "children", "Sex")
    )
    assert codes == {"1", "2", "0", "9", "M", "F", "U"}


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2023, 4, 1), 2024),
        (dt.date(2023, 12, 31), 2024),
        (dt.date(2024, 1, 1), 2024),
        (dt.date(2024, 3, 31), 2024),
        (dt.date(2024, 4, 1), 2025),
        (dt.date(2023, 3, 31), 2023),
    ],
)
def test_collection_year_of_a_date(day: dt.date, year: int) -> None:
    assert one(collection_year(pl.col("v")), [day], pl.Date) == [year]


def test_first_and_last_day_of_a_collection_year() -> None:
    frame = pl.DataFrame({"YEAR": [2024]}, schema={"YEAR": pl.Int16})
    got = frame.select(year_start(pl.col("YEAR")), year_end(pl.col("YEAR")).alias("e"))
    assert got.row(0) == (dt.date(2023, 4, 1), dt.date(2024, 3, 31))
