"""Conform one table: headers, types, mandatory cells and keys, over whole columns.

Nothing is silently changed or dropped: a bad cell becomes null in the conformed
table *and* an issue; a restored identifier is kept *and* a warning; a blank row is
skipped *and* a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cld.engine.conform.dtypes import Check, ColumnPlan, parsed_name, plan_column
from cld.engine.conform.duplicate_keys import KeyRows
from cld.engine.conform.headers import HeaderMatch, match_headers
from cld.engine.conform.issue_rows import about, issue_rows
from cld.engine.conform.messages import and_list, clipped, human_list, message_expr
from cld.engine.issues import (
    Issue,
    IssueCode,
    Severity,
    concat_issues,
    issues_frame,
)
from cld.engine.query import ENGINE
from cld.engine.readers.table import ROW, RawRows, RawTable
from cld.engine.spec.model import IDENTIFIERS as _IDENTIFIERS
from cld.engine.spec.model import TableSpec

SLICE_ROWS = 500_000
"""Rows of a table in memory conformed at once (a slice's memory, not the
table's: a code of 4 bytes a row for a column conformed by value, text for the
others)."""
SPILLED_SLICE_ROWS = 100_000
"""Rows of a table on disk read and conformed at once: each slice's cells are
read whole, so the process's memory stays flat in the file's size."""
LOOKUP_ROWS = 50_000
"""Tables of this many rows or more conform their ``by_value`` columns once per
distinct cell; in smaller ones the look-up costs more than it saves."""

_SPREADSHEET_NUMBER = r"^\d+\.0+$"
_BLANK = "__blank"
_MESSAGE = "__message"


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
    height: int = 0
    """Rows in the table (``frame`` is empty when its keys went to a folder)."""


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
class _ColumnText:
    """How the raw cells become one schema column's text."""

    text: pl.Expr
    """The trimmed text (null when blank), with an identifier that a
    spreadsheet turned into a number (1234.0) restored."""
    restore: Check | None = None
    """For an identifier: which cells were restored (its mask is a boolean
    column the conform pass computes, named by :func:`_restored_name`)."""
    flag: pl.Expr | None = None
    """The boolean column ``restore`` reads."""


def _text_columns(table: TableSpec, found: dict[str, int]) -> dict[str, _ColumnText]:
    texts: dict[str, _ColumnText] = {}
    for name, column in table.columns.items():
        if name not in found:
            texts[name] = _ColumnText(pl.lit(None, dtype=pl.String).alias(name))
            continue
        cell = pl.col(RawTable.position_name(found[name])).str.strip_chars()
        text: pl.Expr = cell.replace("", None)  # blank once trimmed: null
        if column.personal not in _IDENTIFIERS:
            texts[name] = _ColumnText(text.alias(name))
            continue
        flag = _restored_name(name)
        number = cell.str.contains(_SPREADSHEET_NUMBER).fill_null(False)
        text = pl.when(number).then(cell.str.replace(r"\.0+$", "")).otherwise(text)
        code = IssueCode.IDENTIFIER_RESTORED
        message = message_expr(code, column=name, label=column.label)
        texts[name] = _ColumnText(
            text.alias(name), Check(code, pl.col(flag), message), number.alias(flag)
        )
    return texts


def _all_blank(raw: RawRows, column: str) -> bool:
    nulls = raw.lazy().select(pl.col(column).null_count()).collect(engine=ENGINE).item()
    return bool(nulls == raw.height)


def _restored_name(name: str) -> str:
    return f"__restored__{name}"


def _mask_name(name: str, index: int) -> str:
    return f"__mask__{index}__{name}"


def _final_name(name: str) -> str:
    return f"__final__{name}"


