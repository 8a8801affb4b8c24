"""Pooling one table across collection years: the latest return of each key wins."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cld.engine.pooling import YEAR_LATEST, pool_years
from cld.engine.spec.load import load_spec

EPISODE_KEY = load_spec("ssda903", 2024).tables["episodes"].key
HEADER_KEY = load_spec("ssda903", 2024).tables["header"].key

SCHEMA: dict[str, Any] = {
    "LA": pl.String,
    "YEAR": pl.Int16,
    "CHILD": pl.String,
    "DECOM": pl.Date,
    "PLACE": pl.String,
}


def frame(*rows: tuple[Any, ...], schema: dict[str, Any] = SCHEMA) -> pl.DataFrame:
    """Rows as written, dates as ISO text."""
    dates = [i for i, dtype in enumerate(schema.values()) if dtype == pl.Date]
    parsed = [
        tuple(
            dt.date.fromisoformat(v) if i in dates and v is not None else v
            for i, v in enumerate(row)
        )
        for row in rows
    ]
    return pl.DataFrame(parsed, schema=schema, orient="row")


def pooled(*rows: tuple[Any, ...], schema: dict[str, Any] = SCHEMA) -> pl.DataFrame:
    return frame(*rows, schema={**schema, YEAR_LATEST: pl.Int16})


def test_the_schema_gives_the_keys_pooled_on() -> None:
    assert EPISODE_KEY == ("CHILD", "DECOM")
    assert HEADER_KEY == ("CHILD",)


def test_the_latest_year_wins_and_each_key_is_kept_once() -> None:
    y2023 = frame(
        ("801", 2023, "c1", "2022-06-01", "U1"),
        ("801", 2023, "c2", "2022-07-01", "K2"),
    )
    y2024 = frame(
        ("801", 2024, "c1", "2022-06-01", "U3"),
        ("801", 2024, "c3", "2023-05-01", "R1"),
    )
    out = pool_years([y2023, y2024], EPISODE_KEY)
    expected = pooled(
        ("801", 2024, "c1", "2022-06-01", "U3", 2024),
        ("801", 2023, "c2", "2022-07-01", "K2", 2024),
        ("801", 2024, "c3", "2023-05-01", "R1", 2024),
    )
    assert_frame_equal(out, expected)


def test_columns_may_differ_between_years() -> None:
    y2023 = frame(
        ("801", 2023, "c1", "2022-06-01"),
        ("801", 2023, "c2", "2022-07-01"),
        schema={
            "LA": pl.String,
            "YEAR": pl.Int16,
            "CHILD": pl.String,
            "DECOM": pl.Date,
        },
    )
    y2024 = frame(
        ("801", 2024, "c2", "2022-07-01", "K2", "SC000001"),
        schema={**SCHEMA, "URN": pl.String},
    )
    out = pool_years([y2023, y2024], EPISODE_KEY)
    expected = pooled(
        ("801", 2023, "c1", "2022-06-01", None, None, 2024),
        ("801", 2024, "c2", "2022-07-01", "K2", "SC000001", 2024),
        schema={**SCHEMA, "URN": pl.String},
    )
    assert_frame_equal(out, expected)


def test_rows_with_a_null_in_the_key_are_kept_as_they_are() -> None:
    y2023 = frame(
        ("801", 2023, None, "2022-06-01", "U1"),
        ("801", 2023, "c1", None, "U1"),
    )
    y2024 = frame(
        ("801", 2024, None, "2022-06-01", "U1"),
        ("801", 2024, "c1", None, "U1"),
    )
    out = pool_years([y2023, y2024], EPISODE_KEY)
    expected = pooled(
        ("801", 2023, "c1", None, "U1", 2024),
        ("801", 2024, "c1", None, "U1", 2024),
        ("801", 2023, None, "2022-06-01", "U1", 2024),
        ("801", 2024, None, "2022-06-01", "U1", 2024),
    )
    assert_frame_equal(out, expected)


def test_the_latest_year_is_each_authoritys_own() -> None:
    y2023 = frame(
        ("801", 2023, "c1", "2022-06-01", "U1"),
        ("802", 2023, "c1", "2022-06-01", "U1"),
    )
    y2024 = frame(("801", 2024, "c9", "2023-06-01", "U1"))
    out = pool_years([y2023, y2024], EPISODE_KEY)
    expected = pooled(
        ("801", 2023, "c1", "2022-06-01", "U1", 2024),
        ("801", 2024, "c9", "2023-06-01", "U1", 2024),
        ("802", 2023, "c1", "2022-06-01", "U1", 2023),
    )
    assert_frame_equal(out, expected)


def test_a_key_of_one_column_pools_the_header() -> None:
    schema = {"LA": pl.String, "YEAR": pl.Int16, "CHILD": pl.String, "SEX": pl.String}
    y2023 = frame(("801", 2023, "c1", "1"), ("801", 2023, "c2", "2"), schema=schema)
    y2024 = frame(("801", 2024, "c1", "2"), schema=schema)
    out = pool_years([y2023, y2024], HEADER_KEY)
    expected = pooled(
        ("801", 2024, "c1", "2", 2024), ("801", 2023, "c2", "2", 2024), schema=schema
    )
    assert_frame_equal(out, expected)


def test_the_order_is_the_same_whatever_order_the_rows_come_in() -> None:
    y2023 = frame(
        ("801", 2023, "c2", "2022-07-01", "K2"),
        ("801", 2023, "c1", "2022-06-01", "U1"),
        ("801", 2023, "c1", None, "U2"),
        ("801", 2023, "c1", None, "U1"),
    )
    y2024 = frame(
        ("801", 2024, "c1", "2022-06-01", "U4"),
        ("801", 2024, "c1", "2022-06-01", "U3"),
    )
    expected = pooled(
        ("801", 2024, "c1", "2022-06-01", "U3", 2024),
        ("801", 2023, "c1", None, "U1", 2024),
        ("801", 2023, "c1", None, "U2", 2024),
        ("801", 2023, "c2", "2022-07-01", "K2", 2024),
    )
    forwards = pool_years([y2023, y2024], EPISODE_KEY)
    backwards = pool_years([y2024.reverse(), y2023.reverse()], EPISODE_KEY)
    assert_frame_equal(forwards, expected)
    assert_frame_equal(backwards, expected)


def test_the_year_column_may_be_named() -> None:
    schema = {"LA": pl.String, "YR": pl.Int64, "CHILD": pl.String}
    out = pool_years(
        [frame(("801", 2023, "c1"), schema=schema)],
        HEADER_KEY,
        year="YR",
    )
    expected = pooled(("801", 2023, "c1", 2023), schema={**schema, "YR": pl.Int16})
    assert_frame_equal(out, expected)


def test_without_an_authority_column_the_latest_year_is_of_all_rows() -> None:
    schema = {"YEAR": pl.Int16, "CHILD": pl.String, "SEX": pl.String}
    y2023 = frame((2023, "c1", "1"), (2023, "c2", "2"), schema=schema)
    y2024 = frame((2024, "c1", "2"), schema=schema)
    out = pool_years([y2024, y2023], HEADER_KEY)
    expected = pooled((2024, "c1", "2", 2024), (2023, "c2", "2", 2024), schema=schema)
    assert_frame_equal(out, expected)


def test_nothing_to_pool_is_a_mistake_of_the_caller() -> None:
    with pytest.raises(ValueError, match="at least one frame"):
        pool_years([], EPISODE_KEY)


def _plainly(frame: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """The definition written the plain way: every keyed row sorted with the
    latest year first, the first of each key kept, rows with a null in the key
    added back, and everything sorted."""
    from cld.engine.pooling.years import latest_year

    stacked = frame.with_columns(pl.col("YEAR").cast(pl.Int16))
    stacked = stacked.with_columns(latest_year("YEAR", ["LA"]))
    identity = ["LA", *key]
    null_key = pl.any_horizontal(pl.col(k).is_null() for k in key)
    keyed = _sorted_on_everything(
        stacked.filter(~null_key), [*identity, "YEAR"], descending={"YEAR"}
    ).unique(subset=identity, keep="first", maintain_order=True)
    return _sorted_on_everything(
        pl.concat([keyed, stacked.filter(null_key)]), [*identity, "YEAR"]
    )


def _sorted_on_everything(
    frame: pl.DataFrame,
    by: list[str],
    descending: frozenset[str] | set[str] = frozenset(),
) -> pl.DataFrame:
    """The order the plain way: one sort on ``by`` then every other column."""
    columns = [*by, *(c for c in frame.columns if c not in by)]
    return frame.sort(
        columns,
        descending=[c in descending for c in columns],
        nulls_last=True,
        maintain_order=True,
    )


@pytest.mark.parametrize("seed", range(10))
def test_random_returns_pool_as_the_definition_says(seed: int) -> None:
    import random

    rng = random.Random(seed)
    nulls = 0.0 if seed % 2 else 0.1  # half the runs without null keys at all
    rows = [
        (
            rng.choice(["CAM", "HAC", None]) if nulls else rng.choice(["CAM", "HAC"]),
            rng.choice([2022, 2023, 2024]),
            None if rng.random() < nulls else f"C{rng.randint(0, 9)}",
            dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 3)),
            rng.choice(["K1", "U1", None]),
        )
        for _ in range(rng.randint(0, 80))
    ]
    returns = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    for key in (["CHILD"], ["CHILD", "DECOM"]):
        assert_frame_equal(pool_years([returns], key), _plainly(returns, key))


@pytest.mark.parametrize("seed", range(12))
def test_the_order_is_one_sort_on_every_column(seed: int) -> None:
    """Sorted on the key first, and on every column only where the key ties: the
    same order as one sort on the key then every other column, with ties or
    without, nulls and NaN in the key, a descending column, and shuffled input."""
    import random

    from cld.engine.pooling.years import sort_deterministically

    rng = random.Random(seed)
    distinct = seed % 3 == 0  # a third of the runs with no two rows on one key
    height = rng.randint(0, 60)
    keys = rng.sample(range(1000), height) if distinct else None
    rows = [
        (
            rng.choice(["CAM", "HAC", None]),
            keys[i] if keys is not None else rng.choice([1, 2, None]),
            rng.choice([0.5, float("nan"), None]),
            rng.choice(["x", "y", None]),
            rng.randint(0, 3),
        )
        for i in range(height)
    ]
    schema = {"LA": pl.String, "K": pl.Int64, "F": pl.Float64, "S": pl.String}
    returns = pl.DataFrame(rows, schema={**schema, "N": pl.Int64}, orient="row")
    shuffled = returns.sample(fraction=1.0, shuffle=True, seed=seed)
    for by, descending in ((["LA", "K"], set()), (["K", "F"], {"F"}), (["N"], {"N"})):
        expected = _sorted_on_everything(returns, by, descending)
        for given in (returns, shuffled):
            out = sort_deterministically(given, by, descending=frozenset(descending))
            assert_frame_equal(out, expected)
