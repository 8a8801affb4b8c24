"""Issue rows as frames: the rows a check flags, with the columns every issue
row has (see :func:`cld.engine.issues.issues_frame`)."""

from __future__ import annotations

import polars as pl

from cld.engine.conform.dtypes import Check
from cld.engine.readers.table import ROW


def about(table: str, column: str | None, check: Check) -> list[pl.Expr]:
    """The columns an issue row of ``check`` shares with every other of it."""
    return [
        pl.lit(table).alias("table"),
        pl.lit(column, dtype=pl.String).alias("column"),
        pl.lit(str(check.code)).alias("code"),
        pl.lit(str(check.code.kind.severity)).alias("severity"),
    ]


def issue_rows(
    frame: pl.LazyFrame, table: str, column: str | None, check: Check
) -> pl.LazyFrame:
    """An issue row for each row of ``frame`` that ``check`` flags."""
    return frame.filter(check.mask).select(
        pl.col(ROW).alias("row"),
        check.message.alias("message"),
        *about(table, column, check),
    )
