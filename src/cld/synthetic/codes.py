"""Drawing category codes from the year's code lists, read from the schema.

Code lists are never written here: a generator says which codes are *likely* (by
code or by label) and everything else in that year's list is drawn at a small
default weight, so codes added by a later schema appear, and withdrawn ones vanish.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import polars as pl

from cld.engine.spec.model import CategoryColumn, TableSpec

Indices = npt.NDArray[np.int64]


def category(table: TableSpec, column: str) -> CategoryColumn:
    spec = table.columns[column]
    if not isinstance(spec, CategoryColumn):
        raise TypeError(f"{table.name}.{column} is not a category column")
    return spec


def codes_of(table: TableSpec, column: str) -> tuple[str, ...]:
    """The codes of ``table.column`` in this year, in schema order."""
    return tuple(category(table, column).codes)


def has_code(table: TableSpec, column: str, code: str) -> bool:
    return column in table.columns and code in category(table, column).codes


def code(table: TableSpec, column: str, wanted: str) -> str:
    """``wanted`` if it is a code of ``table.column`` this year; else a clear error."""
    if wanted not in category(table, column).codes:
        raise LookupError(f"{table.name}.{column} has no code {wanted!r} this year")
    return wanted


def code_labelled(table: TableSpec, column: str, label: str) -> str:
    """The code of ``table.column`` whose label is ``label`` (e.g. 'True', 'Male')."""
    for value, meta in category(table, column).codes.items():
        if meta.label.casefold() == label.casefold():
            return value
    raise LookupError(f"{table.name}.{column} has no code labelled {label!r}")


def weights_for(
    codes: tuple[str, ...], likely: Mapping[str, float], default: float
) -> npt.NDArray[np.float64]:
    weights = np.array([likely.get(c, default) for c in codes], dtype=np.float64)
    if weights.sum() <= 0:
        raise ValueError(f"no code of {codes} has a weight above 0")
    normalised: npt.NDArray[np.float64] = weights / weights.sum()
    return normalised


def draw(
    rng: np.random.Generator,
    table: TableSpec,
    column: str,
    size: int,
    likely: Mapping[str, float] | None = None,
    *,
    default: float = 1.0,
    only: tuple[str, ...] | None = None,
) -> pl.Series:
    """``size`` codes of ``table.column``; ``likely`` weights some codes, the rest of
    the year's list gets ``default``. ``only`` keeps just those codes (when the year
    has any of them; else the whole list is used)."""
    codes = codes_of(table, column)
    if only is not None:
        kept = tuple(c for c in codes if c in only)
        codes = kept or codes
    weights = weights_for(codes, likely or {}, default)
    picks = rng.choice(len(codes), size=size, p=weights)
    return pick(codes, picks)


def pick(values: tuple[str, ...] | list[str], indices: Indices) -> pl.Series:
    """``values[i]`` for every ``i`` in ``indices``, as a string Series."""
    return pl.Series(values, dtype=pl.String).gather(pl.Series(indices))
