"""A session that fails, or is killed, at any stage leaves the published tables as
they were; the next session clears what it left and publishes normally."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from platform_builders import TEST_KEY, allow, ssda903_files

from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.pipeline.data_area import DataArea
from cld.pipeline.publish import current_files, current_snapshot
from cld.pipeline.registry import Registry
from cld.pipeline.session import STAGES, process_files
from cld.pipeline.session_ids import new_session_id
from cld.pipeline.snapshot_leases import lease_path

KEY = PseudonymKey(TEST_KEY.encode())
EVERY_STAGE = (*STAGES, "switch")


class InjectedError(RuntimeError):
    pass


def _published(area: DataArea, la: str) -> dict[str, bytes]:
    return {rel: path.read_bytes() for rel, path in current_files(area, la).items()}


def _leftovers(area: DataArea, la: str) -> list[Path]:
    """Hidden files a change left (the lease file of the snapshot published now
    is not one: readers of it use it)."""
    places = [area.incoming / la, area.sessions / la, area.current / ".snapshots" / la]
    live = current_snapshot(area, la)
    return [
        p
        for place in places
        if place.exists()
        for p in place.glob(".*")
        if live is None or p != lease_path(live)
    ]


def _first_and_second(synthetic: Path) -> tuple[list[Path], list[Path]]:
    first = ssda903_files(synthetic, "CAM", 2023, "header", "episodes")
    second = ssda903_files(synthetic, "CAM", 2024, "header", "episodes")
    return first, second + ssda903_files(synthetic, "CAM", 2023, "header")


@pytest.mark.parametrize("stage", EVERY_STAGE)
def test_a_failure_at_any_stage_leaves_published_data_intact(
    area: DataArea, registry: Registry, synthetic: Path, stage: str
) -> None:
    allow(registry, "CAM", "pan", "sufficiency")
    first, second = _first_and_second(synthetic)
    process_files(area, registry, registry.authority("CAM"), first, by="t", key=KEY)
    before = _published(area, "CAM")
    assert len(before) == 4

    def fail(at: str) -> None:
        if at == stage:
            raise InjectedError(at)

    with pytest.raises(InjectedError):
        process_files(
            area,
            registry,
            registry.authority("CAM"),
            second,
            by="t",
            key=KEY,
            on_stage=fail,
        )
    assert _published(area, "CAM") == before
    assert _leftovers(area, "CAM") == []
    failed = registry.sessions("CAM")[-1]
    assert failed.status == "failed"
    assert not area.session_dir("CAM", failed.id).exists()
    later = process_files(
        area, registry, registry.authority("CAM"), second, by="t", key=KEY
    )
    after = _published(area, "CAM")
    assert later.status == "published"
    assert len(after) == 8 and after != before  # 2023 replaced, 2024 added


KILLER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from cld.engine.transforms.pseudonymise import PseudonymKey
    from cld.pipeline.data_area import DataArea
    from cld.pipeline.registry import open_registry
    from cld.pipeline.session import process_files

    root, stage, session_id, *files = sys.argv[1:]
    area = DataArea(Path(root))
    registry = open_registry(area.registry_file)

    def kill(at):
        if at == stage:
            os._exit(9)  # no clean-up of any kind, as when the machine dies

    process_files(area, registry, registry.authority("CAM"), [Path(f) for f in files],
                  by="t", key=PseudonymKey(os.environ["CLD_PSEUDONYM_KEY"].encode()),
                  on_stage=kill, session_id=session_id)
    """
)


@pytest.mark.parametrize("stage", ["conform", "archive", "publish", "switch"])
def test_a_session_killed_mid_way_leaves_the_old_tables_and_is_cleared_later(
    area: DataArea,
    registry: Registry,
    synthetic: Path,
    stage: str,
    pseudonym_key: str,
) -> None:
    allow(registry, "CAM", "pan", "sufficiency")
    first, second = _first_and_second(synthetic)
    process_files(area, registry, registry.authority("CAM"), first, by="t", key=KEY)
    before = _published(area, "CAM")
    dead = _killed_at(area, stage, second)
    assert _published(area, "CAM") == before
    assert registry.sessions("CAM")[-1].status == "running"  # it never finished
    process_files(area, registry, registry.authority("CAM"), second, by="t", key=KEY)
    assert {s.id: s.status for s in registry.sessions("CAM")}[dead] == "interrupted"
    assert _leftovers(area, "CAM") == []
    assert not area.session_dir("CAM", dead).exists()  # no archive of what never ended
    assert len(_published(area, "CAM")) == 8


def _killed_at(area: DataArea, stage: str, files: list[Path]) -> str:
    """The id of a session of ``files`` killed (``kill -9``) at ``stage``."""
    session_id = new_session_id("CAM", dt.datetime.now(dt.UTC))
    killed = subprocess.run(
        [sys.executable, "-c", KILLER, str(area.root), stage, session_id]
        + [str(f) for f in files],
        env=os.environ.copy(),
        capture_output=True,
        check=False,
    )
    assert killed.returncode == 9, killed.stderr.decode()
    return session_id


@pytest.mark.parametrize("stage", ["conform", "archive", "publish", "switch"])
def test_a_session_killed_mid_way_runs_again_under_its_own_id(
    area: DataArea,
    registry: Registry,
    synthetic: Path,
    stage: str,
    pseudonym_key: str,
) -> None:
    """What the portal does with an upload whose server was killed: the same
    session, run again from its kept files, publishes once, whatever stage the
    kill came at (after ``archive`` its archive is already in place)."""
    allow(registry, "CAM", "pan", "sufficiency")
    first, second = _first_and_second(synthetic)
    process_files(area, registry, registry.authority("CAM"), first, by="t", key=KEY)
    dead = _killed_at(area, stage, second)
    again = process_files(
        area,
        registry,
        registry.authority("CAM"),
        second,
        by="t",
        key=KEY,
        session_id=dead,
    )
    assert again.status == "published"
    assert {s.id: s.status for s in registry.sessions("CAM")}[dead] == "published"
    assert [e.detail.get("again") for e in registry.events("session_started")][
        -1
    ] == "after an interruption"
    assert [e.action for e in registry.events() if e.detail.get("session") == dead][
        -3:
    ] == ["session_interrupted", "session_started", "session_published"]
    assert _leftovers(area, "CAM") == []
    assert len(_published(area, "CAM")) == 8
