"""Pan-London benchmarking summary: children looked after, starts and ends of care,
per authority and collection year, with rates per 10,000 children.

Input: the pooled SSDA903 ``episodes`` and, optionally, a population table. The
reporting years, the episodes left out (short breaks, ``LS`` ``V3``/``V4``) and the
rule that a row of the ``YEAR`` R return counts in years up to R are those of
:mod:`cld.engine.reports.sufficiency`. A collection year Y runs from 1 April Y-1 to
31 March Y.

**Measures** (``measure``):

- ``looked_after_at_31_march``: children with an episode in force on 31 March Y
  (``DECOM`` <= 31 March Y and ``DEC`` null or after it), each child once;
- ``starts``: episodes with ``RNE`` ``S`` (started to be looked after) and ``DECOM``
  in the year; a child who starts twice counts twice (the DfE counts children once);
- ``ends``: episodes with ``DEC`` in the year that end care: ``REC`` recorded and not
  ``X1`` (episode ceased, child still looked after); an episode without ``REC``
  (one the platform closed) ends care unless the child has an episode starting on
  its ``DEC``.

**Rates.** ``rate_per_10000`` is ``count / population × 10,000`` rounded half away
from zero to one decimal place, where ``population`` (children aged 0 to 17 in the
authority, from the ``population`` table: ``LA``, ``YEAR``, ``population``) is
known and above 0; otherwise null. :func:`with_rates` recomputes it for any frame of
``count`` and ``population`` (e.g. after London rows are added by summing).

Output, one row per authority, reporting year and measure (zeros included; no London
or total rows): ``YEAR`` (Int16), ``LA``, ``measure`` (String), ``count``,
``population`` (Int64) and ``rate_per_10000`` (Float64).
"""

from __future__ import annotations

import polars as pl

from cld.engine.reports.bands import year_end, year_start
from cld.engine.reports.sufficiency import (
    AT_31_MARCH,
    CHILD,
    DEC,
    DECOM,
    LA,
    YEAR,
    episodes_in_years,
    reporting_years,
    with_columns_of,
)

LOOKED_AFTER = "looked_after_at_31_march"
STARTS = "starts"
ENDS = "ends"
MEASURES = (LOOKED_AFTER, STARTS, ENDS)
STILL_LOOKED_AFTER = "X1"
"""``REC`` of an episode that ends while the child stays looked after."""
COLUMNS = ("YEAR", "LA", "measure", "count", "population", "rate_per_10000")


def with_rates(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``rate_per_10000`` from its ``count`` and ``population``."""
    population = pl.col("population")
    rate = (pl.col("count") / population * 10_000).round(1, "half_away_from_zero")
    return frame.with_columns(
        pl.when(population > 0).then(rate).cast(pl.Float64).alias("rate_per_10000")
    )


def _counts(episodes: pl.DataFrame) -> pl.DataFrame:
    """``YEAR``, ``LA``, ``measure`` and ``count`` of each measure's non-zero cells."""
    rows = episodes_in_years(episodes)
    start, end = year_start(pl.col(YEAR)), year_end(pl.col(YEAR))
    begins = with_columns_of(episodes, {DECOM: pl.Date}).select(
        LA, CHILD, pl.col(DECOM).alias(DEC), pl.lit(True).alias("CONTINUED")
    )
    rows = rows.join(begins.unique(), on=[LA, CHILD, DEC], how="left")
    rec = pl.col("REC")
    ends_care = pl.when(rec.is_null()).then(pl.col("CONTINUED").is_null())
    measures = {
        LOOKED_AFTER: (pl.col(AT_31_MARCH), pl.col(CHILD).n_unique()),
        STARTS: (
            (pl.col("RNE") == "S") & (pl.col(DECOM) >= start) & (pl.col(DECOM) <= end),
            pl.len(),
        ),
        ENDS: (
            (pl.col(DEC) >= start)
            & (pl.col(DEC) <= end)
            & ends_care.otherwise(rec != STILL_LOOKED_AFTER),
            pl.len(),
        ),
    }
    return pl.concat(
        [
            rows.filter(condition)
            .group_by(YEAR, LA)
            .agg(count.cast(pl.Int64).alias("count"))
            .with_columns(pl.lit(name).alias("measure"))
            .select(YEAR, LA, "measure", "count")
            for name, (condition, count) in measures.items()
        ]
    )


def pan_summary(
    header: pl.DataFrame | None,
    episodes: pl.DataFrame,
    population: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The pan-London summary (see the module's docstring).

    ``header`` is accepted so the use case's tables can be passed as they are;
    every measure here comes from the episodes, so it is not read.
    """
    grid = reporting_years(episodes).join(
        pl.DataFrame({"measure": list(MEASURES)}), how="cross"
    )
    summary = grid.join(_counts(episodes), on=[YEAR, LA, "measure"], how="left")
    summary = summary.with_columns(pl.col("count").fill_null(0))
    if population is None:
        summary = summary.with_columns(pl.lit(None, pl.Int64).alias("population"))
    else:
        people = population.select(
            LA, pl.col(YEAR).cast(pl.Int16), pl.col("population").cast(pl.Int64)
        )
        if people.select(LA, YEAR).is_duplicated().any():
            raise ValueError("the population table has more than one row per LA/YEAR")
        summary = summary.join(people, on=[LA, YEAR], how="left")
    return ordered(with_rates(summary).select(COLUMNS))


def ordered(summary: pl.DataFrame) -> pl.DataFrame:
    """The summary in its order: ``YEAR``, ``LA``, then the measures as
    :data:`MEASURES` lists them (unique in it)."""
    measure = pl.col("measure").replace_strict(MEASURES, list(range(len(MEASURES))))
    return summary.sort(YEAR, LA, measure)
