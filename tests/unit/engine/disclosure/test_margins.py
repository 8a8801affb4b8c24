"""Area totals, London rows and the grand total around a grid of counts."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cld.engine.disclosure import add_margins
from cld.engine.errors import UsageError

SCHEMA = {"LA": pl.String, "legal_status": pl.String, "count": pl.Int64}


def long(rows: list[tuple[str, str, int | None]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def test_totals_are_added_and_a_missing_cell_is_zero() -> None:
    counts = long([("Camden", "C1", 4), ("Camden", "C2", 7), ("Barnet", "C2", 10)])
    expected = long(
        [
            ("Camden", "C1", 4),
            ("Camden", "C2", 7),
            ("Camden", "Total", 11),
            ("Barnet", "C1", 0),
            ("Barnet", "C2", 10),
            ("Barnet", "Total", 10),
            ("London", "C1", 4),
            ("London", "C2", 17),
            ("London", "Total", 21),
        ]
    )
    out = add_margins(counts, category="legal_status")
    assert_frame_equal(out, expected)


def test_each_stratum_has_its_own_complete_grid() -> None:
    counts = pl.DataFrame(
        [
            (2023, "Camden", "C1", 2),
            (2024, "Camden", "C1", 5),
            (2024, "Barnet", "C2", 1),
        ],
        schema={"year": pl.Int64, **SCHEMA},
        orient="row",
    )
    out = add_margins(counts, category="legal_status", strata=["year"])
    grid = {(year, la, status): n for year, la, status, n in out.iter_rows() if n != 0}
    assert grid == {
        (2023, "Camden", "C1"): 2,
        (2023, "Camden", "Total"): 2,
        (2023, "London", "C1"): 2,
        (2023, "London", "Total"): 2,
        (2024, "Camden", "C1"): 5,
        (2024, "Camden", "Total"): 5,
        (2024, "Barnet", "C2"): 1,
        (2024, "Barnet", "Total"): 1,
        (2024, "London", "C1"): 5,
        (2024, "London", "C2"): 1,
        (2024, "London", "Total"): 6,
    }
    assert out.height == 2 * 3 * 3
    assert out["year"].to_list() == [2023] * 9 + [2024] * 9
    assert out.schema["year"] == pl.Int64


def test_given_areas_and_categories_fix_the_grid_and_its_order() -> None:
    counts = long([("Camden", "C2", 3)])
    out = add_margins(
        counts,
        category="legal_status",
        areas=["Barnet", "Camden"],
        categories=["C1", "C2", "V2"],
    )
    assert out.select("LA", "legal_status").rows() == [
        (la, status)
        for la in ["Barnet", "Camden", "London"]
        for status in ["C1", "C2", "V2", "Total"]
    ]
    assert out["count"].sum() == 3 * 4


def test_a_value_outside_the_given_categories_is_refused() -> None:
    counts = long([("Camden", "C2", 3)])
    with pytest.raises(UsageError, match="C2"):
        add_margins(counts, category="legal_status", categories=["C1"])


def test_categories_become_strings() -> None:
    counts = pl.DataFrame({"LA": ["Camden", "Camden"], "age": [10, 2], "count": [1, 2]})
    out = add_margins(counts, category="age")
    assert out.schema == pl.Schema(
        {"LA": pl.String, "age": pl.String, "count": pl.Int64}
    )
    assert out["age"].to_list()[:3] == ["10", "2", "Total"]


def test_a_total_over_an_unknown_count_is_unknown() -> None:
    counts = long([("Camden", "C1", None), ("Camden", "C2", 7), ("Barnet", "C2", 1)])
    out = add_margins(counts, category="legal_status")
    totals = {(la, status): n for la, status, n in out.iter_rows()}
    assert totals[("Camden", "Total")] is None
    assert totals[("London", "C1")] is None
    assert totals[("London", "Total")] is None
    assert totals[("London", "C2")] == 8
    assert totals[("Barnet", "C1")] == 0


def test_other_totals_labels_can_be_named() -> None:
    counts = long([("Camden", "C1", 4)])
    out = add_margins(
        counts, category="legal_status", total_area="All", total_category="Any"
    )
    assert out.select("LA", "legal_status").rows() == [
        ("Camden", "C1"),
        ("Camden", "Any"),
        ("All", "C1"),
        ("All", "Any"),
    ]


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (long([("Camden", "C1", 1), ("Camden", "C1", 2)]), "more than once"),
        (long([("Camden", "Total", 1)]), "label of the total"),
        (long([("London", "C1", 1)]), "label of the total"),
        (long([("Camden", "C1", -1)]), "negative"),
        (long([(None, "C1", 1)]), "blank"),  # type: ignore[list-item]
        (long([("Camden", "C1", 1)]).with_columns(pl.lit(1).alias("x")), "'x'"),
        (long([("Camden", "C1", 1)]).cast({"count": pl.Float64}), "integers"),
        (long([("Camden", "C1", 1)]).drop("count"), "no column 'count'"),
    ],
)
def test_frames_that_would_give_wrong_totals_are_refused(
    frame: pl.DataFrame, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        add_margins(frame, category="legal_status")
