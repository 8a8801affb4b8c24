"""Primary and secondary suppression, rounding and derived values.

Grids are written by hand as {area: [count per category]}; their totals are added
here in plain Python, and what is shown is worked out by hand in each test and
written as the table a reader sees (one line per area, its Total last). ``attack``
plays the reader: it solves every row and column equation that has one unknown,
again and again; ``determined`` asks linear algebra whether any hidden cell is fixed
by all the equations together.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

from cld.engine.disclosure import CONFIDENTIAL, DisclosureRule, protect, rule_named
from cld.engine.errors import UsageError

Cell = tuple[str, str]
EXACT = DisclosureRule(
    "exact", threshold=5, round_to=1, total_round_to=1, description="."
)
ROUNDING = DisclosureRule(
    "r", threshold=0, round_to=10, total_round_to=10, description="."
)
DFE = rule_named("dfe")
STRICT = rule_named("strict")


def grid(
    counts: dict[str, list[int]], categories: str = "xyz", **strata: object
) -> pl.DataFrame:
    """The long frame of ``counts`` with area totals, London and the grand total."""
    pairs = [(a, zip(categories, ns, strict=True)) for a, ns in counts.items()]
    rows = [(area, c, n) for area, cells in pairs for c, n in cells]
    rows += [(area, "Total", sum(ns)) for area, ns in counts.items()]
    london = [sum(ns[i] for ns in counts.values()) for i in range(len(categories))]
    rows += [("London", c, n) for c, n in zip(categories, london, strict=True)]
    rows += [("London", "Total", sum(london))]
    frame = pl.DataFrame(
        rows, schema={"LA": pl.String, "c": pl.String, "count": pl.Int64}, orient="row"
    )
    return frame.with_columns(pl.lit(v).alias(k) for k, v in strata.items())


def table(out: pl.DataFrame, column: str = "count") -> list[str]:
    """The protected grid as a reader sees it: one line per area."""
    lines: dict[str, list[str]] = {}
    for area, text in out.select("LA", column).iter_rows():
        lines.setdefault(area, []).append(text)
    return [" ".join([area, *texts]) for area, texts in lines.items()]


def shown(out: pl.DataFrame, column: str = "count") -> dict[Cell, str]:
    return {(la, c): text for la, c, text in out.select("LA", "c", column).iter_rows()}


def hidden(out: pl.DataFrame) -> set[Cell]:
    return {cell for cell, text in shown(out).items() if text == CONFIDENTIAL}


def equations(out: pl.DataFrame) -> list[tuple[list[Cell], Cell]]:
    """Each row and column of the grid as (cells that add up, the total cell)."""
    areas = [a for a in dict.fromkeys(out["LA"]) if a != "London"]
    categories = [c for c in dict.fromkeys(out["c"]) if c != "Total"]
    rows = [([(a, c) for c in categories], (a, "Total")) for a in [*areas, "London"]]
    columns = [([(a, c) for a in areas], ("London", c)) for c in [*categories, "Total"]]
    return rows + columns


def attack(out: pl.DataFrame) -> dict[Cell, int]:
    """Every hidden cell a reader can work out by subtraction, with its value."""
    known = {cell: int(text) for cell, text in shown(out).items() if text.isdigit()}
    recovered: dict[Cell, int] = {}
    progress = True
    while progress:
        progress = False
        for parts, total in equations(out):
            unknown = [cell for cell in [*parts, total] if cell not in known]
            if len(unknown) != 1:
                continue
            (cell,) = unknown
            others = sum(known[p] for p in parts if p != cell)
            value = known[total] - others if cell != total else others
            known[cell] = recovered[cell] = value
            progress = True
    return recovered


def determined(out: pl.DataFrame) -> set[Cell]:
    """Hidden cells fixed by the row and column equations taken together."""
    unknown = sorted(hidden(out))
    index = {cell: i for i, cell in enumerate(unknown)}
    matrix = np.zeros((len(equations(out)), len(unknown)))
    for e, (parts, total) in enumerate(equations(out)):
        for cell, sign in [*((p, 1.0) for p in parts), (total, -1.0)]:
            if cell in index:
                matrix[e, index[cell]] = sign
    rank = np.linalg.matrix_rank(matrix)
    return {
        cell
        for cell, i in index.items()
        if np.linalg.matrix_rank(np.vstack([matrix, np.eye(len(unknown))[i]])) == rank
    }


def lonely_lines(out: pl.DataFrame) -> list[list[Cell]]:
    """Rows and columns with exactly one hidden cell."""
    secret = hidden(out)
    lines = [[*parts, total] for parts, total in equations(out)]
    return [line for line in lines if len([c for c in line if c in secret]) == 1]


def assert_safe(out: pl.DataFrame) -> None:
    assert lonely_lines(out) == []
    assert attack(out) == {}
    assert determined(out) == set()


def hide(frame: pl.DataFrame, where: pl.Expr) -> pl.DataFrame:
    """``frame`` with the cells ``where`` shown as [c] and no others hidden."""
    text = pl.col("count").cast(pl.String)
    return frame.with_columns(
        pl.when(where).then(pl.lit(CONFIDENTIAL)).otherwise(text).alias("count")
    )


def test_the_checkers_find_a_cell_hidden_alone() -> None:
    frame = grid({"A": [3, 10, 20], "B": [8, 12, 30]})
    naive = hide(frame, (pl.col("LA") == "A") & (pl.col("c") == "x"))
    assert attack(naive) == {("A", "x"): 3}
    assert determined(naive) == {("A", "x")}


def test_the_algebra_finds_a_cell_that_subtraction_alone_does_not() -> None:
    # Two closed rectangles of small cells joined by B's z: every line holds two
    # hidden cells or more, yet B's z is 1 (row B less columns x and y).
    counts = {"A": [1, 1, 50, 40], "B": [1, 1, 1, 50], "C": [50, 30, 1, 1]}
    small = hide(grid(counts | {"D": [50, 50, 1, 1]}, "xyzw"), pl.col("count") == 1)
    assert lonely_lines(small) == []
    assert attack(small) == {}
    assert determined(small) == {("B", "z")}


def test_counts_of_1_to_5_are_hidden_but_not_0_or_6() -> None:
    counts = {"A": [1, 2, 40], "B": [3, 4, 50], "C": [5, 5, 60], "D": [0, 6, 70]}
    out = protect(grid(counts), EXACT, category="c")
    assert table(out) == [
        "A [c] [c] 40 43",
        "B [c] [c] 50 57",
        "C [c] [c] 60 70",
        "D 0 6 70 76",
        "London 9 17 220 246",
    ]
    assert out["count_suppressed"].to_list() == [
        text == CONFIDENTIAL for text in out["count"]
    ]


def test_one_small_cell_hides_the_next_smallest_in_its_row_and_column() -> None:
    counts = {"A": [3, 10, 20], "B": [8, 12, 30], "C": [9, 15, 40]}
    out = protect(grid(counts), EXACT, category="c")
    # Row A: the 3, then its 10; column x: B's 8; column y: B's 12; row B is closed.
    assert table(out) == [
        "A [c] [c] 20 33",
        "B [c] [c] 30 50",
        "C 9 15 40 64",
        "London 20 37 90 147",
    ]
    assert_safe(out)
    assert hidden(protect(grid(counts), DFE, category="c")) == hidden(out)


def test_a_hidden_total_needs_a_second_hidden_total() -> None:
    counts = {"A": [4, 0, 0], "B": [10, 20, 30], "C": [12, 25, 35]}
    out = protect(grid(counts), EXACT, category="c")
    # A's total is 4, hidden like its cell; the Total column then takes B's 60 (less
    # than 72 and London's), column x B's 10; the zeros are never used.
    assert table(out) == [
        "A [c] 0 0 [c]",
        "B [c] 20 30 [c]",
        "C 12 25 35 72",
        "London 26 45 65 136",
    ]
    assert_safe(out)


def test_a_small_london_count_is_hidden_and_protected_too() -> None:
    counts = {"A": [2, 30, 40], "B": [1, 20, 50], "C": [0, 25, 60]}
    out = protect(grid(counts), EXACT, category="c")
    # Column x is all small; rows A, B and London then each take their y.
    assert table(out) == [
        "A [c] [c] 40 72",
        "B [c] [c] 50 71",
        "C 0 25 60 85",
        "London [c] [c] 150 228",
    ]
    assert_safe(out)


def test_a_cell_joining_two_closed_patterns_is_protected_by_a_cycle() -> None:
    counts = {"A": [1, 1, 50, 40], "B": [1, 1, 1, 50], "C": [50, 30, 1, 1]}
    out = protect(grid(counts | {"D": [50, 50, 1, 1]}, "xyzw"), EXACT, category="c")
    # B's z is the bridge; the smallest cell joining its side (rows A, B, columns
    # x, y) to the other (rows C, D, columns z, w) is C's y, 30.
    assert table(out) == [
        "A [c] [c] 50 40 92",
        "B [c] [c] [c] 50 53",
        "C 50 [c] [c] [c] 82",
        "D 50 50 [c] [c] 102",
        "London 102 82 53 92 329",
    ]
    assert_safe(out)


@pytest.mark.parametrize("seed", range(40))
def test_no_hidden_cell_can_be_worked_out_in_grids_of_up_to_33_areas(
    seed: int,
) -> None:
    draw = random.Random(seed)
    categories = "abcdefgh"[: draw.randint(2, 8)]
    values = [0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20, 45, 90]
    counts = {
        f"LA{i:02}": [draw.choice(values) for _ in categories]
        for i in range(draw.choice([3, 12, 33]))
    }
    frame = grid(counts, categories=categories)
    out = protect(frame, EXACT, category="c")
    truth = dict(zip(frame.select("LA", "c").rows(), frame["count"], strict=True))
    assert all(truth[cell] > 5 or truth[cell] == 0 for cell in set(truth) - hidden(out))
    assert all(truth[cell] > 0 for cell in hidden(out))
    assert_safe(out)


def test_strata_are_protected_independently() -> None:
    small = grid({"A": [3, 10, 20], "B": [8, 12, 30], "C": [9, 15, 40]}, year=2023)
    large = grid({"A": [13, 10, 20], "B": [8, 12, 30], "C": [9, 15, 40]}, year=2024)
    frame = pl.concat([small, large])
    out = protect(frame, EXACT, category="c", strata=["year"])
    assert out.drop("count", "count_suppressed").equals(frame.drop("count"))
    by_year = out.partition_by("year", as_dict=True)
    assert table(by_year[(2023,)])[:2] == ["A [c] [c] 20 33", "B [c] [c] 30 50"]
    assert hidden(by_year[(2024,)]) == set()


def test_london_rows_are_rounded_to_10_half_up_and_areas_are_not() -> None:
    out = protect(grid({"A": [7, 8, 10], "B": [8, 6, 10]}), DFE, category="c")
    # London: 15 → 20, 14 → 10, 20, 49 → 50.
    assert table(out) == ["A 7 8 10 25", "B 8 6 10 24", "London 20 10 20 50"]


def test_the_strict_rule_hides_up_to_7_and_rounds_everything_to_5() -> None:
    counts = {"A": [7, 6, 20], "B": [3, 1, 30], "C": [8, 12, 13]}
    out = protect(grid(counts), STRICT, category="c")
    # Totals 33, 34, 33; London 18, 19, 63, 100.
    assert table(out) == [
        "A [c] [c] 20 35",
        "B [c] [c] 30 35",
        "C 10 10 15 35",
        "London 20 20 65 100",
    ]


def test_a_count_that_rounds_to_zero_is_low_but_a_zero_is_zero() -> None:
    out = protect(grid({"A": [4, 5, 0], "B": [14, 15, 0]}), ROUNDING, category="c")
    # Totals 9 and 29; London 18, 20, 0, 38.
    assert table(out) == [
        "A [low] 10 0 10",
        "B 10 20 0 30",
        "London 20 20 0 40",
    ]
    assert not any(out["count_suppressed"])


def test_derived_values_are_hidden_where_a_count_they_use_is_hidden() -> None:
    frame = grid({"A": [3, 10, 20], "B": [8, 12, 30], "C": [9, 15, 40]})
    frame = frame.with_columns(
        pl.lit(1000, dtype=pl.Int64).alias("population"),
        (pl.col("count") / 10).round(1).alias("percent"),
    )
    derived = {"percent": ["count", "population"]}
    out = protect(frame, EXACT, category="c", derived=derived)
    assert table(out, "percent") == [
        "A [c] [c] 2.0 3.3",
        "B [c] [c] 3.0 5.0",
        "C 0.9 1.5 4.0 6.4",
        "London 2.0 3.7 9.0 14.7",
    ]
    assert out["population"].to_list() == [1000] * out.height


def test_a_derived_value_is_hidden_if_any_of_its_counts_is() -> None:
    frame = grid({"A": [30, 10, 20], "B": [8, 12, 30]}).with_columns(
        pl.col("count").alias("other"), pl.lit(0.5).alias("ratio")
    )
    small = (pl.col("LA") == "B") & pl.col("c").is_in(["x", "y"])
    frame = frame.with_columns(
        pl.when(small).then(pl.lit(2, dtype=pl.Int64)).otherwise("other").alias("other")
    )
    counts = ["count", "other"]
    derived = {"ratio": counts}
    out = protect(frame, EXACT, category="c", counts=counts, derived=derived)
    assert hidden(out) == set()
    assert table(out, "other")[1] == "B [c] [c] 30 50"
    assert table(out, "ratio")[1] == "B [c] [c] 0.5 0.5"
    assert out["other_suppressed"].to_list() == [t == "[c]" for t in out["other"]]


def test_a_derived_value_from_a_low_count_is_hidden() -> None:
    frame = grid({"A": [4, 50], "B": [40, 50]}, categories="xy")
    frame = frame.with_columns(pl.lit(1.5).alias("rate"))
    out = protect(frame, ROUNDING, category="c", derived={"rate": ["count"]})
    assert table(out) == ["A [low] 50 50", "B 40 50 90", "London 40 100 140"]
    assert table(out, "rate") == [
        "A [c] 1.5 1.5",
        "B 1.5 1.5 1.5",
        "London 1.5 1.5 1.5",
    ]


def test_unknown_values_are_shown_as_x() -> None:
    frame = grid({"A": [30, 10, 20], "B": [8, 12, 30]}).with_columns(
        pl.Series("rate", [None, float("nan"), float("inf"), 1.0] * 3)
    )
    blank = (pl.col("LA") == "B") & (pl.col("c") == "z")
    frame = frame.with_columns(
        pl.when(blank).then(None).otherwise(pl.col("count")).alias("count")
    )
    out = protect(frame, EXACT, category="c", derived={"rate": ["count"]})
    assert table(out)[1] == "B 8 12 [x] 50"
    assert out["rate"].to_list()[:4] == ["[x]", "[x]", "[x]", "1.0"]


def test_the_output_keeps_rows_and_columns_and_writes_text() -> None:
    frame = grid({"A": [3, 10, 20], "B": [8, 12, 30]})
    frame = frame.with_columns(pl.lit(0.25).alias("share"))
    out = protect(frame, DFE, category="c", derived={"share": ["count"]})
    assert out.columns == [*frame.columns, "count_suppressed"]
    assert out.schema["count"] == pl.String
    assert out.schema["share"] == pl.String
    assert out.schema["count_suppressed"] == pl.Boolean
    assert out.select("LA", "c").equals(frame.select("LA", "c"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.filter(pl.col("LA") != "London"), "complete grid"),
        (lambda f: f.filter(pl.col("c") != "Total"), "complete grid"),
        (lambda f: f.head(5), "complete grid"),
        (lambda f: f.with_columns(pl.col("count").cast(pl.Float64)), "integers"),
        (lambda f: f.with_columns(-pl.col("count")), "negative"),
        (lambda f: pl.concat([f, f]), "more than once"),
    ],
)
def test_a_frame_that_is_not_a_grid_with_margins_is_refused(
    change: Callable[[pl.DataFrame], pl.DataFrame], message: str
) -> None:
    frame = grid({"A": [3, 10, 20], "B": [8, 12, 30]})
    with pytest.raises(UsageError, match=message):
        protect(change(frame), DFE, category="c")


def test_derived_columns_must_exist_and_be_numbers() -> None:
    frame = grid({"A": [3, 10, 20], "B": [8, 12, 30]})
    frame = frame.with_columns(pl.lit("a").alias("note"))
    with pytest.raises(UsageError, match="'rate'"):
        protect(frame, DFE, category="c", derived={"rate": ["count"]})
    with pytest.raises(UsageError, match="not numeric"):
        protect(frame, DFE, category="c", derived={"note": ["count"]})
