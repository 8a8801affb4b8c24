"""One table of one authority pooled across collection years.

Each year's published table holds that year's return. An SSDA903 episode appears in
the return of every year it spans, and a corrected return replaces the old one
upstream, so pooling keeps, for each key, the row from the latest year it appears in.

- the frames are stacked even where their columns differ between years (a column
  missing in one year is null there; types widen to a common one);
- ``YEAR_LATEST`` is the latest ``YEAR`` of the authority (``LA``) among the frames:
  the year of its latest return of this table (of all the rows if there is no ``LA``);
- rows are de-duplicated on ``LA`` and the table's key, keeping the latest ``YEAR``;
  if one year holds the same key twice (reported as ``duplicate_key`` when it was
  uploaded), one of them is kept by a fixed order of the other columns;
- rows with a null in the key are kept as they are, never collapsed together;
- the output is sorted by ``LA``, the key and ``YEAR``, then the other columns, so the
  same rows always come out in the same order whatever order they came in.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

LA = "LA"
YEAR = "YEAR"
YEAR_LATEST = "YEAR_LATEST"
"""The latest collection year of the authority among the returns pooled."""


def pool_years(
    frames: Sequence[pl.DataFrame], key: Sequence[str], *, year: str = YEAR
) -> pl.DataFrame:
    """Stack one table's ``frames`` of several years and keep the latest of each key.

    ``key`` is the table's unique key from its schema (e.g. ``CHILD`` and ``DECOM``
    for SSDA903 episodes); ``LA`` is added to it when the frames have it.
    """
    if not frames:
        raise ValueError("pool_years needs at least one frame")
    stacked = pl.concat(list(frames), how="diagonal_relaxed").with_columns(
        pl.col(year).cast(pl.Int16)
    )
    authority = [LA] if LA in stacked.columns else []
    stacked = stacked.with_columns(latest_year(year, authority))
    identity = [*authority, *(k for k in key if k not in authority)]

    has_null_key = pl.any_horizontal(pl.col(k).is_null() for k in key)
    kept_as_they_are = stacked.filter(has_null_key)
    ordered = sort_deterministically(
        stacked.filter(~has_null_key), [*identity, year], descending={year}
    )
    # Sorted, the first row of each identity is the one whose identity differs
    # from the row before it: the latest year's.
    first = (pl.int_range(pl.len()) == 0) | pl.any_horizontal(
        pl.col(k).ne_missing(pl.col(k).shift(1)) for k in identity
    )
    keyed = ordered.filter(first)
    if kept_as_they_are.is_empty():
        return keyed  # one row per identity: already in the order below
    return sort_deterministically(
        pl.concat([keyed, kept_as_they_are]), [*identity, year]
    )


def latest_year(year: str, authority: Sequence[str]) -> pl.Expr:
    """``YEAR_LATEST``: the maximum ``year`` over each authority (or the frame)."""
    latest = pl.col(year).max()
    if authority:
        latest = latest.over(authority)
    return latest.cast(pl.Int16).alias(YEAR_LATEST)


def sort_deterministically(
    frame: pl.DataFrame,
    by: Sequence[str],
    *,
    descending: set[str] | frozenset[str] = frozenset(),
) -> pl.DataFrame:
    """Sort by ``by`` (nulls last), then by every other flat column, so that rows
    equal on ``by`` still come out in one order that does not depend on the input's.

    Rows are sorted on ``by`` alone first: where no two rows are equal on it (a
    table's key after pooling, nearly always) that is already the whole order,
    and the wide sort on every column is never made.
    """
    rest = [
        name
        for name, dtype in frame.schema.items()
        if name not in by and not dtype.is_nested() and dtype != pl.Object
    ]
    columns = [*by, *rest]
    flags = [name in descending for name in columns]
    if by and rest:
        frame = frame.sort(
            list(by), descending=flags[: len(by)], nulls_last=True, maintain_order=True
        )
        if not has_ties(frame, by):
            return frame
    return frame.sort(columns, descending=flags, nulls_last=True, maintain_order=True)


def has_ties(ordered: pl.DataFrame, by: Sequence[str]) -> bool:
    """Whether two neighbouring rows of ``ordered`` are equal on every column of
    ``by`` (nulls equal to nulls, as a sort has them)."""
    if ordered.height < 2:
        return False
    tied = pl.all_horizontal(pl.col(k).eq_missing(pl.col(k).shift(1)) for k in by)
    return bool(ordered.select((tied & (pl.int_range(pl.len()) > 0)).any()).item())
