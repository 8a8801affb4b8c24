"""Each column type as Polars expressions: how to parse it and what to check.

For a column ``name`` the conformer provides the trimmed text as ``pl.col(name)``
(null where blank) and the parsed value as ``pl.col(parsed_name(name))``. A type
gives the parse expression and its checks; every check is a boolean mask over whole
columns plus the message for the rows it flags.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import singledispatch

import polars as pl

from cld.engine.conform.messages import human_list, message_expr, quoted
from cld.engine.issues import IssueCode
from cld.engine.spec.model import (
    CategoryColumn,
    ColumnSpec,
    DateColumn,
    DecimalColumn,
    IntegerColumn,
    PatternColumn,
    PostcodeColumn,
    TextColumn,
)

_INTEGER = r"^[+-]?\d+(\.0+)?$"
_DECIMAL = r"^[+-]?(\d+(\.\d*)?|\.\d+)$"
_POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
_FOUR_DIGIT_YEAR = r"(^|\D)\d{4}(\D|$)"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_LAST_EXCEL_SERIAL = 2958465  # 31 December 9999
_HUMAN_DATE_PARTS = {
    "%d": "dd",
    "%m": "mm",
    "%b": "Mon",
    "%Y": "yyyy",
    "%H": "hh",
    "%M": "mm",
    "%S": "ss",
}


def parsed_name(name: str) -> str:
    return f"__parsed__{name}"


@dataclass(frozen=True)
class Check:
    code: IssueCode
    mask: pl.Expr
    message: pl.Expr

    @property
    def is_error(self) -> bool:
        return self.code.kind.severity == "error"


@dataclass(frozen=True)
class ColumnPlan:
    parsed: pl.Expr
    checks: list[Check]
    by_value: bool = False
    """Whether parsing costs more than looking a value up by its text (dates,
    postcodes: a few thousand distinct texts in a million rows): the conformer
    then parses each distinct text once and each row looks its value up. The
    parse is a function of the text alone, so both ways give the same values."""


def plan_column(name: str, column: ColumnSpec, year: int) -> ColumnPlan:
    """How to parse and check ``column`` of the ``year`` return."""
    text = pl.col(name)
    value = quoted(text, personal=column.is_personal)
    checks = [
        Check(code, mask, message_expr(code, {"quoted": value}, column=name, **fields))
        for code, mask, fields in _checks(column, text, pl.col(parsed_name(name)), year)
    ]
    return ColumnPlan(
        parsed=_parse(column, text).alias(parsed_name(name)),
        checks=checks,
        by_value=isinstance(column, CategoryColumn | DateColumn | PostcodeColumn),
    )


@singledispatch
def _parse(column: ColumnSpec, text: pl.Expr) -> pl.Expr:
    raise NotImplementedError(type(column).__name__)  # pragma: no cover


@_parse.register
def _(column: TextColumn, text: pl.Expr) -> pl.Expr:
    return text


@_parse.register
def _(column: PatternColumn, text: pl.Expr) -> pl.Expr:
    return text


@_parse.register
def _(column: PostcodeColumn, text: pl.Expr) -> pl.Expr:
    compact = text.str.to_uppercase().str.replace_all(r"\s+", "")
    spaced = pl.concat_str(
        [
            compact.str.slice(0, compact.str.len_chars() - 3),
            pl.lit(" "),
            compact.str.slice(-3),
        ]
    )
    return pl.when(compact.str.contains(_POSTCODE)).then(spaced)


@_parse.register
def _(column: IntegerColumn, text: pl.Expr) -> pl.Expr:
    digits = text.str.replace(r"\.0+$", "")
    return pl.when(text.str.contains(_INTEGER)).then(
        digits.cast(pl.Int64, strict=False)
    )


@_parse.register
def _(column: DecimalColumn, text: pl.Expr) -> pl.Expr:
    return pl.when(text.str.contains(_DECIMAL)).then(
        text.cast(pl.Float64, strict=False)
    )


@_parse.register
def _(column: DateColumn, text: pl.Expr) -> pl.Expr:
    # %Y reads "25" as the year 25: a year must be written with four digits
    full_year = text.str.contains(_FOUR_DIGIT_YEAR)
    attempts = [
        pl.when(full_year).then(_strptime(text, fmt))
        if "%Y" in fmt
        else _strptime(text, fmt)
        for fmt in column.accepted_formats
    ]
    if column.excel_serials:
        serial = text.str.extract(r"^(\d{1,6})(?:\.0+)?$").cast(pl.Int64, strict=False)
        in_range = (serial >= 1) & (serial <= _LAST_EXCEL_SERIAL)
        attempts.append(
            pl.when(in_range).then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial))
        )
    return pl.coalesce(attempts)


def _strptime(text: pl.Expr, fmt: str) -> pl.Expr:
    if "%H" in fmt:
        return text.str.to_datetime(fmt, strict=False, cache=False).dt.date()
    return text.str.to_date(fmt, strict=False, cache=False)


@_parse.register
def _(column: CategoryColumn, text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().replace_strict(
        column.spellings(), default=None, return_dtype=pl.String
    )


Fields = dict[str, object]


def _checks(
    column: ColumnSpec, text: pl.Expr, parsed: pl.Expr, year: int
) -> list[tuple[IssueCode, pl.Expr, Fields]]:
    present = text.is_not_null()
    unparsed = present & parsed.is_null()
    base: Fields = {"label": column.label, "year": year}
    found: list[tuple[IssueCode, pl.Expr, Fields]] = []
    match column:
        case CategoryColumn():
            codes = human_list(list(column.codes))
            found.append(
                (IssueCode.INVALID_CATEGORY, unparsed, {**base, "codes": codes})
            )
        case DateColumn():
            found.append(
                (
                    IssueCode.INVALID_DATE,
                    unparsed,
                    {**base, "formats": _human_formats(column)},
                )
            )
            earliest, latest = column.plausible_range(year)
            outside = parsed.is_not_null() & (
                (parsed < pl.lit(earliest)) | (parsed > pl.lit(latest))
            )
            span = {"earliest": _written(earliest), "latest": _written(latest)}
            found.append((IssueCode.DATE_OUT_OF_RANGE, outside, {**base, **span}))
        case PostcodeColumn():
            found.append((IssueCode.INVALID_POSTCODE, unparsed, base))
        case IntegerColumn() | DecimalColumn():
            kind = "a whole number" if isinstance(column, IntegerColumn) else "a number"
            found.append(
                (IssueCode.INVALID_NUMBER, unparsed, {**base, "kind_of_number": kind})
            )
            bounds = _bound_checks(column, parsed)
            if bounds is not None:
                found.append(
                    (
                        IssueCode.OUT_OF_RANGE,
                        bounds,
                        {**base, "bounds": _bounds(column)},
                    )
                )
        case PatternColumn():
            wrong = present & ~text.str.contains(column.pattern)
            found.append(
                (
                    IssueCode.INVALID_PATTERN,
                    wrong,
                    {**base, "expected": column.expected},
                )
            )
    max_length = getattr(column, "max_length", None)
    if max_length is not None:
        too_long = present & (text.str.len_chars() > max_length)
        found.append((IssueCode.TOO_LONG, too_long, {**base, "max_length": max_length}))
    if column.mandatory:
        found.append((IssueCode.BLANK_MANDATORY, text.is_null(), base))
    return found


def _bound_checks(
    column: IntegerColumn | DecimalColumn, parsed: pl.Expr
) -> pl.Expr | None:
    masks = []
    if column.min is not None:
        masks.append(parsed < column.min)
    if column.max is not None:
        masks.append(parsed > column.max)
    if not masks:
        return None
    combined = masks[0] if len(masks) == 1 else masks[0] | masks[1]
    return parsed.is_not_null() & combined


def _bounds(column: IntegerColumn | DecimalColumn) -> str:
    if column.min is not None and column.max is not None:
        return f"{column.min} to {column.max}"
    if column.min is not None:
        return f"{column.min} or more"
    return f"{column.max} or less"


def _written(date: dt.date) -> str:
    """``date`` as the returns write it: 31/03/2024."""
    return date.strftime("%d/%m/%Y")


def _human(fmt: str) -> str:
    for directive, human in _HUMAN_DATE_PARTS.items():
        fmt = fmt.replace(directive, human)
    return fmt.replace("T", " ")


def _human_formats(column: DateColumn) -> str:
    own = " or ".join(_human(f) for f in column.formats)
    example = "31/03/2024" if column.formats and column.formats[0] == "%d/%m/%Y" else ""
    text = f"{own} (e.g. {example})" if example else own
    if "%Y-%m-%d" not in column.formats:
        text += "; yyyy-mm-dd is also accepted"
    return text