@dataclass(frozen=True)
class _Cells:
    """A column conformed by value, for the rows of a slice: its distinct cells
    conformed (``frame``), and each row's place among them (``index``)."""

    frame: pl.DataFrame
    rows: pl.Series
    """The row number of each row."""
    index: pl.Series

    def per_row(self, values: pl.Series) -> pl.Series:
        """``values`` (one per distinct cell) for each row."""
        return values.gather(self.index)

    def flagged(self, masks: list[str]) -> _Cells | None:
        """These cells, for only the rows one of ``masks`` flags (None if no
        row is): each check's rows are then found among a few, not among every
        row of the slice."""
        anything = self.frame.select(pl.any_horizontal(masks)).to_series()
        if not anything.any():
            return None
        hit = self.per_row(anything)
        return _Cells(self.frame, self.rows.filter(hit), self.index.filter(hit))


def _index_name(name: str) -> str:
    return f"__index__{name}"


@dataclass(frozen=True)
class _ByValue:
    """Columns conformed once per distinct cell of the whole table."""

    outcomes: dict[str, pl.DataFrame]
    """Each column's distinct cells conformed (null last), as a pass gives them."""
    index: dict[str, pl.Expr]
    """Each row's place among its column's distinct cells."""

    @classmethod
    def of(
        cls,
        raw: RawRows,
        names: list[str],
        positions: dict[str, str],
        texts: dict[str, _ColumnText],
        plans: dict[str, ColumnPlan],
    ) -> _ByValue:
        if not names:
            return cls({}, {})
        distinct = _distinct(raw, [positions[n] for n in names])
        index: dict[str, pl.Expr] = {}
        passes: list[pl.LazyFrame] = []
        for name, cells in zip(names, distinct, strict=True):
            values = cells.to_series()
            # an Enum of the table's own distinct cells: a row's cell is its code
            index[name] = (
                pl.col(positions[name])
                .cast(pl.Enum(values), strict=False)
                .to_physical()
                .cast(pl.UInt32)
                .fill_null(values.len())
                .alias(_index_name(name))
            )
            with_blank = values.extend_constant(None, 1).to_frame().lazy()
            passes.append(_conform_pass(with_blank, [name], texts, plans))
        checked = pl.collect_all(passes, engine=ENGINE)
        return cls(dict(zip(names, checked, strict=True)), index)


def _distinct(raw: RawRows, columns: list[str]) -> list[pl.DataFrame]:
    """The distinct cells (not null) of each of ``columns``: over the whole of a
    table in memory; a slice at a time for a table on disk, so that only a slice
    and the distinct cells so far are held, never a whole column."""
    if raw.in_memory:
        return pl.collect_all(
            [raw.lazy().select(pl.col(c).unique().drop_nulls()) for c in columns],
            engine=ENGINE,
        )
    seen = [pl.DataFrame(schema={c: pl.String}) for c in columns]
    for start in range(0, raw.height, SPILLED_SLICE_ROWS):
        part = raw.rows(start, SPILLED_SLICE_ROWS).lazy()
        seen = pl.collect_all(
            [
                pl.concat([before.lazy(), part.select(c)]).unique().drop_nulls()
                for before, c in zip(seen, columns, strict=True)
            ],
            engine=ENGINE,
        )
        del part  # before the next slice is read
    return seen


def _conform_pass(
    frame: pl.LazyFrame,
    names: list[str],
    texts: dict[str, _ColumnText],
    plans: dict[str, ColumnPlan],
    *keep: pl.Expr,
) -> pl.LazyFrame:
    """Text, parsed value, every check's mask and the final value (null where
    an error was found) of each column in ``names``, beside ``keep``."""
    masks, finals = [], []
    for name in names:
        checks = plans[name].checks
        masks += [
            c.mask.fill_null(False).alias(_mask_name(name, i))
            for i, c in enumerate(checks)
        ]
        errors = [
            pl.col(_mask_name(name, i))
            for i, c in enumerate(checks)
            if c.is_error and c.code != IssueCode.BLANK_MANDATORY
        ]
        value = pl.col(parsed_name(name))
        if errors:
            value = pl.when(pl.any_horizontal(errors)).then(None).otherwise(value)
        finals.append(value.alias(_final_name(name)))
    flags = [texts[n].flag for n in names if texts[n].flag is not None]
    return (
        frame.select(*keep, *[texts[n].text for n in names], *flags)
        .with_columns([plans[n].parsed for n in names])
        .with_columns(masks)
        .with_columns(finals)
    )


