"""Each episode once for each reporting year it is open in, checked against the
definition written the plain way (every episode with every reporting year of its
authority, then filtered), on random episodes: gaps in an authority's returns,
open episodes, episodes older than the first return, and ends before starts."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cld.engine.reports.bands import year_end, year_start
from cld.engine.reports.sufficiency import (
    AT_31_MARCH,
    DEC,
    DECOM,
    LA,
    RETURN_YEAR,
    YEAR,
    episodes_in_years,
    placements,
    reporting_years,
)


def _plainly(episodes: pl.DataFrame) -> pl.DataFrame:
    """Every placement joined with every reporting year of its authority, and kept
    where the episode is open in that year."""
    end, start = year_end(pl.col(YEAR)), year_start(pl.col(YEAR))
    started = pl.col(DECOM) <= end
    return (
        placements(episodes)
        .join(reporting_years(episodes), on=LA, how="inner")
        .filter(
            (pl.col(RETURN_YEAR) >= pl.col(YEAR))
            & started
            & (pl.col(DEC).is_null() | (pl.col(DEC) >= start))
        )
        .with_columns(
            (started & (pl.col(DEC).is_null() | (pl.col(DEC) > end))).alias(AT_31_MARCH)
        )
        .select(episodes_in_years(episodes.head(0)).columns)
    )


def _episodes(seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for la in ("CAM", "HAC", "ISL"):
        years = sorted(rng.sample(range(2019, 2027), rng.randint(1, 5)))
        for year in years:
            for child in range(rng.randint(0, 8)):
                start = dt.date(year - rng.randint(0, 6), 1, 1) + dt.timedelta(
                    days=rng.randint(0, 500)
                )
                end = start + dt.timedelta(days=rng.randint(-30, 900))
                rows.append(
                    {
                        LA: la,
                        YEAR: year,
                        "CHILD": f"{la}{child}",
                        DECOM: start,
                        DEC: None if rng.random() < 0.4 else end,
                        "RNE": rng.choice(["S", "L", "P", None]),
                        "LS": rng.choice(["C2", "V3", None]),
                    }
                )
    return pl.DataFrame(
        rows,
        schema={
            LA: pl.String,
            YEAR: pl.Int16,
            "CHILD": pl.String,
            DECOM: pl.Date,
            DEC: pl.Date,
            "RNE": pl.String,
            "LS": pl.String,
        },
    )


@pytest.mark.parametrize("seed", range(8))
def test_the_years_of_each_episode_are_those_the_definition_gives(seed: int) -> None:
    episodes = _episodes(seed)
    found = episodes_in_years(episodes)
    expected = _plainly(episodes)
    assert found.height == expected.height
    assert_frame_equal(
        found.sort(pl.all()), expected.sort(pl.all()), check_row_order=True
    )
    assert found.filter(pl.col(YEAR) > pl.col(RETURN_YEAR)).is_empty()
