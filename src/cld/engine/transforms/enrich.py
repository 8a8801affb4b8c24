"""The enrich stage: authority, collection year, age and school year as columns,
and where a child is placed.

Ages come from the full date of birth, before it is degraded, at the collection's
reference date (:func:`reference_date`); placement distance and authority from the
full home and placement postcodes, before they are degraded
(:mod:`cld.engine.transforms.postcodes`).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from cld.engine.transforms.derived import (
    AGE,
    DERIVED,
    HOME_POSTCODE,
    LA,
    PL_IN_BOROUGH,
    PLACEMENT_POSTCODE,
    SCHOOL_YEAR,
    YEAR,
)
from cld.engine.transforms.postcodes import PostcodeDirectory, placement_columns

_CENSUS_WEEKDAY = 3  # Thursday
_TERM_CENSUS = {"autumn": (10, 1), "spring": (1, 3), "summer": (5, 3)}
"""The school census day of each term: (month, which Thursday of it)."""


def reference_date(year: int, term: str | None = None) -> dt.date:
    """The day a collection describes: 31 March of the collection year, or the
    census day of a termly census (the first Thursday of October, the third of
    January or of May, in calendar year ``year``)."""
    if term is None or term not in _TERM_CENSUS:
        return dt.date(year, 3, 31)
    month, nth = _TERM_CENSUS[term]
    first = dt.date(year, month, 1)
    offset = (_CENSUS_WEEKDAY - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (nth - 1))


def age_at(birth: pl.Expr, on: dt.date) -> pl.Expr:
    """Whole years of age on ``on``; blank when born after it."""
    born = birth.cast(pl.Date)
    not_yet = (born.dt.month().cast(pl.Int32) * 100 + born.dt.day()) > (
        on.month * 100 + on.day
    )
    age = pl.lit(on.year, pl.Int32) - born.dt.year() - not_yet.cast(pl.Int32)
    return pl.when(born <= on).then(age).otherwise(None).cast(pl.Int16)


def school_year_at(birth: pl.Expr, on: dt.date) -> pl.Expr:
    """National curriculum year on ``on`` (0 is Reception): a child born between
    1 September and 31 August starts Reception five Septembers after the first."""
    born = birth.cast(pl.Date)
    academic = on.year if on.month >= 9 else on.year - 1
    cohort = born.dt.year().cast(pl.Int32) - (born.dt.month() < 9).cast(pl.Int32)
    return (
        pl.when(born <= on).then(pl.lit(academic, pl.Int32) - cohort - 5).cast(pl.Int16)
    )


def enrich(
    frame: pl.DataFrame,
    *,
    la: str,
    year: int,
    on: dt.date,
    birth_column: str | None,
    wanted: frozenset[str],
    la_ons: str | None = None,
    postcodes: tuple[str, str] | None = (HOME_POSTCODE, PLACEMENT_POSTCODE),
    directory: PostcodeDirectory | None = None,
) -> pl.DataFrame:
    """``frame`` with LA and YEAR, AGE / SCHOOL_YEAR when ``wanted`` and the table
    has a date of birth, and the placement columns (PL_DISTANCE_KM, PL_LA,
    PL_IN_BOROUGH) that are ``wanted`` when it has both ``postcodes`` (home,
    placement). PL_IN_BOROUGH needs ``la_ons``, the authority's ONS code."""
    added = [pl.lit(la, pl.String).alias(LA), pl.lit(year, pl.Int16).alias(YEAR)]
    if birth_column is not None and birth_column in frame.columns:
        birth = pl.col(birth_column)
        if AGE in wanted:
            added.append(age_at(birth, on).alias(AGE))
        if SCHOOL_YEAR in wanted:
            added.append(school_year_at(birth, on).alias(SCHOOL_YEAR))
    frame = frame.with_columns(added)
    placed = [c for c, d in DERIVED.items() if d.needs_postcodes and c in wanted]
    if placed and postcodes is not None and set(postcodes) <= set(frame.columns):
        if la_ons is None and PL_IN_BOROUGH in placed:
            raise ValueError(f"{PL_IN_BOROUGH} needs the authority's ONS code")
        home, placement = postcodes
        located = placement_columns(
            frame, home, placement, la_ons=la_ons or "", directory=directory
        )
        frame = located.select([*frame.columns, *placed])
    return frame
