"""The DfE's SSDA903 validation rules (``csc-validator-be-903``), as data.

Only the rules listed here run (issue 17 adds the rest); each is in force in every
year the DfE's validator has it (2022-23 to 2026-27; the social worker rules from
2023-24), and for earlier returns the 2022-23 rules apply. Where a rule asks
whether a code or date is valid, the cells the conformer refused answer it; where
it reads values, the conformed table does.
"""

from __future__ import annotations

import polars as pl

from cld.engine.issues import IssueCode
from cld.engine.readers.table import ROW
from cld.engine.rules.model import (
    DfeRule,
    RuleInput,
    collection_start,
    refused,
    where,
)

_CODE = (IssueCode.INVALID_CATEGORY,)
_NUMBER = (IssueCode.INVALID_CATEGORY, IssueCode.INVALID_NUMBER, IssueCode.OUT_OF_RANGE)
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


def _duc(given: RuleInput) -> pl.LazyFrame:
    """Rule 104: not a date, or before the collection year began."""
    invalid = refused("104", "", "uasc", "DUC", _DATE).failing(given)
    before = given.tables["uasc"].filter(pl.col("DUC") < collection_start(given.year))
    return pl.concat([invalid, before.select(ROW)])


RULES: list[DfeRule] = [
    refused(
        "101",
        "Gender code is not valid.",
        "header",
        "SEX",
        _CODE,
        blank_fails=True,
        last_year=2024,
    ),
    refused(
        "101",
        "The child or young person’s reported sex is not valid.",
        "header",
        "SEX",
        _CODE,
        blank_fails=True,
        first_year=2025,  # M, F and U since 2024-25, not 1 and 2
    ),
    refused(
        "102",
        "Date of birth is not a valid date.",
        "header",
        "DOB",
        _DATE,
        blank_fails=True,
    ),
    where(
        "103",
        "The ethnicity code is either not valid or has not been entered.",
        "header",
        ("ETHNIC",),
        pl.col("ETHNIC").is_null(),
    ),
    DfeRule(
        "104",
        "Date for Unaccompanied Asylum-Seeking Children (UASC) status ceased is not "
        "a valid date.",
        "uasc",
        ("DUC",),
        _duc,
        ("uasc",),
    ),
    refused(
        "112",
        "Date should be placed for adoption is not a valid date.",
        "ad1",
        "DATE_INT",
        _DATE,
    ),
    refused(
        "113",
        "Date matching child and adopter(s) is not a valid date.",
        "ad1",
        "DATE_MATCH",
        _DATE,
    ),
    refused(
        "115",
        "Date of Local Authority's (LA) decision that a child should be placed for "
        "adoption is not a valid date.",
        "placed_adoption",
        "DATE_PLACED",
        _DATE,
    ),
    refused(
        "116",
        "Date of Local Authority's (LA) decision that a child should no longer be "
        "placed for adoption is not a valid date.",
        "placed_adoption",
        "DATE_PLACED_CEASED",
        _DATE,
    ),
    refused(
        "120",
        "The reason for the reversal of the decision that the child should be placed "
        "for adoption code is not valid.",
        "placed_adoption",
        "REASON_PLACED_CEASED",
        _CODE,
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
    refused(
        "171",
        "Date of birth of mother's child is not a valid date.",
        "header",
        "MC_DOB",
        _DATE,
    ),
    refused(
        "175",
        "The number of adopter(s) code is not a valid code.",
        "ad1",
        "NB_ADOPTR",
        _NUMBER,
    ),
    refused(
        "176",
        "The gender of adopter(s) at the date of adoption code is not a valid code.",
        "ad1",
        "SEX_ADOPTR",
        _CODE,
    ),
    refused(
        "177",
        "The legal status of adopter(s) code is not a valid code.",
        "ad1",
        "LS_ADOPTR",
        _CODE,
    ),
    refused(
        "196",
        "Strengths and Difficulties (SDQ) reason is not a valid code.",
        "oc2",
        "SDQ_REASON",
        _CODE,
    ),
    where(
        "356",
        "The date the episode ceased is before the date the same episode started.",
        "episodes",
        ("DECOM",),
        pl.col("DEC") < pl.col("DECOM"),
    ),
    refused(
        "1004",
        "The start date of the missing episode or episode that the child was away "
        "from placement without authorisation is not a valid date.",
        "missing",
        "MIS_START",
        _DATE,
        blank_fails=True,
    ),
    refused(
        "1005",
        "The end date of the missing episode or episode that the child was away "
        "from placement without authorisation is not a valid date.",
        "missing",
        "MIS_END",
        _DATE,
    ),
    refused(
        "1009",
        "Reason for placement change is not a valid code.",
        "episodes",
        "REASON_PLACE_CHANGE",
        _CODE,
    ),
    refused(
        "SW04STG1",
        "Date social worker episode began is not a valid date..",
        "social_worker",
        "SW_DECOM",
        _DATE,
        first_year=2024,
    ),
    refused(
        "SW05STG1",
        "Date social worker episode began is not a valid date.",
        "social_worker",
        "SW_DEC",
        _DATE,
        first_year=2024,
    ),
]
