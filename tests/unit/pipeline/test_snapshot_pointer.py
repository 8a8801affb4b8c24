"""A snapshot's pointer object reads back as written, in its keys."""

from __future__ import annotations

import json

import pytest

from cld.pipeline.storage.pointer import POINTER_FORMAT, Pointer, StoredFile


def test_a_pointer_reads_back_as_written() -> None:
    pointer = Pointer(
        snapshot="s-1",
        written_at="2024-06-01T10:00:00+00:00",
        files={
            "pan/x.parquet": StoredFile("current/.snapshots/CAM/s-1/x", "a" * 64, 7)
        },
    )
    data = pointer.encode(indent=1)
    assert json.loads(data) == {
        "format": POINTER_FORMAT,
        "snapshot": "s-1",
        "written_at": "2024-06-01T10:00:00+00:00",
        "files": {
            "pan/x.parquet": {
                "key": "current/.snapshots/CAM/s-1/x",
                "sha256": "a" * 64,
                "size": 7,
            }
        },
    }
    assert Pointer.decode(data) == pointer
    assert Pointer.decode(pointer.encode()) == pointer


@pytest.mark.parametrize(
    "text", ["[]", "{}", '{"snapshot": "s", "files": {"x": {"key": "k"}}}']
)
def test_what_is_not_a_pointer_is_refused(text: str) -> None:
    with pytest.raises((ValueError, KeyError)):
        Pointer.decode(text)
