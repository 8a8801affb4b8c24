"""Keeping published text from running as a spreadsheet formula.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
can be taken for a formula when a CSV or workbook is opened in a spreadsheet (CSV
injection). Following the OWASP advice, such text gets a leading apostrophe ``'``,
which spreadsheets read as "this is text". A plain number written as text (``-3.5``,
``-12``) is left alone: it cannot hold a formula, and an apostrophe would spoil it
for anyone reading the file as data.
"""

from __future__ import annotations

import re

import polars as pl

_RISKY = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^-[0-9]+(\.[0-9]+)?$"
_RISKY_TEXT = re.compile(_RISKY)
_PLAIN_NUMBER_TEXT = re.compile(_PLAIN_NUMBER)


def neutralise_formulae(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every String value that could start a formula prefixed by
    ``'``; other columns, nulls and plain numbers are untouched."""
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text_columns or frame.is_empty():
        return frame
    # Only the columns where some text starts like a formula are rewritten.
    starts_risky = frame.select(
        pl.col(name).str.contains(_RISKY).any() for name in text_columns
    ).row(0)
    risky = [
        name for name, any_ in zip(text_columns, starts_risky, strict=True) if any_
    ]
    return frame.with_columns(neutralised(name) for name in risky) if risky else frame


def neutralise_text(value: str) -> str:
    """One cell (a header, a note) made safe by the rule of the module docstring."""
    if _RISKY_TEXT.match(value) and not _PLAIN_NUMBER_TEXT.match(value):
        return f"'{value}"
    return value


def neutralised(name: str) -> pl.Expr:
    """The String column ``name`` with text that could start a formula prefixed
    by ``'`` (for a lazy frame: :func:`neutralise_formulae` does the same to a
    frame, rewriting only the columns that need it)."""
    column = pl.col(name)
    risky = column.str.contains(_RISKY) & ~column.str.contains(_PLAIN_NUMBER)
    return (
        pl.when(risky)
        .then(pl.concat_str(pl.lit("'"), column))
        .otherwise(column)
        .alias(name)
    )
