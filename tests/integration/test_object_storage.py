"""Data areas on object stores (S3 on a local moto server, Azure Blob on Azurite):
the whole session and outputs flow, the pointer switch that keeps readers off half
a snapshot, and the commands with ``--data-dir s3://…`` or ``az://…``."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import fsspec
import polars as pl
import pytest
from platform_builders import TEST_KEY, allow, files_of

from cld.cli.app import run
from cld.engine.errors import UsageError
from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.pipeline.data_area import DataArea, open_data_area
from cld.pipeline.governance_actions import withdraw_agreement
from cld.pipeline.outputs import build, pooled
from cld.pipeline.outputs.build import build_outputs
from cld.pipeline.publish import current_files
from cld.pipeline.registry import Registry, open_registry
from cld.pipeline.retention import apply_retention
from cld.pipeline.session import process_files
from cld.pipeline.session_report import stored_file_entries
from cld.pipeline.storage.mirror import POINTER, ObjectStoreError

KEY = PseudonymKey(TEST_KEY.encode())
pytestmark = pytest.mark.slow


def _store(url: str) -> tuple[Any, str]:
    fs, root = fsspec.core.url_to_fs(url)
    fs.invalidate_cache()
    return fs, root


def _other_worker(
    url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> DataArea:
    """The same area seen from a worker with an empty mirror."""
    monkeypatch.setenv("CLD_WORK_DIR", str(tmp_path / "worker-2"))
    area = open_data_area(url)
    area.check()
    return area


def _process(area: DataArea, registry: Registry, synthetic: Path, la: str) -> str:
    result = process_files(
        area,
        registry,
        registry.authority(la),
        files_of(synthetic, la, 2024),
        by="t",
        key=KEY,
    )
    assert result.status == "published"
    return result.session


def test_a_session_and_the_outputs_live_in_the_store(
    store_area: DataArea,
    synthetic: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    registry = open_registry(store_area.registry_file)
    allow(registry, "CAM", "pan", "sufficiency")
    allow(registry, "HAC", "pan")
    sessions = {
        la: _process(store_area, registry, synthetic, la) for la in ("CAM", "HAC")
    }
    built = build_outputs(store_area, registry)
    assert built["pan"].las == ("CAM", "HAC") and built["pan"].rebuilt
    fs, root = _store(store_area.location)

    pointer = json.loads(fs.cat_file(f"{root}/current/CAM/{POINTER}"))
    assert pointer["files"], "CAM published nothing to the store"
    for rel, entry in pointer["files"].items():
        assert rel.split("/")[0] in ("pan", "sufficiency")
        assert fs.info(f"{root}/{entry['key']}")["size"] == entry["size"]
    archive = f"{root}/sessions/CAM/{sessions['CAM']}"
    assert fs.exists(f"{archive}/manifest.json") and fs.exists(f"{archive}/raw")
    outputs = json.loads(fs.cat_file(f"{root}/outputs/pan/{POINTER}"))
    assert "manifest.json" in outputs["files"]
    assert "ssda903_episodes.parquet" in outputs["files"]

    # Another worker, with nothing on its disk, reads the same state from the store
    other = _other_worker(store_area.location, monkeypatch, tmp_path)
    assert other.root != store_area.root
    mine, theirs = current_files(store_area, "CAM"), current_files(other, "CAM")
    assert sorted(mine) == sorted(theirs)
    assert all(mine[rel].read_bytes() == theirs[rel].read_bytes() for rel in mine)
    assert stored_file_entries(other, "CAM", sessions["CAM"])[0].sha256
    again = build_outputs(other, open_registry(other.registry_file))
    assert not any(output.rebuilt for output in again.values())
    episodes = pl.read_parquet(other.outputs / "pan" / "ssda903_episodes.parquet")
    assert set(episodes["LA"]) == {"CAM", "HAC"}


def test_a_reader_never_sees_half_a_snapshot(
    store_area: DataArea,
    synthetic: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    registry = open_registry(store_area.registry_file)
    allow(registry, "CAM", "pan")
    _process(store_area, registry, synthetic, "CAM")
    fs, root = _store(store_area.location)
    before = fs.cat_file(f"{root}/current/CAM/{POINTER}")
    remote = store_area.remote
    assert remote is not None
    real_pipe = remote._fs.pipe

    def lose_the_switch(path: str, *args: Any, **kwargs: Any) -> Any:
        if path.endswith(POINTER):
            raise OSError("the connection dropped")
        return real_pipe(path, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(remote._fs, "pipe", lose_the_switch)
        with pytest.raises(OSError, match="dropped"):
            process_files(
                store_area,
                registry,
                registry.authority("CAM"),
                files_of(synthetic, "CAM", 2023),
                by="t",
                key=KEY,
            )
    fs.invalidate_cache()
    named = {e["key"] for e in json.loads(before)["files"].values()}
    stored = {k[len(root) + 1 :] for k in fs.find(f"{root}/current/.snapshots/CAM")}
    assert stored == named, "the failed snapshot's objects were left in the store"
    assert fs.cat_file(f"{root}/current/CAM/{POINTER}") == before
    failed = [s for s in registry.sessions("CAM") if s.status == "failed"]
    assert len(failed) == 1
    assert not fs.exists(f"{root}/sessions/CAM/{failed[0].id}")
    other = _other_worker(store_area.location, monkeypatch, tmp_path)
    years = {rel.split("/")[2] for rel in current_files(other, "CAM")}
    assert years == {"2024"}, "the reader saw the failed session's tables"


def test_an_outputs_build_reads_what_it_resolved_while_a_session_publishes(
    store_area: DataArea,
    synthetic: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = open_registry(store_area.registry_file)
    allow(registry, "CAM", "pan")
    _process(store_area, registry, synthetic, "CAM")  # 2024
    link = store_area.la_current("CAM")
    resolved = link.resolve()
    published: list[str] = []
    group_files = pooled.group_files

    def publish_first(*args: Any, **kwargs: Any) -> Any:
        if not published:  # after the build resolved CAM's snapshot
            published.append(
                process_files(
                    store_area,
                    registry,
                    registry.authority("CAM"),
                    files_of(synthetic, "CAM", 2023),
                    by="t",
                    key=KEY,
                ).status
            )
        return group_files(*args, **kwargs)

    monkeypatch.setattr(build, "group_files", publish_first)
    built = build_outputs(store_area, registry, use_case="pan")["pan"]
    assert published == ["published"] and built.rebuilt
    assert built.tables["ssda903_episodes"].years == (2024,)  # what it resolved
    assert not resolved.exists()  # the mirror's old snapshot went when let go
    mirrored = store_area.current / ".snapshots" / "CAM"
    assert [p for p in mirrored.iterdir() if not p.name.startswith(".")] == [
        link.resolve()
    ]
    # the mirror is a cache: a snapshot folder lost from it is fetched again
    expected = set(current_files(store_area, "CAM"))
    shutil.rmtree(link.resolve())
    assert set(current_files(store_area, "CAM")) == expected


def test_a_damaged_object_is_refused(
    store_area: DataArea,
    synthetic: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    registry = open_registry(store_area.registry_file)
    allow(registry, "CAM", "pan")
    _process(store_area, registry, synthetic, "CAM")
    fs, root = _store(store_area.location)
    pointer = json.loads(fs.cat_file(f"{root}/current/CAM/{POINTER}"))
    entry = next(iter(pointer["files"].values()))
    fs.pipe(f"{root}/{entry['key']}", b"not the table that was published")
    other = _other_worker(store_area.location, monkeypatch, tmp_path)
    with pytest.raises(ObjectStoreError, match="does not match the sha256"):
        current_files(other, "CAM")


def test_withdrawal_and_retention_delete_from_the_store(
    store_area: DataArea, synthetic: Path
) -> None:
    registry = open_registry(store_area.registry_file)
    allow(registry, "CAM", "pan", "sufficiency")
    session = _process(store_area, registry, synthetic, "CAM")
    fs, root = _store(store_area.location)
    pointer = json.loads(fs.cat_file(f"{root}/current/CAM/{POINTER}"))
    sufficiency = [e["key"] for r, e in pointer["files"].items() if r[:4] == "suff"]
    assert sufficiency
    withdraw_agreement(
        store_area, registry, "CAM", "sufficiency", on=dt.date.today(), by="t"
    )
    fs.invalidate_cache()
    after = json.loads(fs.cat_file(f"{root}/current/CAM/{POINTER}"))
    assert not [r for r in after["files"] if r.startswith("sufficiency/")]
    assert not any(fs.exists(f"{root}/{key}") for key in sufficiency)
    assert all(fs.exists(f"{root}/{e['key']}") for e in after["files"].values())

    far = dt.date.today() + dt.timedelta(days=365 * 40)
    result = apply_retention(store_area, registry, today=far, by="t")
    assert f"CAM/{session}" in result.sessions
    fs.invalidate_cache()
    assert not fs.exists(f"{root}/sessions/CAM/{session}")
    assert not json.loads(fs.cat_file(f"{root}/current/CAM/{POINTER}"))["files"]


def test_the_commands_take_a_store_url(
    store: str, synthetic: Path, pseudonym_key: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["init", "--data-dir", store]) == 0
    assert "Made the data area" in capsys.readouterr().out
    registry = open_registry(open_data_area(store).registry_file)
    allow(registry, "CAM", "pan")
    files = [str(p) for p in files_of(synthetic, "CAM", 2024)]
    assert run(["process", "--data-dir", store, "--la", "CAM", *files]) == 0
    assert run(["outputs", "--data-dir", store, "--json"]) == 0
    printed = capsys.readouterr().out
    assert '"pan"' in printed
    assert run(["sessions", "verify", "--data-dir", store]) == 0
    fs, root = _store(store)
    assert fs.exists(f"{root}/outputs/pan/{POINTER}")


def test_a_store_area_needs_a_database_and_cld_init(
    store: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["outputs", "--data-dir", store]) == 2
    assert "is not a data area" in capsys.readouterr().err
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(UsageError, match="DATABASE_URL"):
        _ = open_data_area(store).registry_file
    assert run(["init", "--data-dir", store]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err


def test_an_unknown_storage_scheme_names_what_to_install() -> None:
    with pytest.raises(UsageError, match="no driver for gs:// storage.*gcsfs"):
        open_data_area("gs://bucket/prefix")


def _backdate(*paths: Path, days: int = 2) -> None:
    then = time.time() - days * 86400
    for path in paths:
        os.utime(path, (then, then))


def test_a_workers_mirror_lets_go_of_what_it_has_not_used(
    store_area: DataArea,
    synthetic: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A session archive (raw uploads among it) or a table that retention deleted
    from the store, run on one worker, leaves every other worker's mirror once
    that worker has not used it for a day: the mirror is a cache, not a record."""
    registry = open_registry(store_area.registry_file)
    allow(registry, "CAM", "pan")
    session = _process(store_area, registry, synthetic, "CAM")
    other = _other_worker(store_area.location, monkeypatch, tmp_path)
    archive = other.fetch(other.session_dir("CAM", session))
    assert any((archive / "raw").iterdir()), "worker 2 holds the raw upload"
    assert current_files(other, "CAM")
    link = other.la_current("CAM")
    pointer_copy = link.parent / f".{link.name}.{POINTER}"

    _backdate(archive)
    assert other.fetch(archive) == archive  # used again: kept another day
    other.check()
    assert archive.is_dir()

    far = dt.date.today() + dt.timedelta(days=365 * 40)
    result = apply_retention(store_area, registry, today=far, by="t")
    assert f"CAM/{session}" in result.sessions
    other.check()
    assert archive.is_dir(), "used within the day: still in worker 2's cache"

    _backdate(archive, pointer_copy)
    lock = other.current / ".locks" / "CAM.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as held:  # as a session of worker 2 holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        other.check()
        fcntl.flock(held, fcntl.LOCK_UN)
    assert not archive.exists(), "the deleted session stayed on worker 2's disk"
    assert list(other.current.rglob("*.parquet")), "CAM's lock was not respected"
    other.check()
    assert not list(other.current.rglob("*.parquet")), "deleted tables stayed"
    assert len(list((other.current / ".snapshots" / "CAM").iterdir())) == 1

    fs, root = _store(store_area.location)
    fs.rm(f"{root}/current/CAM/{POINTER}")  # the store has no CAM at all
    _backdate(pointer_copy)
    other.check()
    assert not link.is_symlink() and not pointer_copy.exists()
    assert not list((other.current / ".snapshots" / "CAM").iterdir())


def test_a_container_name_azure_refuses_is_a_clear_usage_error(
    azure_connection: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azure_connection)
    monkeypatch.setenv("CLD_WORK_DIR", str(tmp_path / "worker"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'registry.sqlite'}")
    for command in ("init", "outputs"):
        assert run([command, "--data-dir", "az://x/platform"]) == 2
        err = capsys.readouterr().err
        assert "az://x/platform" in err and "name length" in err
        assert "Traceback" not in err and "<?xml" not in err
