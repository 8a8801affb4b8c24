"""The use cases' reports as documented definitions: pooled tables in, aggregates out.

Each module's docstring is the definition of its figures (what is counted, on which
day, which codes go to which group): :mod:`~.bands` (shared groupings),
:mod:`~.sufficiency` (placements), :mod:`~.equalities` (referral journeys and odds
ratios) and :mod:`~.pan` (children looked after, starts, ends, rates).

Every report is pure Polars over the pooled, pseudonymised tables (``LA`` and
``YEAR`` on every row) and returns **unsuppressed** long frames: one row per stratum,
``LA`` and category with an Int64 ``count`` (and ``denominator`` or ``population``
where a rate needs one). London or total rows are added afterwards by summing
counts, and disclosure control comes after that; ratios and rates are recomputed
from the summed counts by :func:`with_odds_ratios` and :func:`with_rates`. The one
exception is :func:`equalities_report`, whose London rows it makes itself.
"""

from __future__ import annotations

from cld.engine.reports.bands import (
    AGE_BANDS,
    DISTANCE_BANDS,
    ETHNICITY_CODES,
    ETHNICITY_GROUPS,
    SEX_LABELS,
    UNKNOWN,
    age_band,
    collection_year,
    distance_band,
    ethnicity_group,
    sex_label,
)
from cld.engine.reports.equalities import (
    REFERENCE_GROUPS,
    OddsRatio,
    assessment_factors_report,
    equalities_report,
    journeys,
    odds_ratio_ci,
    odds_ratio_exprs,
    with_odds_ratios,
)
from cld.engine.reports.pan import pan_summary, with_rates
from cld.engine.reports.sufficiency import sufficiency_report

__all__ = [
    "AGE_BANDS",
    "DISTANCE_BANDS",
    "ETHNICITY_CODES",
    "ETHNICITY_GROUPS",
    "REFERENCE_GROUPS",
    "SEX_LABELS",
    "UNKNOWN",
    "OddsRatio",
    "age_band",
    "assessment_factors_report",
    "collection_year",
    "distance_band",
    "equalities_report",
    "ethnicity_group",
    "journeys",
    "odds_ratio_ci",
    "odds_ratio_exprs",
    "pan_summary",
    "sex_label",
    "sufficiency_report",
    "with_odds_ratios",
    "with_rates",
]
