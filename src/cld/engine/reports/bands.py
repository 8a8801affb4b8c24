"""Groupings the reports share: age bands, ethnicity groups, distance bands, sex, and
collection years.

Every grouping is a Polars expression over a whole column and gives a string label;
a missing or unrecognised value is :data:`UNKNOWN`, never dropped. The label tuples
(:data:`AGE_BANDS`, …) list each grouping's labels in reading order.

- **Age bands** (the DfE's, as in *Children looked after in England*): ``under 1``,
  ``1 to 4``, ``5 to 9``, ``10 to 15``, ``16 to 17``, ``18 and over``, from the age
  in whole years (``AGE``, at 31 March of the collection year). A negative age is
  ``unknown``.
- **Ethnicity groups** (the DfE's major groups, from the 20 codes both the SSDA903
  ``ETHNIC`` and the CIN census ``Ethnicity`` lists use):

  - White: WBRI, WIRI, WOTH, WIRT, WROM;
  - Mixed: MWBC, MWBA, MWAS, MOTH;
  - Asian or Asian British: AIND, APKN, ABAN, AOTH;
  - Black or Black British: BCRB, BAFR, BOTH;
  - Other ethnic groups: CHNE, OOTH (the DfE puts Chinese here);
  - Refused or not obtained: REFU, NOBT.

- **Distance bands** (straight-line km between the home and placement postcode
  districts), each band including its lower bound: ``under 5 km`` (0 to < 5),
  ``5 to under 10 km``, ``10 to under 20 km``, ``20 to under 50 km``, ``50 km and
  over``; null, NaN or negative is ``unknown``.
- **Sex**: ``male`` (SSDA903 ``1`` or ``M``, CIN census ``1`` or ``M``), ``female``
  (``2`` or ``F``), ``indeterminate`` (CIN census ``9``); ``0`` (not recorded or
  unborn), ``U`` and anything else is ``unknown``.
- **Collection year** of a date: the year ending 31 March that holds it (1 April
  2023 to 31 March 2024 is 2024).
"""

from __future__ import annotations

import polars as pl

UNKNOWN = "unknown"
"""The label of a missing or unrecognised value, in every grouping."""

AGE_BANDS = ("under 1", "1 to 4", "5 to 9", "10 to 15", "16 to 17", "18 and over")
_AGE_LOWER_BOUNDS = (0, 1, 5, 10, 16, 18)

ETHNICITY_CODES: dict[str, tuple[str, ...]] = {
    "White": ("WBRI", "WIRI", "WOTH", "WIRT", "WROM"),
    "Mixed": ("MWBC", "MWBA", "MWAS", "MOTH"),
    "Asian or Asian British": ("AIND", "APKN", "ABAN", "AOTH"),
    "Black or Black British": ("BCRB", "BAFR", "BOTH"),
    "Other ethnic groups": ("CHNE", "OOTH"),
    "Refused or not obtained": ("REFU", "NOBT"),
}
"""Each ethnicity group and the codes it holds."""
ETHNICITY_GROUPS = tuple(ETHNICITY_CODES)

DISTANCE_BANDS = (
    "under 5 km",
    "5 to under 10 km",
    "10 to under 20 km",
    "20 to under 50 km",
    "50 km and over",
)
_DISTANCE_LOWER_BOUNDS = (0.0, 5.0, 10.0, 20.0, 50.0)

SEX_CODES: dict[str, str] = {
    "1": "male",
    "M": "male",
    "2": "female",
    "F": "female",
    "9": "indeterminate",
}
"""Sex and gender codes of both returns and their labels; any other is unknown."""
SEX_LABELS = ("male", "female", "indeterminate")


def _banded(
    value: pl.Expr, bounds: tuple[float, ...], labels: tuple[str, ...]
) -> pl.Expr:
    """The label of the highest lower bound ``value`` reaches; unknown below all."""
    banded: pl.Expr = pl.lit(UNKNOWN, pl.String)
    for bound, label in zip(bounds, labels, strict=True):
        banded = (
            pl.when(value >= bound).then(pl.lit(label, pl.String)).otherwise(banded)
        )
    return banded


def age_band(age: pl.Expr) -> pl.Expr:
    """The DfE age band of an age in whole years."""
    return _banded(age, _AGE_LOWER_BOUNDS, AGE_BANDS).fill_null(UNKNOWN)


def ethnicity_group(code: pl.Expr) -> pl.Expr:
    """The DfE major ethnicity group of an ethnicity code."""
    groups = {c: group for group, codes in ETHNICITY_CODES.items() for c in codes}
    return code.cast(pl.String).replace_strict(
        groups, default=UNKNOWN, return_dtype=pl.String
    )


def distance_band(km: pl.Expr) -> pl.Expr:
    """The band of a distance in km."""
    value = km.cast(pl.Float64)
    banded = _banded(value, _DISTANCE_LOWER_BOUNDS, DISTANCE_BANDS)
    return (
        pl.when(value.is_nan())
        .then(pl.lit(UNKNOWN))
        .otherwise(banded)
        .fill_null(UNKNOWN)
    )


def sex_label(code: pl.Expr) -> pl.Expr:
    """``male``, ``female``, ``indeterminate`` or ``unknown`` from a sex code."""
    return code.cast(pl.String).replace_strict(
        SEX_CODES, default=UNKNOWN, return_dtype=pl.String
    )


def category_label(value: pl.Expr) -> pl.Expr:
    """A code as a category label: the code itself, ``unknown`` when missing."""
    return value.cast(pl.String).fill_null(UNKNOWN)


def collection_year(date: pl.Expr) -> pl.Expr:
    """The collection year (ending 31 March) that holds ``date``."""
    return (date.dt.year() + (date.dt.month() >= 4).cast(pl.Int32)).cast(pl.Int16)


def year_start(year: pl.Expr) -> pl.Expr:
    """1 April of the collection year ``year`` (the year before's calendar year)."""
    return pl.date(year.cast(pl.Int32) - 1, 4, 1)


def year_end(year: pl.Expr) -> pl.Expr:
    """31 March of the collection year ``year``."""
    return pl.date(year.cast(pl.Int32), 3, 31)
