"""A DfE validation rule, and what it reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from cld.engine.issues import IssueCode
from cld.engine.readers.table import ROW

EARLIEST_RULES_YEAR = 2023
"""The first collection year whose rules the DfE's validators publish (2022-23);
the returns of earlier years are checked against that year's rules."""


def collection_start(year: int) -> dt.date:
    """The first day of the collection year ending 31 March ``year``."""
    return dt.date(year - 1, 4, 1)


@dataclass(frozen=True)
class RuleInput:
    """One return's tables as the rules read them."""

    year: int
    """The collection year (ending 31 March)."""
    tables: Mapping[str, pl.LazyFrame]
    """Each conformed table, with :data:`ROW` (its spreadsheet rows)."""
    refused: pl.LazyFrame
    """The cells the conformer refused (and nulled): ``table``, ``column``,
    ``row`` and the issue ``code`` it raised for each."""


Failing = Callable[[RuleInput], pl.LazyFrame]
"""The rows (:data:`ROW`) of the rule's table that break it."""


@dataclass(frozen=True)
class DfeRule:
    code: str
    """The DfE's code, e.g. ``"103"`` or ``"SW01bSTG1"``."""
    message: str
    """The DfE's message, word for word."""
    table: str
    """The table whose rows it reports."""
    columns: tuple[str, ...]
    """The columns it reports (the DfE's affected fields)."""
    failing: Failing
    reads: tuple[str, ...] = ()
    """Every table it reads; it is not run when one is missing from the return."""
    first_year: int = EARLIEST_RULES_YEAR
    last_year: int | None = None

    def in_force(self, year: int) -> bool:
        year = max(year, EARLIEST_RULES_YEAR)
        return self.first_year <= year and (
            self.last_year is None or year <= self.last_year
        )


def where(
    code: str,
    message: str,
    table: str,
    columns: tuple[str, ...],
    breaks: pl.Expr,
    **years: int,
) -> DfeRule:
    """A rule of one row: the rows of ``table`` where ``breaks`` is true."""

    def failing(given: RuleInput) -> pl.LazyFrame:
        return given.tables[table].filter(breaks.fill_null(False)).select(ROW)

    return DfeRule(code, message, table, columns, failing, (table,), **years)


def refused(
    code: str,
    message: str,
    table: str,
    column: str,
    issues: tuple[IssueCode, ...],
    *,
    blank_fails: bool = False,
    **years: int,
) -> DfeRule:
    """A rule that a cell be valid: the rows whose ``column`` the conformer
    refused with one of ``issues`` (a code not in the list, a date that is none),
    and, when ``blank_fails``, those where it is blank."""
    codes = [str(issue) for issue in issues]

    def failing(given: RuleInput) -> pl.LazyFrame:
        cells = given.refused.filter(
            (pl.col("table") == table) & (pl.col("column") == column)
        ).select(pl.col("row").alias(ROW), "code")
        found = cells.filter(pl.col("code").is_in(codes)).select(ROW)
        if not blank_fails:
            return found
        blank = (
            given.tables[table]
            .filter(pl.col(column).is_null())
            .join(cells, on=ROW, how="anti")  # null because refused otherwise
            .select(ROW)
        )
        return pl.concat([found, blank])

    return DfeRule(code, message, table, (column,), failing, (table,), **years)
