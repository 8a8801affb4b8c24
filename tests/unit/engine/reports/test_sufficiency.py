"""Sufficiency tables from small hand-built episode tables; every expected figure is
counted by hand in the comments next to it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from cld.engine.reports.sufficiency import sufficiency_report

D = dt.date
EPISODE_SCHEMA = {
    "LA": pl.String,
    "YEAR": pl.Int16,
    "CHILD": pl.String,
    "DECOM": pl.Date,
    "RNE": pl.String,
    "LS": pl.String,
    "PLACE": pl.String,
    "PLACE_PROVIDER": pl.String,
    "DEC": pl.Date,
    "REC": pl.String,
    "PL_DISTANCE_KM": pl.Float64,
    "PL_LA": pl.String,
    "PL_IN_BOROUGH": pl.Boolean,
}


def episodes(*rows: dict[str, Any]) -> pl.DataFrame:
    """Episodes of CAM's 2024 return unless a row says otherwise; columns a row
    leaves out are null (legal status C2, start reason S)."""
    defaults = {"LA": "CAM", "YEAR": 2024, "RNE": "S", "LS": "C2"}
    full = [{**dict.fromkeys(EPISODE_SCHEMA), **defaults, **row} for row in rows]
    return pl.DataFrame(full, schema=EPISODE_SCHEMA)


def cells(
    table: pl.DataFrame, measure: str, year: int = 2024, la: str = "CAM"
) -> dict[str, int]:
    picked = table.filter(
        (pl.col("measure") == measure) & (pl.col("YEAR") == year) & (pl.col("LA") == la)
    )
    return dict(zip(picked["category"], picked["count"], strict=True))


def test_in_force_at_31_march_and_during_the_year() -> None:
    report = sufficiency_report(
        episodes(
            # starts on 31 March 2024, open: in force at 31 March
            {"CHILD": "a", "DECOM": D(2024, 3, 31), "PLACE": "U1"},
            # ends on 31 March 2024: not in force that day, but open in the year
            {
                "CHILD": "b",
                "DECOM": D(2023, 6, 1),
                "DEC": D(2024, 3, 31),
                "PLACE": "U2",
            },
            # open since 2020: in force
            {"CHILD": "c", "DECOM": D(2020, 1, 1), "PLACE": "U3"},
            # ends on 1 April 2023, the first day of the year: open in the year
            {
                "CHILD": "d",
                "DECOM": D(2022, 10, 1),
                "DEC": D(2023, 4, 1),
                "PLACE": "U4",
            },
            # ended on 31 March 2023, before the year: not counted
            {
                "CHILD": "e",
                "DECOM": D(2022, 1, 1),
                "DEC": D(2023, 3, 31),
                "PLACE": "U5",
            },
        )
    )
    types = report["placement_type"]
    assert cells(types, "at_31_march") == {"U1": 1, "U3": 1}
    assert cells(types, "during_year") == {"U1": 1, "U2": 1, "U3": 1, "U4": 1}


def test_a_change_of_legal_status_only_is_the_same_placement() -> None:
    report = sufficiency_report(
        episodes(
            # f: one placement, its legal status changes on 1 August (RNE L)
            {"CHILD": "f", "DECOM": D(2023, 5, 1), "DEC": D(2023, 8, 1), "PLACE": "U1"},
            {
                "CHILD": "f",
                "DECOM": D(2023, 8, 1),
                "RNE": "L",
                "LS": "C1",
                "PLACE": "U1",
            },
            # g: moves from U1 to K2 on 1 September (RNE P): two placements
            {"CHILD": "g", "DECOM": D(2023, 5, 1), "DEC": D(2023, 9, 1), "PLACE": "U1"},
            {"CHILD": "g", "DECOM": D(2023, 9, 1), "RNE": "P", "PLACE": "K2"},
            # h: short breaks (V3) are left out
            {"CHILD": "h", "DECOM": D(2023, 5, 1), "LS": "V3", "PLACE": "U1"},
        )
    )
    types = report["placement_type"]
    assert cells(types, "during_year") == {"U1": 2, "K2": 1}  # f; g twice
    assert cells(types, "at_31_march") == {"U1": 1, "K2": 1}  # f, g


def test_location_provider_authority_and_distance() -> None:
    report = sufficiency_report(
        episodes(
            {
                "CHILD": "i",
                "DECOM": D(2023, 1, 1),
                "PLACE_PROVIDER": "PR1",
                "PL_IN_BOROUGH": True,
                "PL_LA": "E09000007",
                "PL_DISTANCE_KM": 4.99,
            },
            {
                "CHILD": "j",
                "DECOM": D(2023, 1, 1),
                "PLACE_PROVIDER": "PR4",
                "PL_IN_BOROUGH": False,
                "PL_LA": "E06000015",
                "PL_DISTANCE_KM": 5.0,
            },
            {"CHILD": "k", "DECOM": D(2023, 1, 1)},  # nothing known
        )
    )
    assert cells(report["provider"], "at_31_march") == {
        "PR1": 1,
        "PR4": 1,
        "unknown": 1,
    }
    assert cells(report["location"], "at_31_march") == {
        "in borough": 1,
        "out of borough": 1,
        "unknown": 1,
    }
    assert cells(report["placement_la"], "at_31_march") == {
        "E09000007": 1,
        "E06000015": 1,
        "unknown": 1,
    }
    assert cells(report["distance"], "at_31_march") == {
        "under 5 km": 1,
        "5 to under 10 km": 1,
        "unknown": 1,
    }


def test_a_return_counts_in_its_own_year_and_before_only() -> None:
    report = sufficiency_report(
        episodes(
            # l: open in CAM's 2023 return, absent from its 2024 return: in force
            # at 31 March 2023 only
            {"CHILD": "l", "YEAR": 2023, "DECOM": D(2022, 6, 1), "PLACE": "U1"},
            # m: in the 2024 return, open since 2022: in force in 2023 and 2024
            {"CHILD": "m", "DECOM": D(2022, 1, 1), "PLACE": "U1"},
            # n: HAC returned 2024 only, so it has no 2023 figures
            {"LA": "HAC", "CHILD": "n", "DECOM": D(2020, 1, 1), "PLACE": "U1"},
        )
    )
    types = report["placement_type"]
    assert cells(types, "at_31_march", 2023) == {"U1": 2}  # l, m
    assert cells(types, "at_31_march", 2024) == {"U1": 1}  # m
    assert cells(types, "at_31_march", 2024, "HAC") == {"U1": 1}  # n
    assert cells(types, "at_31_march", 2023, "HAC") == {}


def test_the_childs_age_sex_and_ethnicity_from_the_header() -> None:
    header = pl.DataFrame(
        {
            "LA": ["CAM"],
            "YEAR": [2024],
            "CHILD": ["m"],
            "SEX": ["1"],
            "ETHNIC": ["BAFR"],
            "AGE": [16],  # at 31 March 2024, so 15 at 31 March 2023
        },
        schema_overrides={"YEAR": pl.Int16, "AGE": pl.Int16},
    )
    report = sufficiency_report(
        episodes(
            {"CHILD": "l", "YEAR": 2023, "DECOM": D(2022, 6, 1)},  # no header row
            {"CHILD": "m", "DECOM": D(2022, 1, 1)},
        ),
        header,
    )
    ages = report["age_band"]
    assert cells(ages, "at_31_march", 2023) == {"10 to 15": 1, "unknown": 1}
    assert cells(ages, "at_31_march", 2024) == {"16 to 17": 1}
    assert cells(report["sex"], "at_31_march", 2024) == {"male": 1}
    assert cells(report["ethnicity_group"], "at_31_march", 2024) == {
        "Black or Black British": 1
    }


def test_tables_and_their_columns() -> None:
    frame = episodes({"CHILD": "a", "DECOM": D(2023, 5, 1)}).drop("PL_DISTANCE_KM")
    report = sufficiency_report(frame)
    assert list(report) == [
        "placement_type",
        "provider",
        "location",
        "placement_la",
        "distance",
    ]
    for name, table in report.items():
        assert table.schema == pl.Schema(
            {
                "YEAR": pl.Int16,
                "measure": pl.String,
                "dimension": pl.String,
                "LA": pl.String,
                "category": pl.String,
                "count": pl.Int64,
            }
        )
        assert set(table["dimension"]) == {name}
    # a column the episodes lack is unknown for every child
    assert cells(report["distance"], "at_31_march") == {"unknown": 1}
