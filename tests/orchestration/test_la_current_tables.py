"""Materialising an authority × dataset partition: one session over the files of
that dataset waiting in the authority's drop zone, as ``cld process`` runs it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest
from platform_builders import allow

from cld.cli.app import run
from cld.orchestration.assets import DropZoneFiles, la_current_tables
from cld.orchestration.resources import PlatformResource
from cld.pipeline.data_area import DataArea
from cld.pipeline.publish import current_files
from cld.pipeline.registry import Registry, open_registry

LA = "CAM"
Drop = Callable[..., list[Path]]


def _materialise(
    platform: PlatformResource,
    partition: str = f"{LA}|ssda903",
    *,
    run_config: dg.RunConfig | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [la_current_tables],
        partition_key=partition,
        resources={"platform": platform},
        run_config=run_config,
        raise_on_error=raise_on_error,
    )


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, Any]:
    [materialisation] = result.asset_materializations_for_node("la_current_tables")
    return {name: value.value for name, value in materialisation.metadata.items()}


def test_a_partition_processes_its_waiting_files_and_takes_them_away(
    area: DataArea,
    registry: Registry,
    platform: PlatformResource,
    drop: Drop,
    ssda903: list[Path],
    cin_census: list[Path],
) -> None:
    drop(ssda903 + cin_census)
    result = _materialise(platform)
    assert result.success
    [session] = registry.sessions(LA)
    assert session.status == "published" and session.submitted_by == "dagster-test"
    published = current_files(area, LA)
    assert "pan/ssda903/2024/episodes.parquet" in published
    assert "sufficiency/ssda903/2024/header.parquet" in published
    assert not any("cin_census" in rel for rel in published)
    metadata = _metadata(result)
    assert metadata["session"] == session.id
    assert metadata["status"] == "published"
    assert metadata["policy_version"] == session.policy_version == 1
    assert metadata["use_cases"] == ["pan", "sufficiency"]
    assert metadata["files"] == [p.name for p in ssda903]
    assert metadata["rows"]["2024/episodes"] > 0
    assert set(metadata["issues"]) == {"error", "warning"}
    assert metadata["published_tables"] == len(
        [rel for rel in published if "/ssda903/" in rel]
    )
    assert metadata["left_in_drop_zone"] == []
    waiting = sorted(p.name for p in area.drop_zone(LA).iterdir())
    assert waiting == [p.name for p in cin_census]


def test_the_asset_publishes_what_cld_process_publishes(
    area: DataArea,
    platform: PlatformResource,
    drop: Drop,
    ssda903: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No second implementation: the same files give the same tables."""
    drop(ssda903)
    assert _materialise(platform).success
    other = tmp_path / "by-the-cli"
    monkeypatch.delenv("DATABASE_URL", raising=False)  # its own, embedded registry
    assert run(["init", "--data-dir", str(other)]) == 0
    allow(open_registry(DataArea(other).registry_file), LA, "pan", "sufficiency")
    files = [str(p) for p in ssda903]
    assert run(["process", *files, "--data-dir", str(other), "--la", LA]) == 0
    ours, theirs = current_files(area, LA), current_files(DataArea(other), LA)
    assert sorted(ours) == sorted(theirs)
    for rel, path in ours.items():
        assert pl.read_parquet(path).equals(pl.read_parquet(theirs[rel]))


def test_only_the_files_a_run_names_are_processed(
    area: DataArea,
    registry: Registry,
    platform: PlatformResource,
    drop: Drop,
    ssda903: list[Path],
) -> None:
    header, *others = drop(ssda903)
    config = dg.RunConfig(ops={"la_current_tables": DropZoneFiles(files=[header.name])})
    assert _materialise(platform, run_config=config).success
    [session] = registry.sessions(LA)
    assert [Path(f.name).name for f in session.outcome.files] == [header.name]
    assert sorted(area.drop_zone(LA).iterdir()) == others


def test_nothing_waiting_materialises_nothing(
    registry: Registry, platform: PlatformResource
) -> None:
    result = _materialise(platform)
    assert result.success
    assert result.asset_materializations_for_node("la_current_tables") == []
    assert registry.sessions(LA) == []


def test_an_authority_sharing_nothing_archives_and_empties_the_drop_zone(
    area: DataArea,
    registry: Registry,
    platform: PlatformResource,
    drop: Drop,
    ssda903: list[Path],
) -> None:
    drop(ssda903, la="HAC")
    metadata = _metadata(_materialise(platform, partition="HAC|ssda903"))
    assert metadata["status"] == "archived"
    assert metadata["use_cases"] == [] and metadata["published_tables"] == 0
    assert [s.status for s in registry.sessions("HAC")] == ["archived"]
    assert list(area.drop_zone("HAC").iterdir()) == []


def test_a_failed_run_leaves_the_files_waiting(
    area: DataArea,
    registry: Registry,
    platform: PlatformResource,
    drop: Drop,
    ssda903: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dropped = drop(ssda903)
    monkeypatch.delenv("CLD_PSEUDONYM_KEY")
    result = _materialise(platform, raise_on_error=False)
    assert not result.success
    assert registry.sessions(LA) == []
    assert sorted(area.drop_zone(LA).iterdir()) == dropped


def test_the_same_files_dropped_again_are_an_unchanged_session(
    area: DataArea,
    registry: Registry,
    platform: PlatformResource,
    drop: Drop,
    cin_census: list[Path],
) -> None:
    drop(cin_census)
    first = _metadata(_materialise(platform, f"{LA}|cin_census"))
    drop(cin_census)
    again = _metadata(_materialise(platform, f"{LA}|cin_census"))
    assert again["status"] == "unchanged"
    assert again["unchanged"] == {cin_census[0].name: first["session"]}
    assert list(area.drop_zone(LA).iterdir()) == []


def test_a_relative_data_area_keeps_what_earlier_runs_published(
    area: DataArea,
    platform: PlatformResource,
    drop: Drop,
    ssda903: list[Path],
    cin_census: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``CLD_DATA_DIR=data`` (or ``work/../data``) is the folder it names in
    the working folder, made absolute once; a second partition's session keeps
    the first one's tables."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "work").mkdir()
    relative = PlatformResource(data_area="work/../data", actor=platform.actor)
    assert relative.area().root == area.root == tmp_path / "data"
    drop(ssda903)
    assert _materialise(relative).success
    first = set(current_files(area, LA))
    drop(cin_census)
    assert _materialise(relative, f"{LA}|cin_census").success
    second = set(current_files(area, LA))
    assert first and first < second
    assert any("cin_census" in rel for rel in second)
