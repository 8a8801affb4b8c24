"""The DfE's SSDA903 validation rules (``csc-validator-be-903``), as data.

Only the rules listed here run (issue 17 adds the rest); each is in force in every
year the DfE's validator has it (2022-23 to 2026-27), and for earlier returns the
2022-23 rules apply. Where a rule asks whether a code or date is valid, the cells
the conformer refused answer it; where it reads values, the conformed table does.
"""

from __future__ import annotations

import polars as pl

from cld.engine.issues import IssueCode
from cld.engine.readers.table import ROW
from cld.engine.rules.model import DfeRule, RuleInput, refused, where

_CODE = (IssueCode.INVALID_CATEGORY,)
_DATE = (IssueCode.INVALID_DATE,)


def _entered(column: str) -> pl.Expr:
    """Whether ``column`` has anything in it: a value, or a cell refused (in a
    frame of :func:`_with_refused`)."""
    return pl.col(column).is_not_null() | pl.col(f"__refused_{column}")


def _with_refused(given: RuleInput, table: str, columns: list[str]) -> pl.LazyFrame:
    """``table`` with a flag for each of ``columns``: its cell was refused."""
    frame = given.tables[table]
    for column in columns:
        rows = given.refused.filter(
            (pl.col("table") == table) & (pl.col("column") == column)
        ).select(pl.col("row").alias(ROW), pl.lit(True).alias(f"__refused_{column}"))
        frame = frame.join(rows.unique(ROW), on=ROW, how="left").with_columns(
            pl.col(f"__refused_{column}").fill_null(False)
        )
    return frame


def _dec_and_rec(given: RuleInput) -> pl.LazyFrame:
    frame = _with_refused(given, "episodes", ["DEC", "REC"])
    return frame.filter(_entered("DEC") != _entered("REC")).select(ROW)


RULES: list[DfeRule] = [
    where(
        "103",
        "The ethnicity code is either not valid or has not been entered.",
        "header",
        ("ETHNIC",),
        pl.col("ETHNIC").is_null(),
    ),
    refused(
        "141", "Date episode began is not a valid date.", "episodes", "DECOM", _DATE
    ),
    refused(
        "143",
        "The reason for new episode code is not a valid code.",
        "episodes",
        "RNE",
        _CODE,
    ),
    refused(
        "144", "The legal status code is not a valid code.", "episodes", "LS", _CODE
    ),
    refused(
        "145", "Category of need code is not a valid code.", "episodes", "CIN", _CODE
    ),
    refused(
        "146", "Placement type code is not a valid code.", "episodes", "PLACE", _CODE
    ),
    refused(
        "147", "Date episode ceased is not a valid date.", "episodes", "DEC", _DATE
    ),
    DfeRule(
        "148",
        "Date episode ceased and reason episode ceased must both be coded, or both "
        "left blank.",
        "episodes",
        ("DEC", "REC"),
        _dec_and_rec,
        ("episodes",),
    ),
    refused(
        "149", "Reason episode ceased code is not valid. ", "episodes", "REC", _CODE
    ),
    where(
        "356",
        "The date the episode ceased is before the date the same episode started.",
        "episodes",
        ("DECOM",),
        pl.col("DEC") < pl.col("DECOM"),
    ),
    refused(
        "1009",
        "Reason for placement change is not a valid code.",
        "episodes",
        "REASON_PLACE_CHANGE",
        _CODE,
    ),
]
