"""Conform one table: headers, types, mandatory cells and keys, over whole columns.

Nothing is silently changed or dropped: a bad cell becomes null in the conformed
table *and* an issue; a restored identifier is kept *and* a warning; a blank row is
skipped *and* a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

from cld.engine.conform.dtypes import Check, ColumnPlan, parsed_name, plan_column
from cld.engine.conform.headers import HeaderMatch, match_headers
from cld.engine.conform.messages import and_list, clipped, human_list, message_expr
from cld.engine.issues import (
    Issue,
    IssueCode,
    Severity,
    concat_issues,
    issues_frame,
)
from cld.engine.readers.table import ROW, RawRows, RawTable
from cld.engine.spec.model import IDENTIFIERS as _IDENTIFIERS
from cld.engine.spec.model import TableSpec

SLICE_ROWS = 150_000
"""Rows of a table conformed at once (a slice's memory, not the table's)."""
LOOKUP_ROWS = 50_000
"""Tables of this many rows or more parse their ``by_value`` columns once per
distinct text; in smaller ones the look-up costs more than it saves."""

_SPREADSHEET_NUMBER = r"^\d+\.0+$"
_BLANK = "__blank"
_FIRST = "__first_row"


@dataclass(frozen=True)
class Conformed:
    frame: pl.DataFrame
    """One typed column per schema column, in schema order, sorted by the table's
    sort order; bad cells are null. Only the key columns when conformed without
    ``keep_columns``."""
    issues: pl.DataFrame
    rows: pl.Series = field(default_factory=lambda: pl.Series("row", [], pl.Int64))
    """The row (spreadsheet row or XML line) each row of ``frame`` came from, in
    the same order, so a later stage can point the authority at it."""


def _header_issues(
    raw: RawRows, table: TableSpec, year: int, match: HeaderMatch
) -> list[Issue]:
    found: list[Issue] = []
    expected = human_list(list(table.columns))
    for index in match.unknown:
        header = clipped(raw.headers[index]) or f"(column {index + 1}, no header)"
        if not raw.headers[index] and _all_blank(raw, RawTable.position_name(index)):
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


@dataclass(frozen=True)
class _Text:
    """How the raw cells become each schema column's text."""

    columns: dict[str, pl.Expr]
    """Trimmed text of each schema column (null when blank), with identifiers
    that a spreadsheet turned into numbers (1234.0) restored."""
    flags: list[pl.Expr]
    """Which cells were restored, as boolean columns the checks read."""
    restores: list[tuple[str, Check]]


def _text_columns(table: TableSpec, found: dict[str, int]) -> _Text:
    columns: dict[str, pl.Expr] = {}
    flags: list[pl.Expr] = []
    restores: list[tuple[str, Check]] = []
    for name, column in table.columns.items():
        if name not in found:
            columns[name] = pl.lit(None, dtype=pl.String).alias(name)
            continue
        cell = pl.col(RawTable.position_name(found[name])).str.strip_chars()
        text: pl.Expr = cell.replace("", None)  # blank once trimmed: null
        if column.personal in _IDENTIFIERS:
            flag = _restored_name(name)
            number = cell.str.contains(_SPREADSHEET_NUMBER).fill_null(False)
            text = pl.when(number).then(cell.str.replace(r"\.0+$", "")).otherwise(text)
            flags.append(number.alias(flag))
            code = IssueCode.IDENTIFIER_RESTORED
            message = message_expr(code, column=name, label=column.label)
            restores.append((name, Check(code, pl.col(flag), message)))
        columns[name] = text.alias(name)
    return _Text(columns, flags, restores)


def _all_blank(raw: RawRows, column: str) -> bool:
    nulls = raw.lazy().select(pl.col(column).null_count()).collect().item()
    return bool(nulls == raw.height)


def _looked_up(
    raw: RawRows, text: _Text, plans: dict[str, ColumnPlan]
) -> dict[str, ColumnPlan]:
    """``plans`` with each ``by_value`` column's parse replaced by a look-up of
    the parsed value of each distinct text of the whole table (parsed once), for
    a table of :data:`LOOKUP_ROWS` rows or more."""
    if raw.height < LOOKUP_ROWS:
        return plans
    by_value = [name for name, plan in plans.items() if plan.by_value]
    distinct = pl.collect_all(
        [
            raw.lazy()
            .select(text.columns[name].unique().drop_nulls())
            .with_columns(plans[name].parsed)
            for name in by_value
        ]
    )
    looked_up = dict(plans)
    for name, lookup in zip(by_value, distinct, strict=True):
        values = lookup.get_column(parsed_name(name))
        parsed = pl.col(name).replace_strict(
            lookup.get_column(name), values, default=None, return_dtype=values.dtype
        )
        looked_up[name] = replace(plans[name], parsed=parsed.alias(parsed_name(name)))
    return looked_up


def _restored_name(name: str) -> str:
    return f"__restored__{name}"


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


def _mask_name(index: int) -> str:
    return f"__mask__{index}"


def _checked(
    text: pl.DataFrame, plans: dict[str, ColumnPlan]
) -> tuple[pl.DataFrame, list[tuple[str, Check]], tuple[bool, ...]]:
    """Parse every column and evaluate every check as a boolean mask column.

    Returns the frame, the checks (column, check) with their masks as columns,
    and whether each check flagged any row.
    """
    planned = [(name, check) for name, plan in plans.items() for check in plan.checks]
    masks = [
        c.mask.fill_null(False).alias(_mask_name(i)) for i, (_, c) in enumerate(planned)
    ]
    checks = [
        (name, Check(check.code, pl.col(_mask_name(i)), check.message))
        for i, (name, check) in enumerate(planned)
    ]
    checked = (
        text.lazy()
        .with_columns([plan.parsed for plan in plans.values()])
        .with_columns(masks)
        .collect()
    )
    if not checks:
        return checked, checks, ()
    flagged = checked.select([check.mask.any() for _, check in checks]).row(0)
    return checked, checks, flagged


