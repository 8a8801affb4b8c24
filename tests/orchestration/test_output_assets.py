"""The outputs: each use case's pooled tables and reports from one
``build_outputs`` call, and retention before them (the nightly job)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from cld.orchestration.assets import OUTPUTS, la_current_tables, retention
from cld.orchestration.resources import PlatformResource
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry import Registry

LA = "CAM"
POOLED = dg.AssetKey(["pan", "pooled_tables"])
REPORTS = dg.AssetKey(["pan", "reports"])
DATA_VERSION = "dagster/data_version"


def _materialisations(
    result: dg.ExecuteInProcessResult,
) -> dict[dg.AssetKey, dg.AssetMaterialization]:
    events = result.get_asset_materialization_events()
    return {
        e.asset_key: e.step_materialization_data.materialization
        for e in events
        if e.asset_key is not None
    }


def _values(materialisation: dg.AssetMaterialization) -> dict[str, Any]:
    return {k: v.value for k, v in materialisation.metadata.items()}


def _version(materialisation: dg.AssetMaterialization) -> str:
    assert materialisation.tags is not None
    return materialisation.tags[DATA_VERSION]


def test_outputs_are_built_with_their_metadata_and_kept_when_nothing_is_new(
    area: DataArea,
    platform: PlatformResource,
    drop: Callable[..., list[Path]],
    ssda903: list[Path],
) -> None:
    drop(ssda903)
    resources = {"platform": platform}
    assert dg.materialize(
        [la_current_tables], partition_key=f"{LA}|ssda903", resources=resources
    ).success
    built = _materialisations(dg.materialize(OUTPUTS, resources=resources))
    assert set(built) == {
        dg.AssetKey([use_case, part])
        for use_case in ("equalities", "pan", "sufficiency")
        for part in ("pooled_tables", "reports")
    }
    pan = area.outputs / "pan"
    pooled = _values(built[POOLED])
    assert pooled["authorities"] == [LA] and pooled["years"] == [2024]
    episodes = pl.read_parquet(pan / "ssda903_episodes.parquet")
    assert pooled["rows"]["ssda903_episodes"] == episodes.height
    assert set(pooled["rows"]) == {p.stem for p in pan.glob("ssda903_*.parquet")}
    assert pooled["policy_version"] == 1 and pooled["build"] == "rebuilt"
    reports = _values(built[REPORTS])
    assert set(reports["rows"]) == {p.stem for p in pan.glob("pan_*.parquet")}
    assert reports["disclosure"] and reports["policy_version"] == 1
    equalities = _values(built[dg.AssetKey(["equalities", "pooled_tables"])])
    assert equalities["authorities"] == []  # CAM has not signed for it
    kept = _materialisations(dg.materialize(OUTPUTS, resources=resources))
    assert _values(kept[POOLED])["build"].startswith("kept")
    assert _version(kept[POOLED]) == _version(built[POOLED])


def test_retention_is_applied_and_recorded(
    registry: Registry, platform: PlatformResource
) -> None:
    result = dg.materialize([retention], resources={"platform": platform})
    assert result.success
    [materialisation] = result.asset_materializations_for_node("retention")
    values = _values(materialisation)
    assert values["tables_deleted"] == 0 and values["sessions_deleted"] == 0
    assert values["policy_version"] == 1
    [event] = registry.events(action="retention_applied")
    assert event.actor == "dagster-test"
