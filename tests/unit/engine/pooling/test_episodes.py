"""SSDA903 episodes pooled across years and repaired, rule by rule.

Each test writes the returns as rows (LA, YEAR, CHILD, DECOM, RNE, DEC, REC), then the
episodes expected out, and beside them what the platform records on each:
(YEAR_LATEST, EPISODE_REPAIR, EPISODE_SOURCE, OPEN_IN_OLD_RETURN).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cld.engine.pooling import CLOSED_BY_PLATFORM, EpisodeRule, repair_episodes

SCHEMA: dict[str, Any] = {
    "LA": pl.String,
    "YEAR": pl.Int16,
    "CHILD": pl.String,
    "DECOM": pl.Date,
    "RNE": pl.String,
    "DEC": pl.Date,
    "REC": pl.String,
}
RECORD: dict[str, Any] = {
    "YEAR_LATEST": pl.Int16,
    "EPISODE_REPAIR": pl.String,
    "EPISODE_SOURCE": pl.String,
    "OPEN_IN_OLD_RETURN": pl.Boolean,
}

ORIGINAL = "original"
CLOSED_1 = "closed by the platform: rule_1_next_episode_follows"
CLOSED_1A = "closed by the platform: rule_1a_new_period_of_care"
CLOSED_2 = "closed by the platform: rule_2_nothing_follows"

Row = tuple[Any, ...]
Record = tuple[int, str | None, str, bool]


def returns(*rows: Row, schema: dict[str, Any] = SCHEMA) -> pl.DataFrame:
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


def expect(
    episodes: list[Row], records: list[Record], schema: dict[str, Any] = SCHEMA
) -> pl.DataFrame:
    assert len(episodes) == len(records)
    return pl.concat(
        [
            returns(*episodes, schema=schema),
            pl.DataFrame(records, schema=RECORD, orient="row"),
        ],
        how="horizontal",
    )


def test_the_platforms_code_and_the_rules_in_order() -> None:
    assert CLOSED_BY_PLATFORM == "E99"
    assert [rule.value for rule in EpisodeRule] == [
        "duplicate",
        "replaced_by_later_return",
        "duplicate_key",
        "rule_1_next_episode_follows",
        "rule_1a_new_period_of_care",
        "rule_2_nothing_follows",
        "overlap_closed",
        "x1_gap_closed",
    ]


def test_an_episode_open_in_one_return_and_closed_in_the_next_is_one_episode() -> None:
    out = repair_episodes(
        returns(
            ("801", 2023, "c1", "2022-06-01", "S", None, None),
            ("801", 2024, "c1", "2022-06-01", "S", "2023-05-01", "E3"),
        )
    )
    expected = expect(
        [("801", 2024, "c1", "2022-06-01", "S", "2023-05-01", "E3")],
        [(2024, "replaced_by_later_return", ORIGINAL, False)],
    )
    assert_frame_equal(out, expected)


def test_each_rule_is_recorded_on_the_row_kept_for_the_rows_it_dropped() -> None:
    out = repair_episodes(
        returns(
            ("801", 2022, "c1", "2021-06-01", "S", None, None),
            ("801", 2023, "c1", "2021-06-01", "S", None, None),
            ("801", 2024, "c1", "2021-06-01", "S", "2023-05-01", "E3"),
            ("801", 2022, "c2", "2021-06-01", "S", None, None),
            ("801", 2023, "c2", "2021-06-01", "S", "2022-05-01", "E3"),
            ("801", 2024, "c2", "2021-06-01", "S", "2022-05-01", "E3"),
        )
    )
    expected = expect(
        [
            ("801", 2024, "c1", "2021-06-01", "S", "2023-05-01", "E3"),
            ("801", 2024, "c2", "2021-06-01", "S", "2022-05-01", "E3"),
        ],
        [
            (2024, "replaced_by_later_return", ORIGINAL, False),
            (2024, "duplicate,replaced_by_later_return", ORIGINAL, False),
        ],
    )
    assert_frame_equal(out, expected)


def test_rule_1_an_open_episode_ends_when_the_next_begins() -> None:
    out = repair_episodes(
        returns(
            ("801", 2023, "c1", "2022-06-01", "S", None, None),
            ("801", 2024, "c1", "2023-09-01", "P", None, None),
        )
    )
    expected = expect(
        [
            ("801", 2023, "c1", "2022-06-01", "S", "2023-09-01", "X1"),
            ("801", 2024, "c1", "2023-09-01", "P", None, None),
        ],
        [
            (2024, "rule_1_next_episode_follows", CLOSED_1, True),
            (2024, None, ORIGINAL, False),
        ],
    )
    assert_frame_equal(out, expected)


def test_rule_1a_a_new_period_after_31_march_closes_at_31_march() -> None:
    out = repair_episodes(
        returns(
            ("801", 2023, "c1", "2022-06-01", "S", None, None),
            ("801", 2024, "c1", "2023-09-01", "S", None, None),
        )
    )
    expected = expect(
        [
            ("801", 2023, "c1", "2022-06-01", "S", "2023-03-31", "E99"),
            ("801", 2024, "c1", "2023-09-01", "S", None, None),
        ],
        [
            (2024, "rule_1a_new_period_of_care", CLOSED_1A, True),
            (2024, None, ORIGINAL, False),
        ],
    )
    assert_frame_equal(out, expected)


def test_rule_1a_a_new_period_before_31_march_closes_the_day_before() -> None:
    out = repair_episodes(
        returns(
            ("801", 2023, "c1", "2022-06-01", "S", None, None),
            ("801", 2023, "c1", "2023-02-10", "S", "2023-03-01", "E3"),
            ("801", 2024, "c2", "2023-06-01", "S", None, None),
        )
    )
    expected = expect(
        [
            ("801", 2023, "c1", "2022-06-01", "S", "2023-02-09", "E99"),
            ("801", 2023, "c1", "2023-02-10", "S", "2023-03-01", "E3"),
            ("801", 2024, "c2", "2023-06-01", "S", None, None),
        ],
        [
            (2024, "rule_1a_new_period_of_care", CLOSED_1A, True),
            (2024, None, ORIGINAL, False),
            (2024, None, ORIGINAL, False),
        ],
    )
    assert_frame_equal(out, expected)


def test_rule_2_nothing_follows_closes_at_31_march_of_its_return() -> None:
    out = repair_episodes(
        returns(
            ("801", 2022, "c1", "2021-06-01", "S", None, None),
            ("801", 2024, "c2", "2023-06-01", "S", None, None),
        )
    )
    expected = expect(
        [
            ("801", 2022, "c1", "2021-06-01", "S", "2022-03-31", "E99"),
            ("801", 2024, "c2", "2023-06-01", "S", None, None),
        ],
        [
            (2024, "rule_2_nothing_follows", CLOSED_2, True),
            (2024, None, ORIGINAL, False),
        ],
    )
    assert_frame_equal(out, expected)


def test_an_episode_open_in_the_latest_return_stays_open() -> None:
    out = repair_episodes(
        returns(
            ("801", 2023, "c1", "2022-06-01", "S", None, None),
            ("801", 2024, "c1", "2022-06-01", "S", None, None),
            ("801", 2024, "c2", "2023-06-01", "S", None, None),
            ("801", 2024, "c3", "2023-06-01", "S", None, None),
            ("801", 2024, "c3", "2023-09-01", "P", None, None),
        )
    )
    expected = expect(
        [
            ("801", 2024, "c1", "2022-06-01", "S", None, None),
            ("801", 2024, "c2", "2023-06-01", "S", None, None),
            ("801", 2024, "c3", "2023-06-01", "S", None, None),
            ("801", 2024, "c3", "2023-09-01", "P", None, None),
        ],
        [
            (2024, "duplicate", ORIGINAL, False),
            (2024, None, ORIGINAL, False),
            (2024, None, ORIGINAL, False),
            (2024, None, ORIGINAL, False),
        ],
    )
    assert_frame_equal(out, expected)


def test_exact_duplicates_keep_one_row_from_the_latest_year() -> None:
    out = repair_episodes(
        returns(
            ("801", 2023, "c1", "2022-06-01", "S", "2022-09-01", "E3"),
            ("801", 2023, "c1", "2022-06-01", "S", "2022-09-01", "E3"),
            ("801", 2023, "c2", "2023-03-01", "S", "2023-05-01", "E3"),
            ("801", 2024, "c2", "2023-03-01", "S", "2023-05-01", "E3"),
        )
    )
    expected = expect(
        [
            ("801", 2023, "c1", "2022-06-01", "S", "2022-09-01", "E3"),
            ("801", 2024, "c2", "2023-03-01", "S", "2023-05-01", "E3"),
        ],
        [(2024, "duplicate", ORIGINAL, False), (2024, "duplicate", ORIGINAL, False)],
    )
    assert_frame_equal(out, expected)


def test_a_change_in_any_column_is_a_new_version_not_a_duplicate() -> None:
    schema = {**SCHEMA, "PLACE": pl.String}
    out = repair_episodes(
        returns(
            ("801", 2023, "c1", "2022-06-01", "S", None, None, "U1"),
            ("801", 2024, "c1", "2022-06-01", "S", None, None, "U3"),
            schema=schema,
        )
    )
    expected = expect(
        [("801", 2024, "c1", "2022-06-01", "S", None, None, "U3")],
        [(2024, "replaced_by_later_return", ORIGINAL, False)],
        schema=schema,
    )
    assert_frame_equal(out, expected)


def test_two_versions_in_one_return_keep_one_whatever_their_order() -> None:
    rows = returns(
        ("801", 2023, "c1", "2023-01-05", "S", None, None),
        ("801", 2024, "c1", "2023-01-05", "S", None, None),
        ("801", 2024, "c1", "2023-01-05", "S", "2023-06-01", "E3"),
    )
    expected = expect(
        [("801", 2024, "c1", "2023-01-05", "S", "2023-06-01", "E3")],
        [(2024, "replaced_by_later_return,duplicate_key", ORIGINAL, False)],
    )
    assert_frame_equal(repair_episodes(rows), expected)
    assert_frame_equal(repair_episodes(rows.reverse()), expected)


def test_an_episode_ending_after_the_next_begins_ends_when_it_begins() -> None:
    out = repair_episodes(
        returns(
            ("801", 2024, "c1", "2023-05-01", "S", "2023-08-15", "X1"),
            ("801", 2024, "c1", "2023-08-01", "P", "2023-12-01", "E3"),
            ("801", 2024, "c1", "2023-11-01", "S", None, None),
        )
    )
    expected = expect(
        [
            ("801", 2024, "c1", "2023-05-01", "S", "2023-08-01", "X1"),
            ("801", 2024, "c1", "2023-08-01", "P", "2023-11-01", "E3"),
            ("801", 2024, "c1", "2023-11-01", "S", None, None),
        ],
        [
            (2024, "overlap_closed", ORIGINAL, False),
            (2024, "overlap_closed", ORIGINAL, False),
            (2024, None, ORIGINAL, False),
        ],
    )
    assert_frame_equal(out, expected)


def test_a_gap_after_x1_is_closed_and_other_gaps_are_not() -> None:
    out = repair_episodes(
        returns(
            ("801", 2024, "c1", "2023-05-01", "S", "2023-07-20", "X1"),
            ("801", 2024, "c1", "2023-08-01", "P", "2023-10-01", "E3"),
            ("801", 2024, "c1", "2023-12-01", "S", "2024-01-10", "X1"),
        )
    )
    expected = expect(
        [
            ("801", 2024, "c1", "2023-05-01", "S", "2023-08-01", "X1"),
            ("801", 2024, "c1", "2023-08-01", "P", "2023-10-01", "E3"),
            ("801", 2024, "c1", "2023-12-01", "S", "2024-01-10", "X1"),
        ],
        [
            (2024, "x1_gap_closed", ORIGINAL, False),
            (2024, None, ORIGINAL, False),
            (2024, None, ORIGINAL, False),
        ],
    )
    assert_frame_equal(out, expected)


def test_children_and_authorities_do_not_mix() -> None:
    out = repair_episodes(
        returns(
            ("801", 2023, "c1", "2022-06-01", "S", None, None),
            ("801", 2024, "c2", "2023-06-01", "P", None, None),
            ("802", 2023, "c1", "2022-09-01", "P", None, None),
        )
    )
    expected = expect(
        [
            ("801", 2023, "c1", "2022-06-01", "S", "2023-03-31", "E99"),
            ("801", 2024, "c2", "2023-06-01", "P", None, None),
            ("802", 2023, "c1", "2022-09-01", "P", None, None),
        ],
        [
            (2024, "rule_2_nothing_follows", CLOSED_2, True),
            (2024, None, ORIGINAL, False),
            (2023, None, ORIGINAL, False),
        ],
    )
    assert_frame_equal(out, expected)


HISTORY = returns(
    ("801", 2024, "c3", "2023-06-01", "P", None, None),
    ("801", 2023, "c1", "2022-07-01", "P", None, None),
    ("801", 2022, "c2", "2022-01-01", "P", None, None),
    ("801", 2022, "c1", "2021-05-01", "S", None, None),
    ("801", 2024, "c1", "2023-06-01", "S", None, None),
    ("801", 2023, "c2", "2022-01-01", "P", None, None),
    ("801", 2024, "c3", "2023-04-10", "S", "2023-06-30", "X1"),
    ("801", 2022, "c2", "2021-09-01", "S", "2021-12-01", "X1"),
    ("801", 2023, "c1", "2021-05-01", "S", "2022-07-01", "X1"),
)
HISTORY_REPAIRED = expect(
    [
        ("801", 2023, "c1", "2021-05-01", "S", "2022-07-01", "X1"),
        ("801", 2023, "c1", "2022-07-01", "P", "2023-03-31", "E99"),
        ("801", 2024, "c1", "2023-06-01", "S", None, None),
        ("801", 2022, "c2", "2021-09-01", "S", "2022-01-01", "X1"),
        ("801", 2023, "c2", "2022-01-01", "P", "2023-03-31", "E99"),
        ("801", 2024, "c3", "2023-04-10", "S", "2023-06-01", "X1"),
        ("801", 2024, "c3", "2023-06-01", "P", None, None),
    ],
    [
        (2024, "replaced_by_later_return", ORIGINAL, False),
        (2024, "rule_1a_new_period_of_care", CLOSED_1A, True),
        (2024, None, ORIGINAL, False),
        (2024, "x1_gap_closed", ORIGINAL, False),
        (2024, "duplicate,rule_2_nothing_follows", CLOSED_2, True),
        (2024, "overlap_closed", ORIGINAL, False),
        (2024, None, ORIGINAL, False),
    ],
)


def test_the_rules_together_over_three_returns() -> None:
    assert_frame_equal(repair_episodes(HISTORY), HISTORY_REPAIRED)


def test_the_same_rows_in_any_order_give_the_same_output() -> None:
    assert_frame_equal(repair_episodes(HISTORY.reverse()), HISTORY_REPAIRED)
    assert_frame_equal(repair_episodes(HISTORY.sort("DECOM")), HISTORY_REPAIRED)


def test_rows_without_child_or_start_date_are_kept_as_they_are() -> None:
    out = repair_episodes(
        returns(
            ("801", 2023, None, "2022-06-01", "S", None, None),
            ("801", 2023, None, "2022-06-01", "S", None, None),
            ("801", 2023, "c1", None, "S", None, None),
            ("801", 2023, "c1", "2022-06-01", "S", None, None),
            ("801", 2024, "c2", "2023-06-01", "P", None, None),
        )
    )
    expected = expect(
        [
            ("801", 2023, "c1", "2022-06-01", "S", "2023-03-31", "E99"),
            ("801", 2023, "c1", None, "S", None, None),
            ("801", 2024, "c2", "2023-06-01", "P", None, None),
            ("801", 2023, None, "2022-06-01", "S", None, None),
            ("801", 2023, None, "2022-06-01", "S", None, None),
        ],
        [
            (2024, "rule_2_nothing_follows", CLOSED_2, True),
            (2024, None, ORIGINAL, False),
            (2024, None, ORIGINAL, False),
            (2024, None, ORIGINAL, False),
            (2024, None, ORIGINAL, False),
        ],
    )
    assert_frame_equal(out, expected)


def test_without_an_end_date_only_duplicates_are_resolved() -> None:
    schema = {k: v for k, v in SCHEMA.items() if k not in ("DEC", "REC")}
    out = repair_episodes(
        returns(
            ("801", 2023, "c1", "2022-06-01", "S"),
            ("801", 2024, "c1", "2022-06-01", "S"),
            ("801", 2023, "c2", "2022-06-01", "S"),
            schema=schema,
        )
    )
    expected = expect(
        [
            ("801", 2024, "c1", "2022-06-01", "S"),
            ("801", 2023, "c2", "2022-06-01", "S"),
        ],
        [(2024, "duplicate", ORIGINAL, False), (2024, None, ORIGINAL, False)],
        schema=schema,
    )
    assert_frame_equal(out, expected)


def test_without_a_reason_ceased_the_end_date_is_still_set() -> None:
    schema = {k: v for k, v in SCHEMA.items() if k != "REC"}
    out = repair_episodes(
        returns(
            ("801", 2023, "c1", "2022-06-01", "S", None),
            ("801", 2024, "c1", "2023-09-01", "P", None),
            ("801", 2023, "c2", "2022-06-01", "S", "2022-07-01"),
            ("801", 2023, "c2", "2022-08-01", "P", "2023-02-01"),
            schema=schema,
        )
    )
    expected = expect(
        [
            ("801", 2023, "c1", "2022-06-01", "S", "2023-09-01"),
            ("801", 2024, "c1", "2023-09-01", "P", None),
            ("801", 2023, "c2", "2022-06-01", "S", "2022-07-01"),
            ("801", 2023, "c2", "2022-08-01", "P", "2023-02-01"),
        ],
        [
            (2024, "rule_1_next_episode_follows", CLOSED_1, True),
            (2024, None, ORIGINAL, False),
            (2024, None, ORIGINAL, False),
            (2024, None, ORIGINAL, False),
        ],
        schema=schema,
    )
    assert_frame_equal(out, expected)


def test_without_a_reason_for_new_episode_the_next_one_follows() -> None:
    schema = {k: v for k, v in SCHEMA.items() if k != "RNE"}
    out = repair_episodes(
        returns(
            ("801", 2023, "c1", "2022-06-01", None, None),
            ("801", 2024, "c1", "2023-09-01", None, None),
            schema=schema,
        )
    )
    expected = expect(
        [
            ("801", 2023, "c1", "2022-06-01", "2023-09-01", "X1"),
            ("801", 2024, "c1", "2023-09-01", None, None),
        ],
        [
            (2024, "rule_1_next_episode_follows", CLOSED_1, True),
            (2024, None, ORIGINAL, False),
        ],
        schema=schema,
    )
    assert_frame_equal(out, expected)


def test_no_episodes_give_no_rows() -> None:
    assert_frame_equal(repair_episodes(returns()), expect([], []))


def test_the_columns_that_place_an_episode_are_needed() -> None:
    with pytest.raises(ValueError, match="DECOM"):
        repair_episodes(returns().drop("DECOM"))


@pytest.mark.parametrize("seed", range(6))
def test_random_returns_come_out_in_the_order_of_la_child_and_start(seed: int) -> None:
    import random

    from cld.engine.pooling.years import sort_deterministically

    rng = random.Random(seed)
    rows = [
        (
            rng.choice(["CAM", "HAC"]),
            rng.choice([2022, 2023, 2024]),
            f"C{rng.randint(0, 6)}",
            (dt.date(2021, 4, 1) + dt.timedelta(days=rng.randint(0, 900))).isoformat(),
            rng.choice(["S", "P", None]),
            rng.choice([None, "2024-03-31", "2022-06-01"]),
            rng.choice(["X1", "E11", None]),
        )
        for _ in range(rng.randint(1, 60))
    ]
    pooled = repair_episodes(
        returns(*rows).sample(fraction=1.0, shuffle=True, seed=seed)
    )
    assert_frame_equal(
        pooled, sort_deterministically(pooled, ["LA", "CHILD", "DECOM", "YEAR"])
    )
    again = repair_episodes(returns(*reversed(rows)))
    assert_frame_equal(pooled, again)  # whatever order the rows came in
