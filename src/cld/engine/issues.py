"""Issues: every problem found in a file, as data.

An issue locates a problem (table, row as the council sees it in Excel, column) and
says in plain English what is wrong and what would be right. Codes are stable: the
JSON output of ``cld validate`` promises them, so a code is never renamed or reused.
Messages never quote a personal-data value (identifier, date of birth, postcode,
name, free text): the row and column locate it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import polars as pl


class Severity(StrEnum):
    ERROR = "error"
    """The value is wrong and is null in the conformed table."""
    WARNING = "warning"
    """Worth knowing; the value was kept (or restored) and nothing was lost."""


@dataclass(frozen=True)
class IssueKind:
    title: str
    severity: Severity
    template: str
    """``str.format`` template; ``{quoted}`` is the quoted value, or empty for
    personal data."""


class IssueCode(StrEnum):
    UNKNOWN_COLUMN = "unknown_column"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    BLANK_MANDATORY = "blank_mandatory"
    INVALID_CATEGORY = "invalid_category"
    INVALID_DATE = "invalid_date"
    INVALID_POSTCODE = "invalid_postcode"
    INVALID_NUMBER = "invalid_number"
    OUT_OF_RANGE = "out_of_range"
    INVALID_PATTERN = "invalid_pattern"
    TOO_LONG = "too_long"
    DUPLICATE_KEY = "duplicate_key"
    IDENTIFIER_RESTORED = "identifier_restored"
    BLANK_ROW = "blank_row"
    NO_ROWS = "no_rows"
    UNKNOWN_SHEET = "unknown_sheet"
    MISSING_TABLE = "missing_table"
    LA_MISMATCH = "la_mismatch"
    UNKNOWN_POSTCODE = "unknown_postcode"
    EMPTY_TABLE_KEPT = "empty_table_kept"
    DATE_OUT_OF_RANGE = "date_out_of_range"
    DFE_RULE = "dfe_rule"

    @property
    def kind(self) -> IssueKind:
        return CATALOGUE[self]

    def message(self, **fields: object) -> str:
        return self.kind.template.format(**fields)


CATALOGUE: dict[IssueCode, IssueKind] = {
    IssueCode.UNKNOWN_COLUMN: IssueKind(
        "Unknown column",
        Severity.WARNING,
        "Column '{column}' is not part of the {table} table for {year}, so it is not "
        "kept. Expected columns: {expected}",
    ),
    IssueCode.MISSING_COLUMN: IssueKind(
        "Missing column",
        Severity.ERROR,
        "Column {column} ({label}) is missing from the {table} table; the {year} "
        "return {requirement}",
    ),
    IssueCode.DUPLICATE_COLUMN: IssueKind(
        "Column appears twice",
        Severity.ERROR,
        "Column {column} appears more than once (file columns {positions}); only the "
        "first is used",
    ),
    IssueCode.BLANK_MANDATORY: IssueKind(
        "Blank mandatory cell",
        Severity.ERROR,
        "{column} ({label}) is blank, but it must be filled in",
    ),
    IssueCode.INVALID_CATEGORY: IssueKind(
        "Not a valid code",
        Severity.ERROR,
        "{column}{quoted} is not a {label} code for {year}; valid codes are {codes}",
    ),
    IssueCode.INVALID_DATE: IssueKind(
        "Not a valid date",
        Severity.ERROR,
        "{column}{quoted} is not a valid {label}; write dates as {formats}",
    ),
    IssueCode.INVALID_POSTCODE: IssueKind(
        "Not a valid postcode",
        Severity.ERROR,
        "{column}{quoted} is not a valid UK postcode ({label}); write it like SW1A 2AA",
    ),
    IssueCode.INVALID_NUMBER: IssueKind(
        "Not a number",
        Severity.ERROR,
        "{column}{quoted} is not {kind_of_number} ({label})",
    ),
    IssueCode.OUT_OF_RANGE: IssueKind(
        "Number out of range",
        Severity.ERROR,
        "{column}{quoted} is outside the allowed range for {label}: {bounds}",
    ),
    IssueCode.INVALID_PATTERN: IssueKind(
        "Wrong form",
        Severity.ERROR,
        "{column}{quoted} is not a valid {label}: expected {expected}",
    ),
    IssueCode.TOO_LONG: IssueKind(
        "Too long",
        Severity.ERROR,
        "{column} ({label}) is longer than {max_length} characters",
    ),
    IssueCode.DUPLICATE_KEY: IssueKind(
        "Duplicate row",
        Severity.ERROR,
        "This row has the same {keys} as row {first}; each {table} row needs its own "
        "{keys}",
    ),
    IssueCode.IDENTIFIER_RESTORED: IssueKind(
        "Identifier turned into a number",
        Severity.WARNING,
        "{column} ({label}) was written as a decimal number, as a spreadsheet does "
        "(e.g. 1234.0); it was restored to whole digits (1234). Check the export.",
    ),
    IssueCode.BLANK_ROW: IssueKind(
        "Blank row",
        Severity.WARNING,
        "The row is blank and was skipped",
    ),
    IssueCode.NO_ROWS: IssueKind(
        "No data rows",
        Severity.WARNING,
        "The {table} file has a header row but no data rows",
    ),
    IssueCode.UNKNOWN_SHEET: IssueKind(
        "Unknown sheet",
        Severity.WARNING,
        "Sheet '{sheet}' is not one of the {dataset} tables, so it is not kept; "
        "expected sheets like: {expected}",
    ),
    IssueCode.MISSING_TABLE: IssueKind(
        "Missing table",
        Severity.WARNING,
        "The file has no {table} table ({title}); {hint}",
    ),
    IssueCode.LA_MISMATCH: IssueKind(
        "Wrong local authority",
        Severity.ERROR,
        "The file says it is from {found}, but it was uploaded for {expected}",
    ),
    IssueCode.UNKNOWN_POSTCODE: IssueKind(
        "Postcode not found",
        Severity.WARNING,
        "{column} ({label}) is not in the ONS Postcode Directory, so the distance "
        "and local authority of the placement cannot be worked out from it; check "
        "it is the current, full postcode",
    ),
    IssueCode.EMPTY_TABLE_KEPT: IssueKind(
        "Table with no rows not published",
        Severity.WARNING,
        "The file has no rows for the {table} table, so it was not shared: any "
        "{table} rows already shared for {year} stay as they were. If they should "
        "go, withdraw that year's {table} data (cld data withdraw)",
    ),
    IssueCode.DATE_OUT_OF_RANGE: IssueKind(
        "Date out of range",
        Severity.ERROR,
        "{column}{quoted} is not a plausible {label} for the {year} return: it must "
        "be from {earliest} to {latest}; check the year, written in full (e.g. 2024)",
    ),
    IssueCode.DFE_RULE: IssueKind(
        "DfE validation rule",
        Severity.ERROR,
        "{message}",  # the Department's own message, word for word
    ),
}

ISSUE_SCHEMA = pl.Schema(
    {
        "table": pl.String(),
        "row": pl.Int64(),
        "column": pl.String(),
        "code": pl.String(),
        "severity": pl.String(),
        "message": pl.String(),
        "rule": pl.String(),
    }
)
"""The columns of an issue report, in order. ``row`` is the spreadsheet row (the
header is row 1) or null for a problem with the whole table or column; ``rule``
is the DfE's code of the validation rule broken (``dfe_rule`` issues), else
null."""


@dataclass(frozen=True)
class Issue:
    table: str | None
    row: int | None
    column: str | None
    code: IssueCode
    message: str
    severity: Severity | None = None
    rule: str | None = None
    """The DfE's code of the rule broken, for a ``dfe_rule`` issue."""

    @property
    def resolved_severity(self) -> Severity:
        return self.severity or self.code.kind.severity


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def issues_frame(issues: list[Issue]) -> pl.DataFrame:
    """A report frame from a few table- or column-level issues."""
    return pl.DataFrame(
        {
            "table": [i.table for i in issues],
            "row": [i.row for i in issues],
            "column": [i.column for i in issues],
            "code": [str(i.code) for i in issues],
            "severity": [str(i.resolved_severity) for i in issues],
            "message": [i.message for i in issues],
            "rule": [i.rule for i in issues],
        },
        schema=ISSUE_SCHEMA,
    )


def concat_issues(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """One issue report of ``frames`` (a frame of issues that are no DfE rule's
    may leave ``rule`` out)."""
    frames = [
        (f if "rule" in f.columns else f.with_columns(rule=pl.lit(None, pl.String)))
        .select(list(ISSUE_SCHEMA))
        .cast(ISSUE_SCHEMA)
        for f in frames
    ]
    return pl.concat(frames, how="vertical") if frames else empty_issues()


def count_by_severity(issues: pl.DataFrame) -> dict[str, int]:
    counts = dict.fromkeys((str(s) for s in Severity), 0)
    for severity, n in issues.group_by("severity").len().iter_rows():
        counts[severity] = n
    return counts
