"""One way to put a file the platform has in a second place: a hard link, or a
copy where the file system refuses one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cld.pipeline.atomic import link_or_copy


def test_a_file_is_linked_into_a_new_folder(tmp_path: Path) -> None:
    source = tmp_path / "a.parquet"
    source.write_bytes(b"rows")
    target = tmp_path / "new" / "folder" / "b.parquet"
    assert link_or_copy(source, target) == target
    assert target.read_bytes() == b"rows"
    assert os.path.samefile(source, target)


def test_a_file_there_is_replaced(tmp_path: Path) -> None:
    source, target = tmp_path / "a", tmp_path / "b"
    source.write_bytes(b"new")
    target.write_bytes(b"old")
    link_or_copy(source, target)
    assert target.read_bytes() == b"new" and os.path.samefile(source, target)


def test_where_links_are_refused_the_file_is_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: object, target: object) -> None:
        raise OSError("cross-device link")

    monkeypatch.setattr("cld.pipeline.atomic.os.link", refuse)
    source, target = tmp_path / "a", tmp_path / "sub" / "b"
    source.write_bytes(b"rows")
    link_or_copy(source, target)
    assert target.read_bytes() == b"rows"
    assert not os.path.samefile(source, target)
