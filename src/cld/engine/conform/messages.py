"""Issue messages as Polars expressions, from the templates in the issue catalogue."""

from __future__ import annotations

import re

import polars as pl

from cld.engine.issues import IssueCode

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
    """`` 'value'`` for a message, or nothing where the value is personal data."""
    if personal:
        return pl.lit("")
    return pl.concat_str([pl.lit(" '"), value, pl.lit("'")])


def human_list(items: list[str], limit: int = 40) -> str:
    shown = items if len(items) <= limit else [*items[:limit], "…"]
    return ", ".join(shown)


def and_list(items: list[str] | tuple[str, ...]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