def _column(frame: pl.DataFrame, expr: pl.Expr) -> pl.Series:
    """``expr`` over ``frame``, one value per row (a literal repeated)."""
    return frame.with_columns(expr.alias(_MESSAGE)).get_column(_MESSAGE)


def _issues(
    cells: _Cells, table: str, column: str | None, check: Check, mask: str
) -> pl.DataFrame | None:
    """The issue rows of one check of a column conformed by value, or None
    when it flagged no row."""
    flagged = cells.frame.get_column(mask)
    if not flagged.any():
        return None
    hit = cells.per_row(flagged)
    by_value = _column(cells.frame, pl.when(flagged).then(check.message))
    messages = by_value.gather(cells.index.filter(hit))
    at = cells.rows.filter(hit)
    found = pl.DataFrame({"row": at.cast(pl.Int64), "message": messages})
    return found.with_columns(about(table, column, check))


def _blank_rows(
    raw: pl.DataFrame, table: str, match: HeaderMatch
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """``raw`` without its blank rows, and the issue rows of those."""
    positions = [*match.found.values(), *match.unknown]
    blank = raw.select(
        pl.all_horizontal(
            [pl.col(RawTable.position_name(i)).is_null() for i in positions]
            or [pl.lit(True)]
        ).alias(_BLANK)
    ).to_series()
    if not blank.any():
        return raw, []
    check = Check(
        IssueCode.BLANK_ROW, pl.col(_BLANK), message_expr(IssueCode.BLANK_ROW)
    )
    found = issue_rows(raw.lazy().with_columns(blank), table, None, check).collect(
        engine=ENGINE
    )
    return raw.filter(~blank), [found]


def _slice_issues(
    table: TableSpec,
    checked: pl.DataFrame,
    cells: dict[str, _Cells],
    texts: dict[str, _ColumnText],
    plans: dict[str, ColumnPlan],
) -> list[pl.DataFrame]:
    """The issue rows of every check of a slice, restored identifiers first
    (as each row reads them), then each column's checks in schema order. Row by
    row, a check's rows are a filter of the pass (every check's filter collected
    at once: a table of a session is small, and a call apiece would cost more
    than the work); by value, they are gathered."""
    names = list(table.columns)
    checks = [
        (name, restore, _restored_name(name))
        for name in names
        if (restore := texts[name].restore) is not None
    ] + [
        (name, check, _mask_name(name, i))
        for name in names
        for i, check in enumerate(plans[name].checks)
    ]
    by_row = [mask for name, _, mask in checks if name not in cells]
    hits = checked.select(pl.col(m).any() for m in by_row).row(0) if by_row else ()
    hit = dict(zip(by_row, hits, strict=True))
    flagged = {
        name: column.flagged([mask for n, _, mask in checks if n == name])
        for name, column in cells.items()
    }
    found: list[pl.DataFrame | pl.LazyFrame] = []
    for name, check, mask in checks:
        if name in cells:
            where = flagged[name]
            rows = (
                None if where is None else _issues(where, table.name, name, check, mask)
            )
            found += [rows] if rows is not None else []
        elif hit[mask]:
            flag = Check(check.code, pl.col(mask), check.message)
            found.append(issue_rows(checked.lazy(), table.name, name, flag))
    lazy = iter(
        pl.collect_all([f for f in found if isinstance(f, pl.LazyFrame)], engine=ENGINE)
    )
    return [next(lazy) if isinstance(f, pl.LazyFrame) else f for f in found]


def _conform_slice(
    raw: pl.DataFrame,
    table: TableSpec,
    match: HeaderMatch,
    texts: dict[str, _ColumnText],
    plans: dict[str, ColumnPlan],
    by_value: _ByValue,
    kept: list[str],
) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """The conformed rows of ``raw`` (:data:`ROW` and the ``kept`` columns) and
    the issues of each row: every check but duplicate keys, in one pass over the
    slice. A column conformed by value takes each row's outcome from its
    distinct cell's."""
    raw, issues = _blank_rows(raw, table.name, match)
    names = list(table.columns)
    by_row = [name for name in names if name not in by_value.outcomes]
    checked = _conform_pass(
        raw.lazy(), by_row, texts, plans, pl.col(ROW), *by_value.index.values()
    ).collect(engine=ENGINE)
    rows = checked.get_column(ROW)
    cells = {
        name: _Cells(outcomes, rows, checked.get_column(_index_name(name)))
        for name, outcomes in by_value.outcomes.items()
    }
    issues += _slice_issues(table, checked, cells, texts, plans)
    finals = [
        (
            cells[n].per_row(cells[n].frame.get_column(_final_name(n)))
            if n in cells
            else checked.get_column(_final_name(n))
        ).alias(n)
        for n in kept
    ]
    return pl.DataFrame([rows, *finals]), issues


def conform_table(
    raw: RawRows,
    table: TableSpec,
    year: int,
    *,
    sort: bool = True,
    keep_columns: bool = True,
    keys_folder: Path | None = None,
) -> Conformed:
    """The typed table and every issue found in it.

    Every check but duplicate keys is of one row, so a table is conformed a
    slice at a time (:data:`SLICE_ROWS` rows in memory, :data:`SPILLED_SLICE_ROWS`
    read from disk: memory is a slice's, however large the table), then its keys
    are checked over the whole. Every check of a column is a function of its
    cell alone, so in a table of :data:`LOOKUP_ROWS` rows or more the columns
    planned ``by_value`` (codes, dates, postcodes: a few thousand distinct cells
    in a million rows) are trimmed, parsed and checked once per distinct cell of
    the table and each row takes its cell's outcome; the others (identifiers,
    free text) are conformed row by row. Issue rows are filters on the checks'
    boolean columns, and bad cells are nulled from them. Without
    ``keep_columns`` the frame holds only the key columns (what the
    duplicate-key check needs), for a caller that wants the issues and the
    number of rows, not the table; and for a table on disk of more than one
    slice, given a ``keys_folder``, not even those: each slice's keys are
    written there
    (:mod:`~cld.engine.conform.duplicate_keys`), and the frame is empty.
    """
    names = list(table.columns)
    match = match_headers(raw.headers, table.columns)
    texts = _text_columns(table, match.found)
    plans = {name: plan_column(name, col, year) for name, col in table.columns.items()}
    positions = {n: RawTable.position_name(i) for n, i in match.found.items()}
    by_value = _ByValue.of(
        raw,
        [
            name
            for name, plan in plans.items()
            if plan.by_value and name in positions and raw.height >= LOOKUP_ROWS
        ],
        positions,
        texts,
        plans,
    )
    kept = names if keep_columns else list(table.key)
    # Each slice's conformed columns are made one chunk: what the session
    # enriches, protects and writes to Parquet runs slower over many small ones
    # (a batch's worth each from the XML reader).
    spill_keys = (
        not keep_columns
        and not raw.in_memory
        and keys_folder is not None
        and raw.height > SPILLED_SLICE_ROWS  # one slice's keys are held
    )
    keys = KeyRows(table, keys_folder if spill_keys else None)
    frames: list[pl.DataFrame] = []
    issue_frames: list[pl.DataFrame] = []
    step = SLICE_ROWS if raw.in_memory else SPILLED_SLICE_ROWS
    for start in range(0, max(raw.height, 1), step):
        part, found = _conform_slice(
            raw.rows(start, step), table, match, texts, plans, by_value, kept
        )
        part = part.rechunk()
        if table.key:
            keys.add(part)
        if not spill_keys:
            frames.append(part)
        elif not frames:
            frames.append(part.clear())  # the columns, no rows
        issue_frames += found
        del part
    frame = frames[0] if len(frames) == 1 else pl.concat(frames)
    del frames
    height = keys.height if spill_keys else frame.height
    if table.key:
        issue_frames.append(keys.duplicates())
    del keys
    if sort and table.sort_by and keep_columns:
        frame = frame.sort(list(table.sort_by), nulls_last=True, maintain_order=True)
    header_issues = _header_issues(raw, table, year, match)
    if height == 0:
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
        height=height,
    )
