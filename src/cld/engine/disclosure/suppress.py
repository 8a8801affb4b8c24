"""Protecting a grid of counts with margins before it leaves the hub.

``protect`` takes the output of :func:`~cld.engine.disclosure.margins.add_margins`
(possibly with rates or percentages added by the caller) and a
:class:`~cld.engine.disclosure.rules.DisclosureRule`, and returns the same rows with
every count and derived column written as text, hidden values shown as GSS symbols.

The rule, in plain English:

1. **Primary suppression.** A count of 1 to ``threshold`` is hidden (``[c]``). A 0
   is shown: it says nobody was counted, which identifies nobody.
2. **Secondary suppression.** Within each stratum the counts form a grid: a row per
   area (its categories and its Total) and a column per category (its areas and
   London). A row or column is an equation (the cells add up to its total), so a
   row or column with exactly one hidden cell gives that cell away by subtraction.
   Totals are cells too: a hidden total is recovered from its cells just as a hidden
   cell is from its total. So, repeatedly, each row with exactly one hidden cell has
   its smallest shown non-zero cell hidden too, then each such column likewise,
   until no row or column has exactly one hidden cell. Then, where a hidden cell
   could still be solved from several equations together (it lies on no cycle of
   hidden cells), the smallest cell that closes a cycle through it is hidden, and
   the search starts again. A zero is never chosen as the complement: it is certain
   to be 0 and hiding it protects nobody. Ties go to a cell that is not a total,
   then to the earlier row. The details are in
   :mod:`cld.engine.disclosure.secondary`. Margins are assumed to be the sums of
   their cells, as ``add_margins`` makes them.
3. **Rounding.** Every shown count is rounded half up (15 → 20 to the nearest 10) to
   ``round_to``; the London rows (area ``total_area``) to ``total_round_to``. A
   count above 0 that rounds to 0 is shown as ``[low]``.
4. **Derived values** (rates, percentages, odds ratios) are computed by the caller
   from the true counts and kept as given, but shown only where every count they
   come from is shown as a number in that row (not ``[c]``, not ``[low]``, which
   would let a reader undo the rounding); otherwise ``[c]``.

Null counts and derived values (and derived values that are not finite) are shown as
``[x]`` (not available); a null count never protects another cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

import polars as pl

from cld.engine.disclosure.grid import (
    AREA,
    CATEGORY,
    MARGIN,
    ROW,
    STRATUM,
    VALUE,
    require_cells,
    require_columns,
    require_counts,
    with_stratum,
)
from cld.engine.disclosure.rules import CONFIDENTIAL, LOW, NOT_AVAILABLE, DisclosureRule
from cld.engine.disclosure.secondary import hidden_cells
from cld.engine.errors import UsageError

_NO_DERIVED: Mapping[str, Sequence[str]] = MappingProxyType({})


def suppressed_column(count: str) -> str:
    """The name of the boolean column saying which cells of ``count`` were hidden."""
    return f"{count}_suppressed"


def protect(
    frame: pl.DataFrame,
    rule: DisclosureRule,
    *,
    area: str = "LA",
    category: str,
    count: str = "count",
    counts: Sequence[str] | None = None,
    strata: Sequence[str] = (),
    total_area: str = "London",
    total_category: str = "Total",
    derived: Mapping[str, Sequence[str]] = _NO_DERIVED,
) -> pl.DataFrame:
    """``frame`` protected under ``rule`` (see the module docstring).

    ``counts`` are the columns suppressed and rounded (default: ``count`` alone);
    each gets its own suppression pattern. ``derived`` maps each rate-like column to
    the columns it is computed from; a source that is not in ``counts`` (a published
    population, say) is taken as shown. Output: the same rows in the same order and
    the same columns, the count and derived columns as String, then one Boolean
    column ``<count>_suppressed`` per count column, true where the cell is ``[c]``.
    """
    what = "protect"
    strata = list(strata)
    count_columns = list(dict.fromkeys(counts if counts is not None else [count]))
    keys = [*strata, area, category]
    _check_arguments(frame, keys, count_columns, derived, what=what)
    require_counts(frame, count_columns, what=what)
    require_cells(frame, keys, what=what)
    london = pl.col(area).cast(pl.String) == total_area
    total = pl.col(category).cast(pl.String) == total_category
    _check_grid(frame, strata, london, total, area=area, category=category)

    cells = with_stratum(
        frame.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias(ROW),
            *strata,
            pl.col(area).cast(pl.String).alias(AREA),
            pl.col(category).cast(pl.String).alias(CATEGORY),
            (london | total).alias(MARGIN),
        ),
        strata,
    ).drop(strata)
    hidden = {
        name: hidden_cells(cells.with_columns(frame[name].alias(VALUE)), rule.threshold)
        for name in count_columns
    }
    flagged = frame.with_columns(
        series.alias(suppressed_column(name)) for name, series in hidden.items()
    )
    base = (
        pl.when(london)
        .then(pl.lit(rule.total_round_to, dtype=pl.Int64))
        .otherwise(pl.lit(rule.round_to, dtype=pl.Int64))
    )
    return flagged.with_columns(
        *(_shown_count(name, base) for name in count_columns),
        *(
            _shown_derived(name, [s for s in sources if s in count_columns], base)
            for name, sources in derived.items()
        ),
    )


def _rounded(name: str, base: pl.Expr) -> pl.Expr:
    value = pl.col(name).cast(pl.Int64)
    return (value + base // 2) // base * base


def _low(name: str, base: pl.Expr) -> pl.Expr:
    return (_rounded(name, base) == 0) & (pl.col(name) > 0)


def _shown_count(name: str, base: pl.Expr) -> pl.Expr:
    return (
        pl.when(pl.col(name).is_null())
        .then(pl.lit(NOT_AVAILABLE))
        .when(pl.col(suppressed_column(name)))
        .then(pl.lit(CONFIDENTIAL))
        .when(_low(name, base))
        .then(pl.lit(LOW))
        .otherwise(_rounded(name, base).cast(pl.String))
        .alias(name)
    )


def _shown_derived(name: str, sources: list[str], base: pl.Expr) -> pl.Expr:
    hidden = pl.any_horizontal(
        pl.lit(False),
        *(
            pl.col(suppressed_column(s)) | _low(s, base).fill_null(False)
            for s in sources
        ),
    )
    value = pl.col(name)
    unknown = value.is_null() | ~value.cast(pl.Float64).is_finite()
    return (
        pl.when(hidden)
        .then(pl.lit(CONFIDENTIAL))
        .when(unknown)
        .then(pl.lit(NOT_AVAILABLE))
        .otherwise(value.cast(pl.String))
        .alias(name)
    )


def _check_arguments(
    frame: pl.DataFrame,
    keys: list[str],
    counts: list[str],
    derived: Mapping[str, Sequence[str]],
    *,
    what: str,
) -> None:
    sources = [s for columns in derived.values() for s in columns]
    require_columns(frame, [*keys, *counts, *derived, *sources], what=what)
    problems = []
    if not counts:
        problems.append("no count column to protect")
    overlap = [name for name in derived if name in counts or name in keys]
    if overlap:
        problems.append(f"derived column {overlap!r} is also a key or a count")
    not_numeric = [name for name in derived if not frame.schema[name].is_numeric()]
    if not_numeric:
        problems.append(f"derived column {not_numeric!r} is not numeric")
    clash = [suppressed_column(c) for c in counts if suppressed_column(c) in frame]
    if clash:
        problems.append(f"the frame already has column {clash!r}")
    if problems:
        raise UsageError(f"{what}: " + "; ".join(problems))


def _check_grid(
    frame: pl.DataFrame,
    strata: list[str],
    london: pl.Expr,
    total: pl.Expr,
    *,
    area: str,
    category: str,
) -> None:
    """Each stratum is a complete area × category grid with London and Total."""
    shapes = (
        with_stratum(frame.select(*strata, area, category), strata)
        .group_by(STRATUM)
        .agg(
            pl.len().alias("cells"),
            pl.col(area).n_unique().alias("areas"),
            pl.col(category).n_unique().alias("categories"),
            london.any().alias("london"),
            total.any().alias("total"),
        )
    )
    broken = shapes.filter(
        (pl.col("cells") != pl.col("areas") * pl.col("categories"))
        | ~pl.col("london")
        | ~pl.col("total")
    )
    if broken.height:
        raise UsageError(
            f"protect: {broken.height} stratum(s) are not a complete grid with "
            "London and Total margins; build the frame with add_margins"
        )
