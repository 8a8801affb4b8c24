"""``cld outputs`` while sessions publish: a build reads the snapshots it resolved
at its start to the end, whatever is published meanwhile; the snapshots it held
go once it is done; a build that fails leaves the last build as it was."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from platform_builders import TEST_KEY, allow, files_of

from cld.cli.app import run
from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.pipeline.data_area import SNAPSHOTS, DataArea
from cld.pipeline.governance_actions import withdraw_agreement
from cld.pipeline.outputs import build, pooled
from cld.pipeline.outputs.build import BUILDS, build_outputs
from cld.pipeline.registry import Registry
from cld.pipeline.session import process_files

KEY = PseudonymKey(TEST_KEY.encode())


def _process(
    area: DataArea, registry: Registry, synthetic: Path, la: str, year: int
) -> None:
    process_files(
        area,
        registry,
        registry.authority(la),
        files_of(synthetic, la, year),
        by="t",
        key=KEY,
    )


def _kept(folder: Path) -> list[Path]:
    """The snapshots or builds kept in ``folder`` (not lease files)."""
    return [p for p in sorted(folder.iterdir()) if not p.name.startswith(".")]


def _manifest(area: DataArea, use_case: str = "pan") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (area.outputs / use_case / "manifest.json").read_text("utf-8")
    )
    return data


def _before_reading(
    monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]
) -> list[bool]:
    """Run ``action`` once, inside the build, after it has resolved every
    authority's snapshot and the last build and before it reads their files."""
    done: list[bool] = []
    group_files = pooled.group_files  # what the build calls it

    def act_first(*args: Any, **kwargs: Any) -> Any:
        if not done:
            done.append(True)
            action()
        return group_files(*args, **kwargs)

    monkeypatch.setattr(build, "group_files", act_first)
    return done


@pytest.fixture
def built(area: DataArea, registry: Registry, synthetic: Path) -> DataArea:
    """CAM's and HAC's 2023 returns published to pan, and pan built once."""
    allow(registry, "CAM", "pan")
    allow(registry, "HAC", "pan")
    _process(area, registry, synthetic, "CAM", 2023)
    _process(area, registry, synthetic, "HAC", 2023)
    assert run(["outputs", "--data-dir", str(area.root), "--use-case", "pan"]) == 0
    return area


def test_a_build_reads_what_it_resolved_while_sessions_publish(
    built: DataArea,
    registry: Registry,
    synthetic: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    area = built
    _process(area, registry, synthetic, "HAC", 2024)  # so the next build runs
    cam, hac = area.la_current("CAM").resolve(), area.la_current("HAC").resolve()
    last_build = (area.outputs / "pan").resolve()

    def publish_meanwhile() -> None:
        _process(area, registry, synthetic, "CAM", 2024)  # CAM's next snapshot
        withdraw_agreement(area, registry, "HAC", "pan", on=dt.date.today(), by="t")
        # another build switches outputs/pan while this one reads the last
        assert build_outputs(area, registry, use_case="pan")["pan"].rebuilt

    done = _before_reading(monkeypatch, publish_meanwhile)
    command = ["outputs", "--data-dir", str(area.root), "--use-case", "pan"]
    assert run(command) == 0
    assert done == [True]
    # it pooled exactly the snapshots it resolved at its start
    episodes = pl.read_parquet(area.outputs / "pan" / "ssda903_episodes.parquet")
    assert set(episodes.select("LA", "YEAR").unique().iter_rows()) == {
        ("CAM", 2023),
        ("HAC", 2023),
        ("HAC", 2024),
    }
    # and every snapshot and build it held went once it was done
    assert not cam.exists() and not hac.exists() and not last_build.exists()
    for la in ("CAM", "HAC"):
        assert _kept(area.current / SNAPSHOTS / la) == [area.la_current(la).resolve()]
    assert _kept(area.outputs / BUILDS / "pan") == [(area.outputs / "pan").resolve()]
    # the next build pools what is published now
    assert run(command) == 0
    manifest = _manifest(area)
    assert manifest["las"] == ["CAM"] and manifest["years"] == [2023, 2024]


def test_a_build_that_fails_leaves_the_last_build(
    built: DataArea,
    registry: Registry,
    synthetic: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    area = built
    last = (area.outputs / "pan").resolve()
    files = {p.name: p.read_bytes() for p in sorted(last.iterdir())}
    _process(area, registry, synthetic, "CAM", 2024)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("injected: the disk is full")

    monkeypatch.setattr(build, "write_workbook", fail)
    with pytest.raises(OSError, match="injected"):
        build_outputs(area, registry, use_case="pan")
    assert (area.outputs / "pan").resolve() == last
    assert {p.name: p.read_bytes() for p in sorted(last.iterdir())} == files
    assert _kept(area.outputs / BUILDS / "pan") == [last]
    assert not [p for p in (area.outputs / BUILDS / "pan").glob(".*.partial")]
    assert not (area.outputs / ".staging").exists()


def test_a_first_build_that_fails_leaves_nothing(
    area: DataArea, registry: Registry, synthetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allow(registry, "CAM", "pan")
    _process(area, registry, synthetic, "CAM", 2023)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("injected: the disk is full")

    monkeypatch.setattr(build, "write_workbook", fail)
    with pytest.raises(OSError, match="injected"):
        build_outputs(area, registry, use_case="pan")
    link = area.outputs / "pan"
    assert not link.exists() and not link.is_symlink()  # nothing dangling
    builds = area.outputs / BUILDS / "pan"
    assert not builds.exists() or _kept(builds) == []
    assert not (area.outputs / ".staging").exists()
