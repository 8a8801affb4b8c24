"""The pan-London summary from a small hand-built episode table; every figure is
counted by hand in the comments."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cld.engine.reports.pan import pan_summary, with_rates

D = dt.date
SCHEMA = {
    "LA": pl.String,
    "YEAR": pl.Int16,
    "CHILD": pl.String,
    "DECOM": pl.Date,
    "RNE": pl.String,
    "LS": pl.String,
    "DEC": pl.Date,
    "REC": pl.String,
}
# CAM's 2024 return (1 April 2023 to 31 March 2024) and one child of HAC's
ROWS = [
    ("CAM", 2024, "a", D(2023, 4, 1), "S", "C2", None, None),  # start; at 31 March
    ("CAM", 2024, "b", D(2024, 3, 31), "S", "C2", None, None),  # start; at 31 March
    # c started in 2022-23, changed placement (X1, not an end) and is still here
    ("CAM", 2024, "c", D(2023, 3, 31), "S", "C2", D(2023, 6, 1), "X1"),
    ("CAM", 2024, "c", D(2023, 6, 1), "P", "C2", None, None),  # at 31 March
    ("CAM", 2024, "d", D(2022, 1, 1), "S", "C2", D(2023, 4, 1), "E11"),  # end
    ("CAM", 2024, "e", D(2022, 1, 1), "S", "C2", D(2024, 3, 31), "E4A"),  # end
    # f: closed by the platform (no REC) and followed the same day: not an end;
    # then closed with nothing after it: an end
    ("CAM", 2024, "f", D(2022, 1, 1), "S", "C2", D(2023, 10, 1), None),
    ("CAM", 2024, "f", D(2023, 10, 1), "P", "C2", D(2023, 11, 1), None),
    ("CAM", 2024, "g", D(2023, 5, 1), "S", "V3", None, None),  # short breaks: out
    ("CAM", 2024, "h", D(2023, 5, 1), "S", "C2", D(2023, 7, 1), "E13"),  # start, end
    ("CAM", 2024, "i", D(2021, 1, 1), "S", "C2", None, None),  # at 31 March
    ("CAM", 2024, "j", D(2022, 1, 1), "S", "C2", D(2023, 12, 1), "E11"),  # end
    ("HAC", 2024, "k", D(2020, 1, 1), "S", "C2", None, None),  # at 31 March
]
EPISODES = pl.DataFrame(ROWS, schema=SCHEMA, orient="row")


def test_looked_after_starts_ends_and_rates() -> None:
    population = pl.DataFrame(
        {"LA": ["CAM"], "YEAR": [2024], "population": [20_000]},
        schema_overrides={"YEAR": pl.Int16},
    )
    got = pan_summary(None, EPISODES, population)
    assert got.rows() == [
        # a, b, c, i; 4 / 20,000 × 10,000 = 2.0
        (2024, "CAM", "looked_after_at_31_march", 4, 20_000, 2.0),
        (2024, "CAM", "starts", 3, 20_000, 1.5),  # a, b, h
        (2024, "CAM", "ends", 5, 20_000, 2.5),  # d, e, f's second, h, j
        # HAC has no population row: no rate; zeros are shown
        (2024, "HAC", "looked_after_at_31_march", 1, None, None),
        (2024, "HAC", "starts", 0, None, None),
        (2024, "HAC", "ends", 0, None, None),
    ]
    assert got.schema == pl.Schema(
        {
            "YEAR": pl.Int16,
            "LA": pl.String,
            "measure": pl.String,
            "count": pl.Int64,
            "population": pl.Int64,
            "rate_per_10000": pl.Float64,
        }
    )


def test_without_a_population_there_are_no_rates() -> None:
    got = pan_summary(None, EPISODES)
    assert got["population"].null_count() == got.height
    assert got["rate_per_10000"].null_count() == got.height


def test_rates_to_one_decimal_place() -> None:
    frame = pl.DataFrame(
        {"count": [2, 1, 7, 3], "population": [30_000, 3, 0, None]},
        schema={"count": pl.Int64, "population": pl.Int64},
    )
    # 0.666… → 0.7; 3,333.33… → 3,333.3; no rate for 0 or no population
    assert with_rates(frame)["rate_per_10000"].to_list() == [0.7, 3333.3, None, None]


def test_a_population_table_with_two_rows_for_one_year_is_refused() -> None:
    population = pl.DataFrame(
        {"LA": ["CAM", "CAM"], "YEAR": [2024, 2024], "population": [1, 2]}
    )
    with pytest.raises(ValueError, match="more than one row"):
        pan_summary(None, EPISODES, population)
