"""Referral journeys, odds ratios and assessment factors from small hand-built CIN
census tables; every expected figure is worked out by hand in the test."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl
import pytest

from cld.engine.reports.equalities import (
    assessment_factors_report,
    equalities_report,
    journeys,
    odds_ratio_ci,
    odds_ratio_exprs,
    with_odds_ratios,
)

D = dt.date
Z = 1.959963984540054  # the 97.5th percentile of the standard normal
SCHEMAS: dict[str, dict[str, type[pl.DataType]]] = {  # in the functions' order
    "children": {
        "LAchildID": pl.String,
        "GenderCurrent": pl.String,
        "Ethnicity": pl.String,
        "AGE": pl.Int16,
    },
    "disabilities": {"LAchildID": pl.String, "Disability": pl.String},
    "cin_episodes": {
        "LAchildID": pl.String,
        "CINreferralDate": pl.Date,
        "DateOfInitialCPC": pl.Date,
    },
    "assessments": {"LAchildID": pl.String, "CINreferralDate": pl.Date},
    "section47": {
        "LAchildID": pl.String,
        "CINreferralDate": pl.Date,
        "DateOfInitialCPC": pl.Date,
    },
    "child_protection_plans": {"LAchildID": pl.String, "CINreferralDate": pl.Date},
}


def table(name: str, *rows: dict[str, Any]) -> pl.DataFrame:
    """Rows of CAM's 2024 return unless a row says otherwise."""
    schema: dict[str, type[pl.DataType]] = {"LA": pl.String, "YEAR": pl.Int16}
    schema |= SCHEMAS[name]
    full = [{**dict.fromkeys(schema), "LA": "CAM", "YEAR": 2024, **r} for r in rows]
    return pl.DataFrame(full, schema=schema)


def tables(**given: list[dict[str, Any]]) -> dict[str, pl.DataFrame]:
    return {name: table(name, *given.get(name, [])) for name in SCHEMAS}


def in_order(given: dict[str, pl.DataFrame]) -> list[pl.DataFrame]:
    """The tables as the functions take them, in their order."""
    return [given[name] for name in SCHEMAS]


def woolf(a: float, b: float, c: float, d: float) -> tuple[float, float, float]:
    """By hand: OR = ad/bc, ln OR ± 1.96 √(1/a + 1/b + 1/c + 1/d)."""
    ratio = a * d / (b * c)
    half = Z * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return ratio, math.exp(math.log(ratio) - half), math.exp(math.log(ratio) + half)


def test_odds_ratio_and_woolf_interval() -> None:
    # 10 of 30 in the group reach the step, 5 of 45 in the reference group:
    # OR = (10 × 40) / (20 × 5) = 4, SE of ln OR = √(0.1 + 0.05 + 0.2 + 0.025)
    got = odds_ratio_ci(10, 20, 5, 40)
    se = math.sqrt(0.375)
    assert got.odds_ratio == pytest.approx(4.0)
    assert got.ci_low == pytest.approx(4 * math.exp(-Z * se))
    assert got.ci_high == pytest.approx(4 * math.exp(Z * se))
    assert got.ci_low == pytest.approx(1.2045, abs=1e-4)
    assert got.ci_high == pytest.approx(13.2835, abs=1e-4)


def test_a_zero_cell_adds_a_half_to_every_cell() -> None:
    # 0 of 10 against 5 of 10: 0.5, 10.5, 5.5, 5.5
    got = odds_ratio_ci(0, 10, 5, 5)
    assert got == pytest.approx(woolf(0.5, 10.5, 5.5, 5.5))
    assert got.odds_ratio == pytest.approx(0.5 / 10.5)


def test_a_99_percent_interval_is_wider() -> None:
    got = odds_ratio_ci(10, 20, 5, 40, level=0.99)
    half = 2.5758293035489004 * math.sqrt(0.375)
    assert got.ci_low == pytest.approx(4 * math.exp(-half))


def test_negative_cells_and_empty_groups_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        odds_ratio_ci(-1, 2, 3, 4)
    with pytest.raises(ValueError, match="without referrals"):
        odds_ratio_ci(0, 0, 3, 4)


