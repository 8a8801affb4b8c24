"""Outputs are written the same way every time, and never as formulas."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from polars.testing import assert_frame_equal

from cld.pipeline.outputs import writers
from cld.pipeline.outputs.writers import (
    TableWriter,
    write_csv,
    write_parquet,
    write_workbook,
)

FRAME = pl.DataFrame(
    {
        "LA": ["CAM", "HAC", "ISL"],
        "note": ['=HYPERLINK("x")', "+1", "plain"],
        "count": ["12", "[c]", "3.5"],
        "n": [1, -2, 3],
    }
)


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path: Path) -> None:
    write_csv(FRAME, tmp_path / "t.csv")
    back = pl.read_csv(tmp_path / "t.csv", infer_schema=False)
    assert back["note"].to_list() == ['\'=HYPERLINK("x")', "'+1", "plain"]
    assert back["n"].to_list() == ["1", "-2", "3"]  # numbers are not text


def test_workbook_numbers_symbols_and_formulas(tmp_path: Path) -> None:
    path = write_workbook(
        {"by type": FRAME}, ["Notes line", "=1+1"], tmp_path / "r.xlsx"
    )
    book = load_workbook(path)
    assert book.sheetnames == ["Notes", "by type"]
    notes = [row[0] for row in book["Notes"].iter_rows(values_only=True)]
    assert notes == ["Notes line", "'=1+1"]
    rows = list(book["by type"].iter_rows(values_only=True))
    assert rows[0] == ("LA", "note", "count", "n")
    assert rows[1] == ("CAM", '\'=HYPERLINK("x")', 12, 1)
    assert rows[2][2] == "[c]" and rows[3][2] == 3.5
    assert book["by type"].freeze_panes == "A2"


def test_workbook_cells_of_every_type(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "day": [dt.date(2024, 3, 31), None],
            "flag": [True, False],
            "rate": [float("nan"), 2.5],
            "odds": [float("inf"), 0.5],
            "nothing": [None, None],
            "code": ["007", "-3"],
        }
    )
    book = load_workbook(write_workbook({"t": frame}, [], tmp_path / "r.xlsx"))
    rows = list(book["t"].iter_rows(values_only=True))
    assert rows[0] == ("day", "flag", "rate", "odds", "nothing", "code")
    assert rows[1] == (dt.datetime(2024, 3, 31), True, None, None, None, 7)
    assert rows[2] == (None, False, 2.5, 0.5, None, -3)
    assert book["t"].auto_filter.ref == "A1:F3"


def test_the_same_content_gives_the_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write_parquet(FRAME, tmp_path / f"{name}.parquet")
        write_csv(FRAME, tmp_path / f"{name}.csv")
        write_workbook({"t": FRAME}, ["n"], tmp_path / f"{name}.xlsx")
    for suffix in ("parquet", "csv", "xlsx"):
        first = (tmp_path / f"a.{suffix}").read_bytes()
        assert first == (tmp_path / f"b.{suffix}").read_bytes(), suffix


def _pieces() -> list[pl.DataFrame]:
    return [FRAME.head(0), FRAME.head(2), FRAME.tail(1)]


def test_a_table_written_piece_by_piece_is_the_table_written_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writers, "ROW_GROUP", 2)  # a row group per two rows
    with TableWriter(tmp_path / "t.parquet", tmp_path / "t.csv") as out:
        for piece in _pieces():
            out.write(piece)
    assert out.rows == FRAME.height
    assert_frame_equal(pl.read_parquet(tmp_path / "t.parquet"), FRAME)
    write_csv(FRAME, tmp_path / "whole.csv")
    assert (tmp_path / "t.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "t.csv",
        "t.parquet",
        "whole.csv",
    ]


def test_the_same_pieces_give_the_same_bytes(tmp_path: Path) -> None:
    for name in ("a", "b"):
        with TableWriter(tmp_path / f"{name}.parquet", tmp_path / f"{name}.csv") as out:
            for piece in _pieces():
                out.write(piece)
    for suffix in ("parquet", "csv"):
        first = (tmp_path / f"a.{suffix}").read_bytes()
        assert first == (tmp_path / f"b.{suffix}").read_bytes(), suffix


def test_a_table_that_fails_half_way_leaves_the_old_files(tmp_path: Path) -> None:
    (tmp_path / "t.parquet").write_bytes(b"old parquet")
    (tmp_path / "t.csv").write_bytes(b"old csv")
    with (
        pytest.raises(ValueError, match="are not the first piece's"),
        TableWriter(tmp_path / "t.parquet", tmp_path / "t.csv") as out,
    ):
        out.write(FRAME)
        out.write(FRAME.drop("n"))  # another table's columns
    with (
        pytest.raises(RuntimeError, match="interrupted"),
        TableWriter(tmp_path / "t.parquet", tmp_path / "t.csv") as out,
    ):
        out.write(FRAME)
        raise RuntimeError("interrupted")
    assert (tmp_path / "t.parquet").read_bytes() == b"old parquet"
    assert (tmp_path / "t.csv").read_bytes() == b"old csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv", "t.parquet"]


def test_a_table_of_no_pieces_is_refused(tmp_path: Path) -> None:
    with (
        pytest.raises(ValueError, match="no piece was written"),
        TableWriter(tmp_path / "t.parquet", tmp_path / "t.csv"),
    ):
        pass
    assert list(tmp_path.iterdir()) == []
