"""Minimise and protect one conformed table for one use case.

:func:`needed_columns` is the minimise stage (the union, over the use cases in
force, of the columns they keep, plus what derived columns are worked out from);
:func:`protect` applies one use case's rules: pseudonymise, degrade, keep, and drop
every column the rules do not keep.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from cld.engine.spec.model import TableSpec
from cld.engine.transforms.degrade import first_of_month, postcode_district
from cld.engine.transforms.derived import (
    ALWAYS_KEPT,
    DERIVED,
    birth_date_column,
    postcode_columns,
)
from cld.engine.transforms.pseudonymise import Pseudonymiser, scope_for
from cld.engine.transforms.treatments import Treatment

Rules = Mapping[str, Treatment]
"""Column → treatment, for the columns a use case keeps of one table."""


def needed_columns(table: TableSpec, rules: Iterable[Rules]) -> list[str]:
    """The schema columns to keep past the conform stage, in schema order."""
    wanted: set[str] = set()
    for rule in rules:
        wanted.update(c for c, t in rule.items() if t != Treatment.DROP)
    derived = [DERIVED[c] for c in wanted if c in DERIVED]
    birth = birth_date_column(table)
    if birth is not None and any(d.needs_birth_date for d in derived):
        wanted.add(birth)
    postcodes = postcode_columns(table)
    if postcodes is not None and any(d.needs_postcodes for d in derived):
        wanted.update(postcodes)
    return [c for c in table.columns if c in wanted]


def protect(
    frame: pl.DataFrame,
    table: TableSpec,
    rules: Rules,
    *,
    la: str,
    pseudonyms: Pseudonymiser,
) -> pl.DataFrame:
    """The table as one use case may hold it: LA and YEAR first, then each kept
    column treated as its rule says; nothing else."""
    columns: list[pl.Series | pl.Expr] = [pl.col(c) for c in ALWAYS_KEPT]
    for name, treatment in rules.items():
        if name in ALWAYS_KEPT or treatment == Treatment.DROP:
            continue
        if name not in frame.columns:
            continue  # not in this year's return
        match treatment:
            case Treatment.KEEP:
                columns.append(pl.col(name))
            case Treatment.PSEUDONYMISE:
                personal = table.columns[name].personal
                columns.append(
                    pseudonyms.series(frame.get_column(name), scope_for(personal, la))
                )
            case Treatment.FIRST_OF_MONTH:
                columns.append(first_of_month(name))
            case Treatment.POSTCODE_DISTRICT:
                columns.append(postcode_district(name))
    return frame.select(columns)