def test_the_expressions_agree_with_the_function() -> None:
    cells = [(10, 20, 5, 40), (0, 10, 5, 5), (3, 0, 0, 7), (1, 1, 1, 1)]
    frame = pl.DataFrame(cells, schema=["a", "b", "c", "d"], orient="row")
    ratio, low, high = odds_ratio_exprs(*(pl.col(x) for x in "abcd"))
    got = frame.select(ratio.alias("r"), low.alias("l"), high.alias("h")).rows()
    assert got == [pytest.approx(tuple(odds_ratio_ci(*c))) for c in cells]
    empty = pl.DataFrame({"a": [0], "b": [0], "c": [3], "d": [4]})
    assert empty.select(ratio.alias("r")).item() is None


def test_a_step_of_another_referral_of_the_same_child_does_not_count() -> None:
    given = tables(
        cin_episodes=[
            {"LAchildID": "a", "CINreferralDate": D(2023, 5, 1)},
            {
                "LAchildID": "a",
                "CINreferralDate": D(2023, 9, 1),
                "DateOfInitialCPC": D(2023, 10, 1),
            },
            {"LAchildID": "b", "CINreferralDate": D(2023, 9, 1)},
        ],
        # the second referral of a is assessed, has a S47 and a plan
        assessments=[{"LAchildID": "a", "CINreferralDate": D(2023, 9, 1)}],
        section47=[
            {"LAchildID": "a", "CINreferralDate": D(2023, 9, 1)},
            # a S47 of child b on the day of a's first referral: not a's
            {"LAchildID": "b", "CINreferralDate": D(2023, 5, 1)},
        ],
        child_protection_plans=[{"LAchildID": "a", "CINreferralDate": D(2023, 9, 1)}],
    )
    got = journeys(*in_order(given)).select(
        "LAchildID", "CINreferralDate", "assessed", "s47", "icpc", "cpp"
    )
    assert got.rows() == [
        ("a", D(2023, 5, 1), False, False, False, False),
        ("a", D(2023, 9, 1), True, True, True, True),
        ("b", D(2023, 9, 1), False, False, False, False),
    ]


def test_an_icpc_from_the_section_47_row() -> None:
    given = tables(
        cin_episodes=[{"LAchildID": "a", "CINreferralDate": D(2023, 5, 1)}],
        section47=[
            {
                "LAchildID": "a",
                "CINreferralDate": D(2023, 5, 1),
                "DateOfInitialCPC": D(2023, 6, 1),
            }
        ],
    )
    assert journeys(*in_order(given))["icpc"].to_list() == [True]


def test_referral_years_are_whole_cohorts() -> None:
    given = tables(
        cin_episodes=[
            # referred on 31 March 2023: collection year 2023, returned by CAM
            {"LAchildID": "a", "YEAR": 2023, "CINreferralDate": D(2023, 3, 31)},
            {"LAchildID": "b", "CINreferralDate": D(2023, 4, 1)},  # 2024
            # still open in 2024 but referred in 2022, a year CAM did not return
            {"LAchildID": "c", "CINreferralDate": D(2022, 1, 1)},
        ]
    )
    got = journeys(*in_order(given)).select("LAchildID", "YEAR")
    assert got.rows() == [("a", 2023), ("b", 2024)]


def test_the_childs_characteristics() -> None:
    given = tables(
        children=[
            # a: an older row and the latest; AGE 16 at 31 March 2024
            {"LAchildID": "a", "YEAR": 2023, "Ethnicity": "WBRI", "AGE": 15},
            {"LAchildID": "a", "GenderCurrent": "2", "Ethnicity": "MWBA", "AGE": 16},
            {"LAchildID": "b", "GenderCurrent": "9", "Ethnicity": "CHNE", "AGE": 0},
        ],
        disabilities=[
            {"LAchildID": "a", "Disability": "NONE"},
            {"LAchildID": "a", "Disability": "AUT"},
            {"LAchildID": "b", "Disability": "NONE"},
        ],
        cin_episodes=[
            # referred in 2022-23, in CAM's 2023 return
            {"LAchildID": "a", "YEAR": 2023, "CINreferralDate": D(2023, 3, 1)},
            {"LAchildID": "a", "CINreferralDate": D(2024, 3, 1)},
            {"LAchildID": "b", "CINreferralDate": D(2024, 3, 1)},
            {"LAchildID": "c", "CINreferralDate": D(2024, 3, 1)},  # no rows
        ],
    )
    got = journeys(*in_order(given)).select(
        "LAchildID", "YEAR", "ethnicity_group", "sex", "age_band", "disability"
    )
    assert got.rows() == [
        ("a", 2023, "Mixed", "female", "10 to 15", "disabled"),  # 16 - 1 = 15
        ("a", 2024, "Mixed", "female", "16 to 17", "disabled"),
        ("b", 2024, "Other ethnic groups", "indeterminate", "under 1", "not disabled"),
        ("c", 2024, "unknown", "unknown", "unknown", "unknown"),
    ]


