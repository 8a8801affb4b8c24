"""Builders for tests: small files written the way councils write them."""

from __future__ import annotations

import textwrap

import polars as pl

from cld.engine.conform.table import Conformed, conform_table
from cld.engine.readers.csv import read_csv
from cld.engine.spec.load import load_spec


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    """Dedented ``text`` as a CSV file's bytes."""
    return textwrap.dedent(text).lstrip("\n").encode(encoding)


def conform(
    text: str, table: str, year: int = 2024, dataset: str = "ssda903"
) -> Conformed:
    """Conform an inline CSV as ``table`` of ``dataset`` in ``year``."""
    spec = load_spec(dataset, year).tables[table]
    return conform_table(read_csv(csv_bytes(text)), spec, year)


def issue_tuples(issues: pl.DataFrame) -> set[tuple[int | None, str | None, str]]:
    """(row, column, code) of every issue, to compare with what a test expects."""
    return {(r["row"], r["column"], r["code"]) for r in issues.iter_rows(named=True)}
