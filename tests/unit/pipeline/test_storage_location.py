"""Telling folders from object-store URLs, and where a worker's mirror is."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from cld.pipeline.data_area import DataArea, open_data_area
from cld.pipeline.registry import open_registry
from cld.pipeline.registry.locks import database_lock, lock_key
from cld.pipeline.storage.location import local_path, mirror_folder, scheme_of


@pytest.mark.parametrize(
    ("location", "scheme"),
    [
        ("s3://bucket/prefix", "s3"),
        ("S3://bucket", "s3"),
        ("az://container/area", "az"),
        ("file:///srv/cld", None),
        ("/srv/cld", None),
        ("relative/folder", None),
        (Path("s3:/looks/like/a/url"), None),
    ],
)
def test_the_scheme_says_whether_it_is_an_object_store(
    location: str | Path, scheme: str | None
) -> None:
    assert scheme_of(location) == scheme


def test_a_file_url_is_a_folder(tmp_path: Path) -> None:
    assert local_path(f"file://{tmp_path}") == tmp_path
    assert open_data_area(f"file://{tmp_path}") == DataArea(tmp_path)
    assert open_data_area(tmp_path).remote is None


def test_each_url_has_its_own_mirror_under_the_work_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLD_WORK_DIR", str(tmp_path))
    one, two = mirror_folder("s3://a/x"), mirror_folder("s3://a/y")
    assert one.parent == tmp_path and one != two
    assert mirror_folder("s3://a/x/") == one


def test_locks_in_the_database_wait_for_each_other(
    tmp_path: Path, database: str
) -> None:
    """On PostgreSQL an advisory lock serialises holders; elsewhere the lock is a
    no-op and the file lock does the work."""
    registry = open_registry(tmp_path / "r.sqlite", must_exist=False)
    assert lock_key("la:CAM") == lock_key("la:CAM") != lock_key("la:HAC")
    order: list[str] = []
    held = threading.Event()

    def first() -> None:
        with database_lock(registry.engine, "la:CAM"):
            held.set()
            time.sleep(0.5)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    held.wait()
    with database_lock(registry.engine, "la:CAM"):
        order.append("second in")
    thread.join()
    if registry.engine.dialect.name == "postgresql":
        assert order == ["first done", "second in"]
    else:
        assert order == ["second in", "first done"]
