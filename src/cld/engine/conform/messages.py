"""Issue messages as Polars expressions, from the templates in the issue catalogue."""

from __future__ import annotations

import re

import polars as pl

from cld.engine.issues import IssueCode

MAX_QUOTED_CHARS = 100
"""The most characters of a cell value a message quotes; longer ones end in …."""
MAX_HEADER_CHARS = 256
"""The most characters of a header an issue repeats; longer ones end in …."""
_ELLIPSIS = "…"
_SENTINEL = "\x00{}\x00"
_SPLIT = re.compile("\x00([a-z_]+)\x00")


def message_expr(
    code: IssueCode, vector: dict[str, pl.Expr] | None = None, **fields: object
) -> pl.Expr:
    """The message of ``code`` for every row: ``fields`` are constants, ``vector``
    fields are expressions evaluated per row (e.g. the quoted cell value)."""
    vector = vector or {}
    text = code.message(**fields, **{k: _SENTINEL.format(k) for k in vector})
    parts: list[pl.Expr] = []
    for index, piece in enumerate(_SPLIT.split(text)):
        if index % 2:
            parts.append(vector[piece].cast(pl.String).fill_null(""))
        elif piece:
            parts.append(pl.lit(piece))
    return pl.concat_str(parts) if len(parts) > 1 else parts[0]


def quoted(value: pl.Expr, *, personal: bool) -> pl.Expr:
    """`` 'value'`` for a message, or nothing where the value is personal data; a
    value longer than :data:`MAX_QUOTED_CHARS` is cut short with …."""
    if personal:
        return pl.lit("")
    short = (
        pl.when(value.str.len_chars() > MAX_QUOTED_CHARS)
        .then(pl.concat_str([value.str.slice(0, MAX_QUOTED_CHARS), pl.lit(_ELLIPSIS)]))
        .otherwise(value)
    )
    return pl.concat_str([pl.lit(" '"), short, pl.lit("'")])


def clipped(text: str, limit: int = MAX_HEADER_CHARS) -> str:
    """``text``, cut to ``limit`` characters with … when longer."""
    return text if len(text) <= limit else text[:limit] + _ELLIPSIS


def human_list(items: list[str], limit: int = 40) -> str:
    shown = items if len(items) <= limit else [*items[:limit], "…"]
    return ", ".join(shown)


def and_list(items: list[str] | tuple[str, ...]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