def test_sex_from_2025_is_read_from_the_sex_column() -> None:
    given = tables(cin_episodes=[{"LAchildID": "a", "CINreferralDate": D(2024, 5, 1)}])
    given["cin_episodes"] = given["cin_episodes"].with_columns(YEAR=pl.lit(2025))
    given["children"] = pl.DataFrame(
        {"LA": ["CAM"], "YEAR": [2025], "LAchildID": ["a"], "Sex": ["F"]}
    )
    assert journeys(*in_order(given))["sex"].to_list() == ["female"]


def referrals(la: str, ethnicity: str, referred: int, with_plan: int) -> dict[str, Any]:
    """``referred`` children of one ethnicity, one referral each, ``with_plan`` of
    them with a child protection plan."""
    ids = [f"{la}{ethnicity}{n}" for n in range(referred)]
    day = D(2023, 6, 1)
    return {
        "children": [{"LA": la, "LAchildID": i, "Ethnicity": ethnicity} for i in ids],
        "cin_episodes": [
            {"LA": la, "LAchildID": i, "CINreferralDate": day} for i in ids
        ],
        "child_protection_plans": [
            {"LA": la, "LAchildID": i, "CINreferralDate": day} for i in ids[:with_plan]
        ],
    }


def report_of(*groups: dict[str, Any], london: bool = True) -> pl.DataFrame:
    given: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        for name, rows in group.items():
            given.setdefault(name, []).extend(rows)
    return equalities_report(*in_order(tables(**given)), london=london)[
        "ethnicity_group"
    ]


def row(frame: pl.DataFrame, la: str, step: str, category: str) -> dict[str, Any]:
    picked = frame.filter(
        (pl.col("LA") == la)
        & (pl.col("step") == step)
        & (pl.col("category") == category)
    )
    assert picked.height == 1
    return picked.row(0, named=True)


def test_odds_ratios_per_authority_and_for_london() -> None:
    frame = report_of(
        referrals("CAM", "WBRI", 4, 1),  # White: 1 of 4 with a plan
        referrals("CAM", "BAFR", 3, 2),  # Black: 2 of 3
        referrals("HAC", "WBRI", 2, 1),  # White: 1 of 2
        referrals("HAC", "BAFR", 1, 0),  # Black: 0 of 1
    )
    cam = row(frame, "CAM", "cpp", "Black or Black British")
    assert (cam["count"], cam["denominator"]) == (2, 3)
    # a = 2, b = 1 (Black); c = 1, d = 3 (White): OR = (2 × 3) / (1 × 1) = 6
    expected = woolf(2, 1, 1, 3)
    assert expected[0] == pytest.approx(6.0)
    got = (cam["odds_ratio"], cam["ci_low"], cam["ci_high"])
    assert got == pytest.approx(expected)

    # HAC: a = 0 (a zero cell), b = 1, c = 1, d = 1: each plus a half
    hac = row(frame, "HAC", "cpp", "Black or Black British")
    assert hac["odds_ratio"] == pytest.approx((0.5 * 1.5) / (1.5 * 1.5))

    # London sums the counts, then computes: Black 2 of 4, White 2 of 6,
    # OR = (2 × 4) / (2 × 2) = 2
    london = row(frame, "London", "cpp", "Black or Black British")
    assert (london["count"], london["denominator"]) == (2, 4)
    got = (london["odds_ratio"], london["ci_low"], london["ci_high"])
    assert got == pytest.approx(woolf(2, 2, 2, 4))

    # the reference group: ratio 1, no interval
    white = row(frame, "London", "cpp", "White")
    assert (white["count"], white["denominator"]) == (2, 6)
    assert (white["odds_ratio"], white["ci_low"], white["ci_high"]) == (1.0, None, None)

    # nobody was assessed: 0 of 3 and 0 of 4, corrected to 0.5, 3.5, 0.5, 4.5
    assessed = row(frame, "CAM", "assessment", "Black or Black British")
    assert assessed["count"] == 0
    assert assessed["odds_ratio"] == pytest.approx((0.5 * 4.5) / (3.5 * 0.5))


