"""The drop zone helpers the sensor and the asset use (no Dagster in them):
waiting files identified and checksummed, processed ones taken away."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cld.pipeline import drop_zone
from cld.pipeline.atomic import sha256_of
from cld.pipeline.data_area import DataArea
from cld.pipeline.drop_zone import remove_processed, waiting_files

Drop = Callable[..., list[Path]]


def test_waiting_files_are_identified_and_checksummed(
    area: DataArea, drop: Drop, ssda903: list[Path], cin_census: list[Path]
) -> None:
    assert waiting_files(area, "CAM") == []  # no drop zone yet
    drop(ssda903[:1] + cin_census)
    (area.drop_zone("CAM") / ".arriving.xml").write_text("<")
    (area.drop_zone("CAM") / "a folder").mkdir()
    found = waiting_files(area, "CAM")
    assert [(f.name, f.dataset) for f in found] == sorted(
        [(ssda903[0].name, "ssda903"), (cin_census[0].name, "cin_census")]
    )
    assert all(f.sha256 == sha256_of(f.path) and f.problem is None for f in found)


def test_a_file_that_is_no_return_says_why(
    area: DataArea, drop: Drop, tmp_path: Path
) -> None:
    stray = tmp_path / "notes.txt"
    stray.write_text("nothing to see\n")
    drop([stray])
    [found] = waiting_files(area, "CAM")
    assert found.dataset is None and found.problem


def test_only_unchanged_files_are_removed(
    area: DataArea, drop: Drop, ssda903: list[Path]
) -> None:
    first, second, third = drop(ssda903[:3])
    listed = waiting_files(area, "CAM")
    second.write_text("a newer copy arrived meanwhile")
    third.unlink()  # already gone
    left = remove_processed(listed)
    assert [f.path for f in left] == [second]
    assert sorted(area.drop_zone("CAM").iterdir()) == [second]
    assert not first.exists()


def test_a_file_taken_away_while_the_folder_is_read_is_not_waiting(
    area: DataArea, drop: Drop, ssda903: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    gone, kept = drop(ssda903[:2])

    def checksum(path: Path) -> str:
        if path == gone:
            raise FileNotFoundError(path)
        return sha256_of(path)

    monkeypatch.setattr(drop_zone, "sha256_of", checksum)
    assert [f.path for f in waiting_files(area, "CAM")] == [kept]
