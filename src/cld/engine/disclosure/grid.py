"""Checks on the shape of a count grid, shared by margins and protection.

A grid is a long frame with one row per (strata…, area, category) cell and integer
count columns. These helpers refuse frames that would make the arithmetic of
margins or suppression wrong (a missing column, a repeated cell, a negative count),
each with a :class:`UsageError` that names the columns, never a cell's value;
and the names of the internal columns protection works with.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from cld.engine.errors import UsageError

STRATUM = "__cld_stratum"
"""Internal column: the first row number of each stratum, as its id and its order."""
ROW = "__cld_row"
"""Internal column: the row number of a cell in the frame being protected."""
AREA = "__cld_area"
"""Internal column: the cell's area, as text."""
CATEGORY = "__cld_category"
"""Internal column: the cell's category, as text."""
VALUE = "__cld_value"
"""Internal column: the count being protected."""
HIDDEN = "__cld_hidden"
"""Internal column: whether the cell is hidden so far."""
MARGIN = "__cld_margin"
"""Internal column: whether the cell is a total (London or Total)."""


def require_columns(frame: pl.DataFrame, columns: Sequence[str], *, what: str) -> None:
    """Every one of ``columns`` is in ``frame``."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise UsageError(f"{what}: the frame has no column {_names(missing)}")


def require_counts(frame: pl.DataFrame, columns: Sequence[str], *, what: str) -> None:
    """Each of ``columns`` holds integers of 0 or more (nulls allowed)."""
    wrong = [name for name in columns if not frame.schema[name].is_integer()]
    if wrong:
        raise UsageError(f"{what}: count column {_names(wrong)} must hold integers")
    negative = [name for name in columns if bool((frame[name] < 0).any())]
    if negative:
        raise UsageError(f"{what}: count column {_names(negative)} has negative counts")


def require_cells(frame: pl.DataFrame, keys: Sequence[str], *, what: str) -> None:
    """The key columns have no nulls and name each cell once."""
    blank = [name for name in keys if frame[name].null_count()]
    if blank:
        raise UsageError(f"{what}: key column {_names(blank)} has blank values")
    if frame.height and bool(frame.select(keys).is_duplicated().any()):
        raise UsageError(f"{what}: some cells of {_names(keys)} appear more than once")


def with_stratum(frame: pl.DataFrame, strata: Sequence[str]) -> pl.DataFrame:
    """``frame`` with a :data:`STRATUM` id: the number of the stratum's first row
    (0 for every row when there are no strata)."""
    if not strata:
        return frame.with_columns(pl.lit(0, dtype=pl.Int64).alias(STRATUM))
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    return frame.with_columns(row.alias(STRATUM)).with_columns(
        pl.col(STRATUM).min().over(list(strata))
    )


def _names(columns: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in columns)
