"""Which builder makes each SSDA903 table, and how its columns become one frame.

A table the schema has but no builder makes is an error, not a silent gap: when a
new table is added to the schema, the generator must learn it.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from cld.engine.spec.model import TableSpec
from cld.synthetic import care_tables, outcome_tables
from cld.synthetic.care_tables import Rows
from cld.synthetic.context import YearContext

Builder = Callable[[YearContext], Rows]

BUILDERS: dict[str, Builder] = {
    "header": care_tables.header,
    "episodes": care_tables.episodes,
    "uasc": care_tables.uasc,
    "reviews": care_tables.reviews,
    "oc2": outcome_tables.oc2,
    "oc3": outcome_tables.oc3,
    "ad1": outcome_tables.ad1,
    "placed_adoption": outcome_tables.placed_adoption,
    "prev_perm": outcome_tables.prev_perm,
    "missing": care_tables.missing,
    "social_worker": care_tables.social_worker,
}


def assemble(table: TableSpec, rows: Rows) -> pl.DataFrame:
    """The columns of ``table``, in schema order, all text; a column the builder did
    not give is blank (an error when the schema says it is mandatory)."""
    heights = {len(values) for values in rows.values()}
    if len(heights) != 1:
        raise ValueError(
            f"{table.name}: columns of different lengths {sorted(heights)}"
        )
    height = heights.pop()
    columns = []
    for name, column in table.columns.items():
        if name in rows:
            columns.append(rows[name].cast(pl.String).alias(name))
        elif column.mandatory:
            raise LookupError(f"{table.name}: no values made for mandatory {name}")
        else:
            columns.append(pl.Series(name, [None] * height, dtype=pl.String))
    return pl.DataFrame(columns)


def build_table(ctx: YearContext, name: str) -> pl.DataFrame:
    """The clean ``name`` table of ``ctx``'s authority and year, as uploaded."""
    builder = BUILDERS.get(name)
    if builder is None:
        raise LookupError(f"the synthetic generator cannot make the {name} table yet")
    return assemble(ctx.table(name), builder(ctx))
