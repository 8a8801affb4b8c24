"""Degrading dates and postcodes."""

from __future__ import annotations

import datetime as dt

import polars as pl

from cld.engine.transforms.degrade import first_of_month, postcode_district


def test_dates_become_the_first_of_their_month() -> None:
    frame = pl.DataFrame(
        {"d": [dt.date(2010, 5, 17), dt.date(2024, 2, 29), dt.date(2001, 1, 1), None]}
    )
    out = frame.select(first_of_month("d"))["d"].to_list()
    assert out == [dt.date(2010, 5, 1), dt.date(2024, 2, 1), dt.date(2001, 1, 1), None]


def test_postcodes_become_their_district_and_nothing_else_passes() -> None:
    written = [
        "SW1A 1AA",
        "n7 8jj",
        "EC1A1BB",
        "E1",
        "  W1  ",
        "SE15 4A",
        "LONDON",
        None,
    ]
    frame = pl.DataFrame({"p": written})
    out = frame.select(postcode_district("p"))["p"].to_list()
    assert out == ["SW1A", "N7", "EC1A", "E1", "W1", None, None, None]
