"""Text that a spreadsheet could run as a formula gets a leading apostrophe."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from cld.engine.disclosure import neutralise_formulae, neutralise_text

RISKY = ["=SUM(A1:A9)", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", "-", "=", "-x"]


@pytest.mark.parametrize("value", RISKY)
def test_each_leading_character_gets_an_apostrophe(value: str) -> None:
    frame = pl.DataFrame({"note": [value]})
    assert neutralise_formulae(frame)["note"].to_list() == [f"'{value}"]
    assert neutralise_text(value) == f"'{value}"


@pytest.mark.parametrize(
    "value", ["Camden", "a=b", "12", "[c]", "", " =1", "-3.5", "-12", "'=1"]
)
def test_plain_text_and_plain_numbers_are_left_alone(value: str) -> None:
    frame = pl.DataFrame({"note": [value]})
    assert neutralise_formulae(frame)["note"].to_list() == [value]
    assert neutralise_text(value) == value


def test_only_string_columns_change_and_nulls_stay_null() -> None:
    frame = pl.DataFrame(
        {
            "LA": ["=HYPERLINK(1)", "Camden", None],
            "count": [-5, 3, 0],
            "rate": [-1.5, 2.0, None],
            "flag": [True, False, True],
        }
    )
    expected = frame.with_columns(
        pl.Series("LA", ["'=HYPERLINK(1)", "Camden", None], dtype=pl.String)
    )
    assert_frame_equal(neutralise_formulae(frame), expected)


def test_a_frame_without_text_is_unchanged() -> None:
    frame = pl.DataFrame({"count": [-1, 2]})
    assert_frame_equal(neutralise_formulae(frame), frame)
