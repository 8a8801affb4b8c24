"""Conform one table: headers, types, mandatory cells and keys, in one lazy pass.

Nothing is silently changed or dropped: a bad cell becomes null in the conformed
table *and* an issue; a restored identifier is kept *and* a warning; a blank row is
skipped *and* a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from cld.engine.conform.dtypes import Check, parsed_name, plan_column
from cld.engine.conform.headers import match_headers
from cld.engine.conform.messages import and_list, human_list, message_expr
from cld.engine.issues import (
    Issue,
    IssueCode,
    Severity,
    concat_issues,
    issues_frame,
)
from cld.engine.readers.table import ROW, RawTable
from cld.engine.spec.model import PersonalData, TableSpec

_IDENTIFIERS = (PersonalData.IDENTIFIER, PersonalData.WORKER_IDENTIFIER)
_SPREADSHEET_NUMBER = r"^\d+\.0+$"
_BLANK = "__blank"
_FIRST = "__first_row"


@dataclass(frozen=True)
class Conformed:
    frame: pl.DataFrame
    """One typed column per schema column, in schema order, sorted by the table's
    sort order; bad cells are null."""
    issues: pl.DataFrame


def _header_issues(raw: RawTable, table: TableSpec, year: int) -> list[Issue]:
    match = match_headers(raw.headers, table.columns)
    found: list[Issue] = []
    expected = human_list(list(table.columns))
    for index in match.unknown:
        header = raw.headers[index] or f"(column {index + 1}, no header)"
        if (
            not raw.headers[index]
            and raw.frame[RawTable.position_name(index)].null_count()
            == raw.frame.height
        ):
            continue  # a trailing empty column, as spreadsheets write
        found.append(
            Issue(
                table.name,
                None,
                header,
                IssueCode.UNKNOWN_COLUMN,
                IssueCode.UNKNOWN_COLUMN.message(
                    column=header, table=table.name, year=year, expected=expected
                ),
            )
        )
    for name in match.missing:
        column = table.columns[name]
        requirement = (
            "requires it"
            if column.mandatory
            else "includes it (its cells may be blank)"
        )
        found.append(
            Issue(
                table.name,
                None,
                name,
                IssueCode.MISSING_COLUMN,
                IssueCode.MISSING_COLUMN.message(
                    column=name,
                    label=column.label,
                    table=table.name,
                    year=year,
                    requirement=requirement,
                ),
                Severity.ERROR if column.mandatory else Severity.WARNING,
            )
        )
    for name, positions in match.repeated.items():
        found.append(
            Issue(
                table.name,
                None,
                name,
                IssueCode.DUPLICATE_COLUMN,
                IssueCode.DUPLICATE_COLUMN.message(
                    column=name, positions=and_list([str(p + 1) for p in positions])
                ),
            )
        )
    return found


def _text_columns(raw: RawTable, table: TableSpec) -> list[pl.Expr]:
    match = match_headers(raw.headers, table.columns)
    exprs = []
    for name in table.columns:
        if name in match.found:
            cell = pl.col(RawTable.position_name(match.found[name])).str.strip_chars()
            exprs.append(pl.when(cell.str.len_bytes() > 0).then(cell).alias(name))
        else:
            exprs.append(pl.lit(None, dtype=pl.String).alias(name))
    return exprs


def _issue_rows(
    frame: pl.LazyFrame, table: str, column: str | None, check: Check
) -> pl.LazyFrame:
    return frame.filter(check.mask).select(
        pl.lit(table).alias("table"),
        pl.col(ROW).alias("row"),
        pl.lit(column, dtype=pl.String).alias("column"),
        pl.lit(str(check.code)).alias("code"),
        pl.lit(str(check.code.kind.severity)).alias("severity"),
        check.message.alias("message"),
    )


def conform_table(raw: RawTable, table: TableSpec, year: int) -> Conformed:
    """The typed table and every issue found in it."""
    names = list(table.columns)
    raw_cells = [pl.col(RawTable.position_name(i)) for i in range(len(raw.headers))]
    blank = (
        pl.all_horizontal(
            [c.is_null() | (c.str.strip_chars() == "") for c in raw_cells]
        )
        if raw_cells
        else pl.lit(True)
    )
    lazy = raw.frame.lazy().with_columns(blank.alias(_BLANK))
    blank_rows = _issue_rows(
        lazy,
        table.name,
        None,
        Check(IssueCode.BLANK_ROW, pl.col(_BLANK), message_expr(IssueCode.BLANK_ROW)),
    )
    text = lazy.filter(~pl.col(_BLANK)).select(ROW, *_text_columns(raw, table))

    # Identifiers that a spreadsheet turned into numbers (1234.0): restore, and say so.
    restore_checks: list[tuple[str, Check]] = []
    restored = []
    for name, column in table.columns.items():
        if column.personal in _IDENTIFIERS:
            mask = pl.col(name).str.contains(_SPREADSHEET_NUMBER).fill_null(False)
            code = IssueCode.IDENTIFIER_RESTORED
            restore_checks.append(
                (
                    name,
                    Check(
                        code, mask, message_expr(code, column=name, label=column.label)
                    ),
                )
            )
            restored.append(
                pl.when(mask)
                .then(pl.col(name).str.replace(r"\.0+$", ""))
                .otherwise(pl.col(name))
                .alias(name)
            )
    restore_issues = [
        _issue_rows(text, table.name, name, check) for name, check in restore_checks
    ]
    if restored:
        text = text.with_columns(restored)

    plans = {
        name: plan_column(name, column, year) for name, column in table.columns.items()
    }
    parsed = text.with_columns([plan.parsed for plan in plans.values()])

    cell_issues = [
        _issue_rows(parsed, table.name, name, check)
        for name, plan in plans.items()
        for check in plan.checks
    ]
    # A bad cell is null in the conformed table.
    finals = []
    for name, plan in plans.items():
        errors = [
            c.mask
            for c in plan.checks
            if c.is_error and c.code != IssueCode.BLANK_MANDATORY
        ]
        value = pl.col(parsed_name(name))
        if errors:
            value = (
                pl.when(pl.any_horizontal(errors).fill_null(False))
                .then(None)
                .otherwise(value)
            )
        finals.append(value.alias(name))
    conformed = parsed.select(ROW, *finals)

    key_issues = []
    if table.key:
        keys = list(table.key)
        first = pl.col(_FIRST)
        complete = pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
        code = IssueCode.DUPLICATE_KEY
        check = Check(
            code,
            complete & (first != pl.col(ROW)),
            message_expr(code, {"first": first}, keys=and_list(keys), table=table.name),
        )
        with_first = conformed.with_columns(pl.col(ROW).min().over(keys).alias(_FIRST))
        key_issues.append(_issue_rows(with_first, table.name, and_list(keys), check))

    sort_by = list(table.sort_by)
    out = conformed.sort([*sort_by, ROW], nulls_last=True) if sort_by else conformed
    frames = pl.collect_all(
        [out.drop(ROW), blank_rows, *restore_issues, *cell_issues, *key_issues]
    )
    frame, issue_frames = frames[0], frames[1:]
    header_issues = _header_issues(raw, table, year)
    if frame.height == 0:
        header_issues.append(
            Issue(
                table.name,
                None,
                None,
                IssueCode.NO_ROWS,
                IssueCode.NO_ROWS.message(table=table.name),
            )
        )
    issues = concat_issues([issues_frame(header_issues), *issue_frames])
    return Conformed(
        frame=frame.select(names),
        issues=issues.sort("row", nulls_last=False, maintain_order=True),
    )
