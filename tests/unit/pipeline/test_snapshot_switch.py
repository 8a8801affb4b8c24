"""Switching a link to a new snapshot (:func:`switch_snapshot`) and the leases
readers hold on snapshots (:mod:`cld.pipeline.snapshot_leases`): what a switch
keeps, what it removes and when, and what a failure leaves."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from cld.pipeline import snapshot_leases
from cld.pipeline.data_area import DataArea, open_data_area
from cld.pipeline.publish import (
    current_files,
    files_in,
    publish,
    snapshot_files,
    switch_snapshot,
)
from cld.pipeline.snapshot_leases import held, lease_path
from cld.pipeline.storage.location import local_path, mirror_folder


def _file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def _kept(snapshots: Path) -> list[str]:
    """The snapshot folders in ``snapshots`` (not lease files)."""
    return sorted(p.name for p in snapshots.iterdir() if not p.name.startswith("."))


@pytest.mark.parametrize("spelling", ["relative", "dotdot"])
def test_a_switch_given_relative_paths_keeps_the_live_snapshot_s_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    base = Path("current" if spelling == "relative" else "elsewhere/../current")
    base.mkdir(exist_ok=True)
    link, snapshots = base / "CAM", base / ".snapshots" / "CAM"
    switch_snapshot(link, snapshots, "one", add={"a.txt": _file(tmp_path, "a", "A")})
    switch_snapshot(link, snapshots, "two", add={"b.txt": _file(tmp_path, "b", "B")})
    assert {rel: p.read_text() for rel, p in snapshot_files(link).items()} == {
        "a.txt": "A",
        "b.txt": "B",
    }
    assert _kept(snapshots) == [link.resolve().name]


def test_a_data_area_s_folder_is_absolute_however_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "work").mkdir()
    for given in ("data", "./data", "work/../data", str(tmp_path / "data")):
        assert DataArea(Path(given)).root == tmp_path / "data"
        assert open_data_area(given).root == tmp_path / "data"
        assert local_path(given) == tmp_path / "data"
    monkeypatch.setenv("CLD_WORK_DIR", "work/../mirrors")
    assert mirror_folder("s3://bucket/area").parent == tmp_path / "mirrors"


def test_a_snapshot_a_reader_holds_outlives_the_switch_and_goes_when_let_go(
    tmp_path: Path,
) -> None:
    link, snapshots = tmp_path / "current" / "CAM", tmp_path / "snapshots"
    link.parent.mkdir()
    first = switch_snapshot(
        link, snapshots, "one", add={"a": _file(tmp_path, "a", "1")}
    )
    with held(link) as reading:
        assert reading == first
        switch_snapshot(link, snapshots, "two", add={"a": _file(tmp_path, "b", "2")})
        switch_snapshot(link, snapshots, "three", add={"c": _file(tmp_path, "c", "3")})
        # both newer snapshots are published; the one being read is still whole
        assert files_in(reading)["a"].read_text() == "1"
        assert len(_kept(snapshots)) == 2  # the one read and the current one
    assert _kept(snapshots) == [link.resolve().name]  # the reader let it go
    assert not lease_path(first).exists()


@contextmanager
def _reader_holding(link: Path) -> Iterator[Callable[[], None]]:
    """Another process holding the snapshot ``link`` points to; the callable
    kills it (it dies without letting go)."""
    with subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path\n"
            "from cld.pipeline.snapshot_leases import held\n"
            "with held(Path(sys.argv[1])):\n"
            "    print('held', flush=True); sys.stdin.read()\n",
            str(link),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    ) as reader:

        def kill() -> None:
            reader.send_signal(signal.SIGKILL)
            reader.wait()

        try:
            assert reader.stdout is not None
            assert reader.stdout.readline() == b"held\n"
            yield kill
        finally:
            kill()


def test_a_reader_that_died_holding_a_snapshot_does_not_keep_it(
    tmp_path: Path,
) -> None:
    link, snapshots = tmp_path / "current" / "CAM", tmp_path / "snapshots"
    link.parent.mkdir()
    first = switch_snapshot(
        link, snapshots, "one", add={"a": _file(tmp_path, "a", "1")}
    )
    with _reader_holding(link) as kill:
        switch_snapshot(link, snapshots, "two", add={"a": _file(tmp_path, "b", "2")})
        assert first.is_dir()  # the reader holds it
        kill()
    switch_snapshot(link, snapshots, "three", add={"a": _file(tmp_path, "c", "3")})
    assert not first.exists()  # the next change removed it
    assert _kept(snapshots) == [link.resolve().name]


def test_opening_the_area_removes_what_a_dead_reader_held(tmp_path: Path) -> None:
    area = DataArea(tmp_path / "data")
    area.create()
    first = publish(area, "CAM", "one", add={"a": _file(tmp_path, "a", "1")})
    with _reader_holding(area.la_current("CAM")) as kill:
        publish(area, "CAM", "two", add={"a": _file(tmp_path, "b", "2")})
        area.check()
        assert first.is_dir()  # held: opening the area leaves it
        kill()
    area.check()  # any command opening the area
    assert not first.exists()
    assert _kept(first.parent) == [area.la_current("CAM").resolve().name]


def test_opening_the_area_during_a_switch_leaves_the_new_snapshot(
    tmp_path: Path,
) -> None:
    """Tidying skips a link being switched: the snapshot just built, not yet
    linked, is not a leftover."""
    area = DataArea(tmp_path / "data")
    area.create()
    publish(area, "CAM", "one", add={"a": _file(tmp_path, "a", "1")})
    new = publish(
        area, "CAM", "two", add={"b": _file(tmp_path, "b", "2")}, on_built=area.check
    )
    assert new.is_dir() and area.la_current("CAM").resolve() == new
    assert set(snapshot_files(area.la_current("CAM"))) == {"a", "b"}


def test_a_failed_switch_leaves_the_link_and_nothing_half_built(
    tmp_path: Path,
) -> None:
    link, snapshots = tmp_path / "outputs" / "pan", tmp_path / "builds"
    link.parent.mkdir()

    def fail() -> None:
        raise RuntimeError("injected")

    with pytest.raises(RuntimeError):  # the first ever: nothing is left at all
        switch_snapshot(
            link, snapshots, "one", add={"a": _file(tmp_path, "a", "1")}, on_built=fail
        )
    assert not link.exists() and not link.is_symlink()
    assert list(snapshots.iterdir()) == []
    first = switch_snapshot(
        link, snapshots, "one", add={"a": _file(tmp_path, "a", "1")}
    )
    with pytest.raises(RuntimeError):
        switch_snapshot(
            link,
            snapshots,
            "two",
            add={"a": _file(tmp_path, "b", "2")},
            keep=False,
            on_built=fail,
        )
    assert link.resolve() == first and (link / "a").read_text() == "1"
    assert _kept(snapshots) == [first.name]
    assert [p.name for p in snapshots.iterdir() if p.name.endswith(".partial")] == []


def test_a_reader_that_resolved_a_snapshot_just_removed_reads_the_next_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The portal's listing of an authority's tables (``current_files``) while a
    session switches: the snapshot the reader resolved goes before it takes its
    lease; it resolves the link again instead of failing."""
    link, snapshots = tmp_path / "current" / "CAM", tmp_path / "snapshots"
    link.parent.mkdir()
    first = switch_snapshot(
        link, snapshots, "one", add={"a": _file(tmp_path, "a", "1")}
    )
    open_lease = snapshot_leases._open_lease
    switched: list[Path] = []

    def switch_first(snapshot: Path) -> object:
        if not switched:  # a session publishes between resolving and the lease
            switched.append(snapshot)
            switch_snapshot(
                link, snapshots, "two", add={"b": _file(tmp_path, "b", "2")}
            )
        return open_lease(snapshot)

    monkeypatch.setattr(snapshot_leases, "_open_lease", switch_first)
    files = snapshot_files(link)
    assert not first.exists()  # nobody held it: removed at the switch
    assert {rel: p.read_text() for rel, p in files.items()} == {"a": "1", "b": "2"}
    assert switched == [first] and link.resolve() != first


def test_an_area_this_process_may_only_read_is_read_without_leases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An auditor's ``cld sessions verify`` on a read-only mount: opening the
    area and listing what is published need no lock file written."""
    area = DataArea(tmp_path / "data")
    area.create()
    publish(area, "CAM", "one", add={"a": _file(tmp_path, "a", "1")})
    lease_path(area.la_current("CAM").resolve()).unlink(missing_ok=True)
    opened = Path.open

    def read_only(path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "a" in mode or "w" in mode:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return opened(path, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", read_only)
    area.check()
    assert {rel: p.read_text() for rel, p in current_files(area, "CAM").items()} == {
        "a": "1"
    }
