"""Totals around a grid of counts: each area's total and the London total.

``add_margins`` takes a long frame of counts, one row per (strata…, area, category),
and returns the complete grid for each stratum with its margins:

* every area × category combination, a missing one filled with 0 (a group that
  nobody fell into is a count of 0, and protection needs the whole grid);
* each area's total across categories (category ``"Total"``);
* London's count in each category, the sum over areas (area ``"London"``);
* the grand total (``"London"``, ``"Total"``).

A total over a count that is null (not known) is null. Areas and categories become
strings; rows come stratum by stratum (in order of first appearance), areas in the
order given or first seen with London last, categories likewise with Total last.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from cld.engine.disclosure.grid import (
    STRATUM,
    require_cells,
    require_columns,
    require_counts,
    with_stratum,
)
from cld.engine.errors import UsageError

_PRESENT = "__cld_present"


def add_margins(
    frame: pl.DataFrame,
    *,
    area: str = "LA",
    category: str,
    count: str = "count",
    strata: Sequence[str] = (),
    total_area: str = "London",
    total_category: str = "Total",
    areas: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The complete grid of ``frame`` with area totals, London rows and the grand
    total, per stratum (see the module docstring).

    ``areas`` and ``categories`` fix the grid's rows and columns (say every
    authority, or every code of a category, used or not); by default they are the
    values seen anywhere in ``frame``. Output columns: ``*strata, area, category,
    count`` with area and category as String and count as Int64.
    """
    what = "add_margins"
    strata = list(strata)
    keys = [*strata, area, category]
    require_columns(frame, [*keys, count], what=what)
    extra = [name for name in frame.columns if name not in {*keys, count}]
    if extra:
        raise UsageError(
            f"{what}: only {count!r} is summed; drop or join {extra!r} afterwards"
        )
    require_counts(frame, [count], what=what)
    require_cells(frame, keys, what=what)
    cells = with_stratum(
        frame.with_columns(
            pl.col(area).cast(pl.String),
            pl.col(category).cast(pl.String),
            pl.col(count).cast(pl.Int64),
        ),
        strata,
    )
    area_order = _order(cells[area], areas, total_area, what=f"{what}: area")
    category_order = _order(
        cells[category], categories, total_category, what=f"{what}: category"
    )

    grid = (
        cells.select(STRATUM, *strata)
        .unique(STRATUM, maintain_order=True)
        .join(pl.DataFrame({area: area_order}, schema={area: pl.String}), how="cross")
        .join(
            pl.DataFrame({category: category_order}, schema={category: pl.String}),
            how="cross",
        )
        .join(
            cells.select(STRATUM, area, category, count, pl.lit(True).alias(_PRESENT)),
            on=[STRATUM, area, category],
            how="left",
            maintain_order="left",
        )
        .with_columns(
            pl.when(pl.col(_PRESENT).is_null())
            .then(pl.lit(0, dtype=pl.Int64))
            .otherwise(pl.col(count))
            .alias(count)
        )
        .drop(_PRESENT)
    )

    total = (
        pl.when(pl.col(count).is_null().any())
        .then(pl.lit(None, dtype=pl.Int64))
        .otherwise(pl.col(count).sum())
        .alias(count)
    )
    by_area = grid.group_by(STRATUM, *strata, area).agg(total)
    by_category = grid.group_by(STRATUM, *strata, category).agg(total)
    overall = grid.group_by(STRATUM, *strata).agg(total)
    columns = [STRATUM, *strata, area, category, count]
    whole = pl.concat(
        [
            grid.select(columns),
            by_area.with_columns(pl.lit(total_category).alias(category)).select(
                columns
            ),
            by_category.with_columns(pl.lit(total_area).alias(area)).select(columns),
            overall.with_columns(
                pl.lit(total_area).alias(area), pl.lit(total_category).alias(category)
            ).select(columns),
        ]
    )
    return whole.sort(
        STRATUM,
        pl.col(area).cast(pl.Enum([*area_order, total_area])),
        pl.col(category).cast(pl.Enum([*category_order, total_category])),
    ).drop(STRATUM)


def _order(
    seen: pl.Series, given: Sequence[str] | None, total: str, *, what: str
) -> list[str]:
    """The grid's labels in order: ``given`` (checked) or those seen, first first."""
    if given is None:
        labels = seen.unique(maintain_order=True).to_list()
    else:
        labels = list(dict.fromkeys(given))
        unknown = sorted(set(seen.to_list()) - set(labels))
        if unknown:
            raise UsageError(f"{what} values {unknown!r} are not in the list given")
    if total in labels:
        raise UsageError(f"{what} {total!r} is the label of the total; rename it")
    return labels
