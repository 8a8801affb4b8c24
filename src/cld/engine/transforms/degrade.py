"""Degrading quasi-identifiers: dates to the first of the month, postcodes to the
district. Each is one Polars expression over the whole column."""

from __future__ import annotations

import polars as pl

_INWARD = r"[0-9][A-Z]{2}$"
_DISTRICT = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"


def first_of_month(column: str) -> pl.Expr:
    """A date (or datetime) as the first day of its month."""
    return pl.col(column).cast(pl.Date).dt.truncate("1mo").alias(column)


def postcode_district(column: str) -> pl.Expr:
    """A postcode as its outward code (``SW1A 1AA`` → ``SW1A``); a value already a
    district is kept; anything else becomes blank, never passed through."""
    text = pl.col(column).cast(pl.String).str.to_uppercase().str.replace_all(r"\s", "")
    outward = text.str.head(-3)
    full = text.str.contains(_INWARD) & outward.str.contains(_DISTRICT)
    return (
        pl.when(full)
        .then(outward)
        .when(text.str.contains(_DISTRICT))
        .then(text)
        .otherwise(None)
        .alias(column)
    )
