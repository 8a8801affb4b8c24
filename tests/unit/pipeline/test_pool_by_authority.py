"""Pooling one authority at a time gives exactly the table pooled whole.

The pieces of :func:`pool_by_authority`, stacked, are compared with the engine's
pooling of every authority's files stacked at once (what a build did before it
pooled by authority), on random returns with duplicates, corrections across years,
null keys, a column that one year lacks, one that one authority never has, and a
column whose type widens.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cld.engine.pooling import pool_years, repair_episodes
from cld.pipeline.outputs.pooled import TableFiles, pool_by_authority, pool_table

LAS = ("CAM", "HAC", "ISL", "SWK")
YEARS = (2022, 2023, 2024)


def _episodes(rng: random.Random, la: str, year: int) -> pl.DataFrame:
    rows = []
    for child in range(rng.randint(0, 12)):
        for _ in range(rng.randint(1, 3)):
            start = dt.date(year - 1, 4, 1) + dt.timedelta(days=rng.randint(0, 600))
            end = start + dt.timedelta(days=rng.randint(1, 400))
            rows.append(
                {
                    "CHILD": None if rng.random() < 0.05 else f"{la}{child:03}",
                    "DECOM": start,
                    "RNE": rng.choice(["S", "P", "L", None]),
                    "DEC": None if rng.random() < 0.4 else end,
                    "REC": rng.choice(["X1", "E11", "E4A", None]),
                    "PLACE": rng.choice(["K2", "U1", "=SUM(A1)"]),
                }
            )
    frame = pl.DataFrame(
        rows,
        schema={
            "CHILD": pl.String,
            "DECOM": pl.Date,
            "RNE": pl.String,
            "DEC": pl.Date,
            "REC": pl.String,
            "PLACE": pl.String,
        },
    )
    frame = frame.with_columns(pl.lit(la).alias("LA"), pl.lit(year).alias("YEAR"))
    if rows and rng.random() < 0.3:  # the same episode sent twice in one return
        frame = pl.concat([frame, frame.head(1)])
    return frame


def _header(rng: random.Random, la: str, year: int) -> pl.DataFrame:
    children = [f"{la}{c:03}" for c in range(rng.randint(0, 15))]
    frame = pl.DataFrame(
        {
            "CHILD": [None if rng.random() < 0.05 else c for c in children],
            "SEX": [rng.choice([1, 2]) for _ in children],
            "LA": [la] * len(children),
            "YEAR": [year] * len(children),
        },
        schema={"CHILD": pl.String, "SEX": pl.Int8, "LA": pl.String, "YEAR": pl.Int64},
    )
    if year == YEARS[-1]:  # a wider type in the latest year
        frame = frame.with_columns(pl.col("SEX").cast(pl.Int64))
    if year != YEARS[0]:  # a column the first year did not have
        frame = frame.with_columns(
            pl.Series("UASC", [rng.random() < 0.1 for _ in children])
        )
    return frame


def _group(tmp_path: Path, table: str, seed: int) -> tuple[TableFiles, pl.DataFrame]:
    rng = random.Random(seed)
    make = _episodes if table == "episodes" else _header
    files: dict[tuple[str, int], Path] = {}
    frames = []
    for la in rng.sample(LAS, len(LAS)):  # written in no particular order
        for year in YEARS:
            frame = make(rng, la, year)
            if la == "ISL":  # published under a policy that dropped a column
                frame = frame.drop("PLACE" if table == "episodes" else "SEX")
            path = tmp_path / f"{seed}-{la}-{year}-{table}.parquet"
            frame.write_parquet(path)
            files[(la, year)] = path
    frames = [pl.read_parquet(files[k]) for k in sorted(files)]
    stacked = pl.concat(frames, how="diagonal_relaxed")
    whole = (
        repair_episodes(stacked)
        if table == "episodes"
        else pool_years([stacked], ["CHILD"])
    )
    return TableFiles("ssda903", table, files), whole


@pytest.mark.parametrize("table", ["episodes", "header"])
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("piece_bytes", [1, 5_000, 10**9])
def test_the_pieces_stacked_are_the_table_pooled_whole(
    tmp_path: Path, table: str, seed: int, piece_bytes: int
) -> None:
    group, whole = _group(tmp_path, table, seed)
    pieces = list(pool_by_authority(group, piece_bytes=piece_bytes))
    authorities = [p["LA"].unique(maintain_order=True).to_list() for p in pieces]
    assert [la for las in authorities for la in las] == sorted(set(whole["LA"]))
    if piece_bytes == 1:  # an authority a piece
        assert all(len(las) <= 1 for las in authorities)
    if piece_bytes == 10**9:
        assert len(pieces) == 1
    assert all(p.schema == whole.schema for p in pieces)
    assert_frame_equal(pl.concat(pieces), whole)
    assert_frame_equal(pool_table(group), whole)


def test_a_table_of_no_files_pools_to_nothing() -> None:
    group = TableFiles("ssda903", "header", {})
    assert list(pool_by_authority(group)) == []
    assert pool_table(group).is_empty()
