"""The code location on a data area in an object store (S3 on moto, Azure Blob on
Azurite): returns dropped into the store's drop zone are processed by a partition
run, published through the store's pointer and taken out of the store's drop zone."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import fsspec
import pytest
from platform_builders import allow

from cld.orchestration.assets import la_current_tables
from cld.orchestration.resources import PlatformResource
from cld.pipeline.data_area import DataArea
from cld.pipeline.drop_zone import waiting_files
from cld.pipeline.registry import open_registry
from cld.pipeline.storage.mirror import POINTER

pytestmark = pytest.mark.slow


def test_a_partition_run_takes_its_files_from_the_stores_drop_zone(
    store_area: DataArea,
    ssda903: list[Path],
    cin_census: list[Path],
    pseudonym_key: str,
) -> None:
    registry = open_registry(store_area.registry_file)
    allow(registry, "CAM", "pan")
    fs, root = fsspec.core.url_to_fs(store_area.location)
    for path in ssda903 + cin_census:
        fs.put_file(str(path), f"{root}/incoming/new/CAM/{path.name}")
    waiting = waiting_files(store_area, "CAM")
    assert sorted(f.name for f in waiting) == sorted(
        p.name for p in ssda903 + cin_census
    )
    assert waiting == waiting_files(store_area, "CAM"), "a second look is not the same"

    platform = PlatformResource(data_area=store_area.location, actor="dagster-test")
    result = dg.materialize(
        [la_current_tables],
        partition_key="CAM|ssda903",
        resources={"platform": platform},
    )
    assert result.success
    fs.invalidate_cache()
    left = sorted(k.rsplit("/", 1)[-1] for k in fs.find(f"{root}/incoming/new/CAM"))
    assert left == [p.name for p in cin_census]
    pointer = json.loads(fs.cat_file(f"{root}/current/CAM/{POINTER}"))
    assert "pan/ssda903/2024/episodes.parquet" in pointer["files"]
    [session] = registry.sessions("CAM")
    assert fs.exists(f"{root}/sessions/CAM/{session.id}/manifest.json")
