"""Equalities in children's social care journeys (CIN census).

**Journeys** (:func:`journeys`): one row per referral (``cin_episodes`` row with a
child and a referral date). ``YEAR`` is the collection year of the *referral date*
(1 April Y-1 to 31 March Y), kept only where the authority returned that year, so
each year is a whole cohort of the referrals made in it. A step happened for a
referral when a row of its table has the same ``LA``, ``LAchildID`` and
``CINreferralDate`` (whatever year's return holds it; a step of another referral of
the same child does not count):

- ``assessed``: an ``assessments`` row;
- ``s47``: a ``section47`` row;
- ``icpc``: an initial child protection conference date (``DateOfInitialCPC``) on
  the referral's ``cin_episodes`` row or on one of its ``section47`` rows;
- ``cpp``: a ``child_protection_plans`` row.

The child's characteristics come from its latest ``children`` row: ``sex`` from
``GenderCurrent`` (or ``Sex`` from 2025, when present), ``ethnicity_group`` and
``age_band`` (age at 31 March of the referral's year: ``AGE`` at 31 March of the row's
``YEAR`` plus the years between) as in :mod:`cld.engine.reports.bands`;
``disability`` is ``disabled`` when any ``disabilities`` row of the child has a code
other than ``NONE``, ``not disabled`` when it has only ``NONE``, else ``unknown``.

**Report** (:func:`equalities_report`): a table per characteristic (``ethnicity_group``,
``sex``, ``age_band``, ``disability``) with, for each ``YEAR``, ``step``
(``assessment``, ``section_47``, ``icpc``, ``cpp``), ``LA`` and ``category``:
``denominator`` (referrals) and ``count`` (of them, those reaching the step). The odds
of reaching the step are compared with those of the reference group
(:data:`REFERENCE_GROUPS`: White, male, 10 to 15, not disabled; the largest groups
nationally, fixed rather than each authority's largest so that every authority and
London are compared with the same group) as an odds ratio with a 95% confidence
interval by Woolf's log method, 0.5 added to each cell when one is 0
(:func:`odds_ratio_ci`). The reference group's own row has ratio 1 and no interval;
the ratio is null where the group or the reference group has no referrals.

London rows (``LA`` ``London``) hold the authorities' summed counts and the ratios
computed from those sums (a sum of ratios means nothing), so these tables carry
their own margin. To use ``add_margins`` instead, which sums one count column at a
time: pass ``london=False``, drop the ratio columns, add margins to ``count`` and to
``denominator``, join the two and call :func:`with_odds_ratios` (``Total`` rows get
no ratio).

Columns: ``YEAR`` (Int16), ``dimension``, ``step``, ``LA``, ``category`` (String),
``count``, ``denominator`` (Int64), ``odds_ratio``, ``ci_low``, ``ci_high`` (Float64).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist
from typing import NamedTuple

import polars as pl

from cld.engine.reports.bands import (
    UNKNOWN,
    age_band,
    collection_year,
    ethnicity_group,
    sex_label,
)
from cld.engine.reports.sufficiency import reporting_years, with_columns_of

LA, YEAR, CHILD, REFERRAL = "LA", "YEAR", "LAchildID", "CINreferralDate"
KEY = [LA, CHILD, REFERRAL]
STEPS = {"assessment": "assessed", "section_47": "s47", "icpc": "icpc", "cpp": "cpp"}
"""Each step and the journey flag that says the referral reached it."""
CHARACTERISTICS = ("ethnicity_group", "sex", "age_band", "disability")
REFERENCE_GROUPS: dict[str, str] = {
    "ethnicity_group": "White",
    "sex": "male",
    "age_band": "10 to 15",
    "disability": "not disabled",
}
LONDON = "London"
STRATA = ("YEAR", "dimension", "step", "LA", "category")
RATIOS = ("odds_ratio", "ci_low", "ci_high")
COLUMNS = (*STRATA, "count", "denominator", *RATIOS)


class OddsRatio(NamedTuple):
    odds_ratio: float
    ci_low: float
    ci_high: float


def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def odds_ratio_ci(
    a: float, b: float, c: float, d: float, *, level: float = 0.95
) -> OddsRatio:
    """The odds ratio ``(a/b) / (c/d)`` and its confidence interval by Woolf's log
    method: ``exp(ln OR ± z √(1/a + 1/b + 1/c + 1/d))``. ``a`` and ``b`` are the
    group's referrals that did and did not reach the step, ``c`` and ``d`` the
    reference group's. When any of the four is 0, 0.5 is added to each
    (Haldane–Anscombe)."""
    cells = (a, b, c, d)
    if any(x < 0 for x in cells):
        raise ValueError("the cells of a 2×2 table cannot be negative")
    if a + b == 0 or c + d == 0:
        raise ValueError("a group without referrals has no odds")
    if 0 in cells:
        a, b, c, d = (x + 0.5 for x in cells)
    log_ratio = math.log(a) + math.log(d) - math.log(b) - math.log(c)
    margin = _z(level) * math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return OddsRatio(
        math.exp(log_ratio), math.exp(log_ratio - margin), math.exp(log_ratio + margin)
    )


def odds_ratio_exprs(
    a: pl.Expr, b: pl.Expr, c: pl.Expr, d: pl.Expr, *, level: float = 0.95
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """:func:`odds_ratio_ci` as Polars expressions: null where a cell is null or a
    group has no referrals (``a + b`` or ``c + d`` is 0)."""
    cells = [x.cast(pl.Float64) for x in (a, b, c, d)]
    zero = pl.any_horizontal([x == 0 for x in cells])
    empty = (cells[0] + cells[1] == 0) | (cells[2] + cells[3] == 0)
    fa, fb, fc, fd = (
        pl.when(~empty).then(pl.when(zero).then(x + 0.5).otherwise(x)) for x in cells
    )
    log_ratio = fa.log() + fd.log() - fb.log() - fc.log()
    margin = _z(level) * (1 / fa + 1 / fb + 1 / fc + 1 / fd).sqrt()
    return (
        log_ratio.exp(),
        (log_ratio - margin).exp(),
        (log_ratio + margin).exp(),
    )


def with_odds_ratios(
    frame: pl.DataFrame,
    reference: Mapping[str, str] = REFERENCE_GROUPS,
    *,
    total_category: str = "Total",
) -> pl.DataFrame:
    """``frame`` (``dimension``, ``category``, ``count``, ``denominator`` and the
    strata ``YEAR``, ``step``, ``LA``) with each row's odds ratio against the row of
    its stratum whose ``category`` is the ``dimension``'s reference group.

    Null for a group or reference group without referrals and for the
    ``total_category`` rows a margin adds."""
    by = [c for c in (YEAR, "dimension", "step", LA) if c in frame.columns]
    is_reference = pl.col("category") == pl.col("dimension").replace_strict(
        reference, default=None, return_dtype=pl.String
    )
    reached = pl.col("count").filter(is_reference).first().over(by)
    referred = pl.col("denominator").filter(is_reference).first().over(by)
    ratio, low, high = odds_ratio_exprs(
        pl.col("count"),
        pl.col("denominator") - pl.col("count"),
        reached,
        referred - reached,
    )
    own = is_reference.fill_null(False) & (pl.col("denominator") > 0)
    other = pl.col("category") != total_category
    return frame.with_columns(
        pl.when(own).then(pl.lit(1.0)).when(other).then(ratio).alias("odds_ratio"),
        pl.when(~own & other).then(low).alias("ci_low"),
        pl.when(~own & other).then(high).alias("ci_high"),
    )


def _referral_keys(frame: pl.DataFrame, flag: str, when: pl.Expr) -> pl.DataFrame:
    return (
        frame.filter(when)
        .select(KEY)
        .drop_nulls()
        .unique()
        .with_columns(pl.lit(True).alias(flag))
    )


def _characteristics(
    children: pl.DataFrame, disabilities: pl.DataFrame
) -> pl.DataFrame:
    """Per ``LA`` and ``LAchildID``: ``CHILD_YEAR``, ``Ethnicity``, ``SEX_CODE``,
    ``AGE`` (at 31 March of ``CHILD_YEAR``) and ``disability``, from the child's
    latest ``children`` row."""
    kids = with_columns_of(
        children,
        {"GenderCurrent": pl.String, "Sex": pl.String, "Ethnicity": pl.String},
    )
    kids = (
        with_columns_of(kids, {"AGE": pl.Int16})
        .filter(pl.col(CHILD).is_not_null())
        .select(
            LA,
            CHILD,
            pl.col(YEAR).cast(pl.Int16).alias("CHILD_YEAR"),
            pl.coalesce("GenderCurrent", "Sex").alias("SEX_CODE"),
            "Ethnicity",
            pl.col("AGE").cast(pl.Int16),
        )
        .sort("CHILD_YEAR")
        .unique(subset=[LA, CHILD], keep="last", maintain_order=True)
    )
    code = pl.col("Disability")
    disabled = (
        disabilities.filter(pl.col(CHILD).is_not_null())
        .group_by(LA, CHILD)
        .agg(
            (code.is_not_null() & (code != "NONE")).any().alias("any"),
            (code == "NONE").any().alias("none"),
        )
        .select(
            LA,
            CHILD,
            pl.when(pl.col("any"))
            .then(pl.lit("disabled"))
            .when(pl.col("none"))
            .then(pl.lit("not disabled"))
            .alias("disability"),
        )
    )
    return kids.join(disabled, on=[LA, CHILD], how="full", coalesce=True)


def journeys(
    children: pl.DataFrame,
    disabilities: pl.DataFrame,
    cin_episodes: pl.DataFrame,
    assessments: pl.DataFrame,
    section47: pl.DataFrame,
    child_protection_plans: pl.DataFrame,
    *,
    ordered: bool = True,
) -> pl.DataFrame:
    """One row per referral with the steps it reached and the child's
    characteristics (see the module's docstring): ``LA``, ``YEAR`` (Int16),
    ``LAchildID``, ``CINreferralDate`` (Date), ``assessed``, ``s47``, ``icpc``,
    ``cpp`` (Boolean), ``ethnicity_group``, ``sex``, ``age_band``, ``disability``;
    sorted by ``LA``, ``YEAR``, ``LAchildID`` and ``CINreferralDate`` unless not
    ``ordered`` (the report only counts them)."""
    episodes = with_columns_of(cin_episodes, {"DateOfInitialCPC": pl.Date})
    section47 = with_columns_of(section47, {"DateOfInitialCPC": pl.Date})
    referrals = (
        episodes.select(KEY)
        .drop_nulls()
        .unique()
        .with_columns(collection_year(pl.col(REFERRAL)).alias(YEAR))
        .join(reporting_years(episodes), on=[LA, YEAR], how="semi")
    )
    conference = pl.col("DateOfInitialCPC").is_not_null()
    steps = [
        _referral_keys(assessments, "assessed", pl.lit(True)),
        _referral_keys(section47, "s47", pl.lit(True)),
        pl.concat(
            [
                _referral_keys(episodes, "icpc", conference),
                _referral_keys(section47, "icpc", conference),
            ]
        ).unique(),
        _referral_keys(child_protection_plans, "cpp", pl.lit(True)),
    ]
    for step in steps:
        referrals = referrals.join(step, on=KEY, how="left")
    age = pl.col("AGE") + pl.col(YEAR) - pl.col("CHILD_YEAR")
    journey = referrals.join(
        _characteristics(children, disabilities), on=[LA, CHILD], how="left"
    ).select(
        LA,
        YEAR,
        CHILD,
        REFERRAL,
        *(pl.col(flag).fill_null(False) for flag in STEPS.values()),
        ethnicity_group(pl.col("Ethnicity")).alias("ethnicity_group"),
        sex_label(pl.col("SEX_CODE")).alias("sex"),
        age_band(age).alias("age_band"),
        pl.col("disability").fill_null(UNKNOWN),
    )
    return journey.sort(LA, YEAR, CHILD, REFERRAL) if ordered else journey


def _step_counts(journey: pl.DataFrame, dimension: str) -> pl.DataFrame:
    """``YEAR``, ``dimension``, ``step``, ``LA``, ``category``, ``count`` and
    ``denominator`` of one characteristic."""
    return (
        journey.group_by(YEAR, LA, pl.col(dimension).alias("category"))
        .agg(
            pl.len().cast(pl.Int64).alias("denominator"),
            *(pl.col(f).sum().cast(pl.Int64).alias(s) for s, f in STEPS.items()),
        )
        .unpivot(
            on=list(STEPS),
            index=[YEAR, LA, "category", "denominator"],
            variable_name="step",
            value_name="count",
        )
        .with_columns(pl.lit(dimension).alias("dimension"))
        .select(YEAR, "dimension", "step", LA, "category", "count", "denominator")
    )


def equalities_report(
    children: pl.DataFrame,
    disabilities: pl.DataFrame,
    cin_episodes: pl.DataFrame,
    assessments: pl.DataFrame,
    section47: pl.DataFrame,
    child_protection_plans: pl.DataFrame,
    *,
    assessment_factors: pl.DataFrame | None = None,
    london: bool = True,
) -> dict[str, pl.DataFrame]:
    """A table per characteristic (see the module's docstring), and
    ``assessment_factors`` (:func:`assessment_factors_report`) when given."""
    journey = journeys(
        children,
        disabilities,
        cin_episodes,
        assessments,
        section47,
        child_protection_plans,
        ordered=False,
    )
    tables: dict[str, pl.DataFrame] = {}
    for dimension in CHARACTERISTICS:
        counts = _step_counts(journey, dimension)
        if london:
            summed = counts.group_by(YEAR, "dimension", "step", "category").agg(
                pl.col("count").sum(), pl.col("denominator").sum()
            )
            counts = pl.concat(
                [counts, summed.with_columns(pl.lit(LONDON).alias(LA))],
                how="diagonal",
            )
        tables[dimension] = ordered(with_odds_ratios(counts).select(COLUMNS))
    if assessment_factors is not None:
        tables["assessment_factors"] = assessment_factors_report(assessment_factors)
    return tables


def assessment_factors_report(assessment_factors: pl.DataFrame) -> pl.DataFrame:
    """How often each factor was identified at assessments that started in the
    year (``YEAR`` is the collection year of ``AssessmentActualStartDate``, kept where
    the authority returned it): ``count`` is the assessments with the factor and
    ``denominator`` the assessments with any factor recorded (factor ``21``, no
    factors identified, included). Columns: ``YEAR`` (Int16), ``dimension``
    (``assessment_factor``), ``LA``, ``category`` (the code), ``count`` and
    ``denominator`` (Int64); no London or total rows."""
    assessment = [*KEY, "AssessmentActualStartDate"]
    factors = (
        assessment_factors.select(*assessment, "AssessmentFactors")
        .drop_nulls()
        .unique()
        .with_columns(collection_year(pl.col("AssessmentActualStartDate")).alias(YEAR))
        .join(reporting_years(assessment_factors), on=[LA, YEAR], how="semi")
    )
    assessed = factors.group_by(YEAR, LA).agg(
        pl.struct(assessment).n_unique().cast(pl.Int64).alias("denominator")
    )
    return (
        factors.group_by(YEAR, LA, pl.col("AssessmentFactors").alias("category"))
        .agg(pl.len().cast(pl.Int64).alias("count"))
        .join(assessed, on=[YEAR, LA], how="left")
        .with_columns(pl.lit("assessment_factor").alias("dimension"))
        .select(YEAR, "dimension", LA, "category", "count", "denominator")
        .pipe(ordered)
    )


def ordered(table: pl.DataFrame) -> pl.DataFrame:
    """A table of the report in its order (unique in it): ``YEAR``, the steps in
    the order of :data:`STEPS`, London after the authorities, ``LA``,
    ``category``; the assessment factors table (no steps) by ``YEAR``, ``LA``,
    ``category``."""
    if "step" not in table.columns:
        return table.sort(YEAR, LA, "category")
    step = pl.col("step").replace_strict(list(STEPS), list(range(len(STEPS))))
    return table.sort(YEAR, step, pl.col(LA) == LONDON, LA, "category")