def _nulled(
    checked: pl.DataFrame,
    names: list[str],
    checks: list[tuple[str, Check]],
    flagged: tuple[bool, ...],
) -> pl.DataFrame:
    """The typed columns, with every cell that failed a check made null."""
    finals = []
    for name in names:
        value = pl.col(parsed_name(name))
        errors = [
            check.mask
            for (column, check), hit in zip(checks, flagged, strict=True)
            if column == name
            and hit
            and check.is_error
            and check.code != IssueCode.BLANK_MANDATORY
        ]
        if errors:
            value = pl.when(pl.any_horizontal(errors)).then(None).otherwise(value)
        finals.append(value.alias(name))
    return checked.select(ROW, *finals)


def _duplicate_keys(conformed: pl.DataFrame, table: TableSpec) -> pl.LazyFrame:
    keys = list(table.key)
    complete = pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
    code = IssueCode.DUPLICATE_KEY
    first = pl.col(_FIRST)
    check = Check(
        code,
        complete & (first != pl.col(ROW)),
        message_expr(code, {"first": first}, keys=and_list(keys), table=table.name),
    )
    with_first = conformed.lazy().with_columns(
        pl.col(ROW).min().over(keys).alias(_FIRST)
    )
    return _issue_rows(with_first, table.name, and_list(keys), check)


def _conform_slice(
    raw: pl.DataFrame,
    table: TableSpec,
    match: HeaderMatch,
    texts: _Text,
    plans: dict[str, ColumnPlan],
) -> tuple[pl.DataFrame, list[pl.LazyFrame]]:
    """The conformed rows of ``raw`` (with :data:`ROW`) and the plans of the
    issues of each row: every check but duplicate keys."""
    positions = [*match.found.values(), *match.unknown]
    blank = pl.all_horizontal(
        [pl.col(RawTable.position_name(i)).is_null() for i in positions]
        or [pl.lit(True)]
    )
    text = (
        raw.lazy()
        .select(ROW, blank.alias(_BLANK), *texts.flags, *texts.columns.values())
        .collect()
    )
    blank_check = Check(
        IssueCode.BLANK_ROW, pl.col(_BLANK), message_expr(IssueCode.BLANK_ROW)
    )
    issue_plans = [_issue_rows(text.lazy(), table.name, None, blank_check)]
    issue_plans += [
        _issue_rows(text.lazy(), table.name, n, c) for n, c in texts.restores
    ]
    if text[_BLANK].any():
        text = text.filter(~pl.col(_BLANK))
    checked, checks, flagged = _checked(text, plans)
    del text
    issue_plans += [
        _issue_rows(checked.lazy(), table.name, name, check)
        for (name, check), hit in zip(checks, flagged, strict=True)
        if hit
    ]
    conformed = _nulled(checked, list(table.columns), checks, flagged)
    return conformed, issue_plans


def conform_table(
    raw: RawRows,
    table: TableSpec,
    year: int,
    *,
    sort: bool = True,
    keep_columns: bool = True,
) -> Conformed:
    """The typed table and every issue found in it.

    Every check but duplicate keys is of one row, so a table is conformed
    :data:`SLICE_ROWS` rows at a time (its memory is that of a slice, however
    large the table: a table spilled to disk is read a slice at a time), then its
    keys are checked over the whole. Each slice takes two materialised passes:
    text (trim, restore identifiers, find blank rows), then parse and every check
    as a boolean column (dates and postcodes parsed once per distinct text). Issue
    rows are then cheap filters on those columns, and bad cells are nulled from
    them. Without ``keep_columns`` the frame holds only the key columns (what the
    duplicate-key check needs), for a caller that wants the issues and the number
    of rows, not the table.
    """
    names = list(table.columns)
    match = match_headers(raw.headers, table.columns)
    texts = _text_columns(table, match.found)
    plans = {name: plan_column(name, col, year) for name, col in table.columns.items()}
    plans = _looked_up(raw, texts, plans)
    kept = names if keep_columns else list(table.key)
    # Each slice's conformed columns are made one chunk: what the session
    # enriches, protects and writes to Parquet runs slower over many small ones
    # (a batch's worth each from the XML reader).
    starts = range(0, max(raw.height, 1), SLICE_ROWS)
    if len(starts) == 1:  # most tables: every plan collected at once
        frame, issue_plans = _conform_slice(
            raw.rows(0, SLICE_ROWS), table, match, texts, plans
        )
        frame = frame.select(ROW, *kept).rechunk()
    else:
        frames, issue_plans = [], []
        for start in starts:
            part, plans_of_part = _conform_slice(
                raw.rows(start, SLICE_ROWS), table, match, texts, plans
            )
            frames.append(part.select(ROW, *kept).rechunk())
            # collected now, so the slice's intermediate columns are freed
            issue_plans += [found.lazy() for found in pl.collect_all(plans_of_part)]
        frame = pl.concat(frames)
        del frames
    if table.key:
        issue_plans.append(_duplicate_keys(frame, table))
    issue_frames = pl.collect_all(issue_plans)
    if sort and table.sort_by and keep_columns:
        frame = frame.sort(list(table.sort_by), nulls_last=True, maintain_order=True)
    header_issues = _header_issues(raw, table, year, match)
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
        frame=frame.select(kept),
        issues=issues.sort("row", nulls_last=False, maintain_order=True),
        rows=frame.get_column(ROW).cast(pl.Int64).rename("row"),
    )