def test_no_ratio_without_a_reference_group_and_no_london_when_asked() -> None:
    frame = report_of(referrals("CAM", "BAFR", 3, 2), london=False)
    assert set(frame["LA"]) == {"CAM"}
    cam = row(frame, "CAM", "cpp", "Black or Black British")
    assert (cam["count"], cam["denominator"], cam["odds_ratio"]) == (2, 3, None)


def test_ratios_recomputed_after_margins_are_added() -> None:
    frame = pl.DataFrame(
        {
            "dimension": ["sex", "sex"],
            "LA": ["London", "London"],
            "category": ["female", "male"],
            "count": [10, 5],
            "denominator": [30, 45],
        }
    )
    got = with_odds_ratios(frame)
    assert got["odds_ratio"].to_list() == pytest.approx([4.0, 1.0])
    assert got["ci_low"][0] == pytest.approx(woolf(10, 20, 5, 40)[1])


def test_no_ratio_for_totals_or_groups_filled_in_with_zeros() -> None:
    # as margins leave them: HAC had no female referrals (0 of 0), CAM no male ones
    frame = pl.DataFrame(
        {
            "dimension": ["sex"] * 5,
            "LA": ["HAC", "HAC", "HAC", "CAM", "CAM"],
            "category": ["female", "male", "Total", "female", "male"],
            "count": [0, 5, 5, 3, 0],
            "denominator": [0, 45, 45, 9, 0],
        }
    )
    got = with_odds_ratios(frame).select("odds_ratio", "ci_low", "ci_high").rows()
    assert got == [(None, None, None), (1.0, None, None)] + [(None, None, None)] * 3


def test_report_tables_and_columns() -> None:
    report = equalities_report(*in_order(tables()))
    assert list(report) == ["ethnicity_group", "sex", "age_band", "disability"]
    schema = {
        "YEAR": pl.Int16,
        "dimension": pl.String,
        "step": pl.String,
        "LA": pl.String,
        "category": pl.String,
        "count": pl.Int64,
        "denominator": pl.Int64,
        "odds_ratio": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
    }
    for frame in report.values():
        assert frame.schema == pl.Schema(schema)


def test_assessment_factors() -> None:
    schema = {
        "LA": pl.String,
        "YEAR": pl.Int16,
        "LAchildID": pl.String,
        "CINreferralDate": pl.Date,
        "AssessmentActualStartDate": pl.Date,
        "AssessmentFactors": pl.String,
    }
    rows = [
        ("CAM", 2024, "a", D(2023, 5, 1), D(2023, 5, 2), "1A"),  # assessment 1
        ("CAM", 2024, "a", D(2023, 5, 1), D(2023, 5, 2), "3A"),  # assessment 1
        ("CAM", 2024, "b", D(2023, 12, 1), D(2024, 1, 2), "1A"),  # assessment 2
        # started in 2022-23, a year CAM did not return: left out
        ("CAM", 2024, "c", D(2023, 2, 1), D(2023, 3, 1), "1A"),
    ]
    factors = pl.DataFrame(rows, schema=schema, orient="row")
    got = assessment_factors_report(factors)
    assert got.rows() == [
        (2024, "assessment_factor", "CAM", "1A", 2, 2),
        (2024, "assessment_factor", "CAM", "3A", 1, 2),
    ]
    assert got.schema["count"] == pl.Int64
    assert got.schema["denominator"] == pl.Int64
    with_factors = equalities_report(*in_order(tables()), assessment_factors=factors)
    assert with_factors["assessment_factors"].equals(got)
