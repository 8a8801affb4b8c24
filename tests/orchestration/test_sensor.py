"""The drop-zone sensor: a run request per authority and dataset with files
waiting, keyed so the same files are never requested twice."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from cld.orchestration.assets import la_current_tables
from cld.orchestration.definitions import defs
from cld.orchestration.partitions import AUTHORITY_TAG
from cld.orchestration.resources import PlatformResource
from cld.orchestration.sensors import drop_zone_sensor
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry import Registry

LA = "CAM"
Drop = Callable[..., list[Path]]


@dataclass(frozen=True)
class Tick:
    requests: dict[str, dg.RunRequest]
    """By partition key."""
    skipped: str | None


def _tick(platform: PlatformResource, instance: dg.DagsterInstance) -> Tick:
    context = dg.build_sensor_context(
        instance=instance, resources={"platform": platform}, definitions=defs
    )
    data = drop_zone_sensor.evaluate_tick(context)
    requests = {str(r.partition_key): r for r in data.run_requests or []}
    return Tick(requests, data.skip_message)


def test_nothing_waiting_skips_with_a_reason(
    platform: PlatformResource, instance: dg.DagsterInstance
) -> None:
    tick = _tick(platform, instance)
    assert tick.requests == {}
    assert tick.skipped == "no return is waiting in any authority's drop zone"


def test_a_run_request_for_each_authority_and_dataset_waiting(
    platform: PlatformResource,
    instance: dg.DagsterInstance,
    drop: Drop,
    ssda903: list[Path],
    cin_census: list[Path],
) -> None:
    drop(ssda903 + cin_census)
    drop(cin_census, la="HAC")
    requests = _tick(platform, instance).requests
    assert set(requests) == {"CAM|cin_census", "CAM|ssda903", "HAC|cin_census"}
    config = requests["CAM|ssda903"].run_config["ops"]["la_current_tables"]
    assert config["config"]["files"] == [p.name for p in ssda903]
    assert len({r.run_key for r in requests.values()}) == 3


def test_the_same_files_get_the_same_run_key_and_new_ones_another(
    platform: PlatformResource,
    instance: dg.DagsterInstance,
    drop: Drop,
    cin_census: list[Path],
) -> None:
    def key() -> str | None:
        return _tick(platform, instance).requests[f"{LA}|cin_census"].run_key

    [dropped] = drop(cin_census)
    first = key()
    assert key() == first
    stat = dropped.stat()
    os.utime(dropped, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    dropped_again = key()
    assert dropped_again != first
    dropped.write_bytes(dropped.read_bytes().replace(b"<Header>", b"<Header> "))
    assert key() not in (first, dropped_again)


def test_a_file_that_is_no_return_stays_and_is_not_requested(
    area: DataArea,
    platform: PlatformResource,
    instance: dg.DagsterInstance,
    drop: Drop,
    tmp_path: Path,
) -> None:
    stray = tmp_path / "notes.csv"
    stray.write_text("a,b\n1,2\n")
    [left] = drop([stray])
    arriving = area.drop_zone(LA) / ".still-arriving.csv"
    arriving.write_text("partial")
    tick = _tick(platform, instance)
    assert tick.requests == {} and tick.skipped
    assert left.is_file() and arriving.is_file()


def test_a_partition_with_a_run_in_progress_waits_for_it(
    platform: PlatformResource,
    instance: dg.DagsterInstance,
    drop: Drop,
    cin_census: list[Path],
) -> None:
    drop(cin_census)
    instance.add_run(
        dg.DagsterRun(
            job_name="process_drop_zone",
            run_id="in-progress",
            status=dg.DagsterRunStatus.STARTED,
            tags={"dagster/partition": f"{LA}|cin_census"},
        )
    )
    tick = _tick(platform, instance)
    assert tick.requests == {}
    assert tick.skipped == f"waiting for the runs in progress of {LA}|cin_census"


def test_a_requested_run_processes_exactly_its_files(
    area: DataArea,
    registry: Registry,
    platform: PlatformResource,
    instance: dg.DagsterInstance,
    drop: Drop,
    ssda903: list[Path],
    cin_census: list[Path],
) -> None:
    drop(ssda903)
    request = _tick(platform, instance).requests[f"{LA}|ssda903"]
    later = drop(cin_census)
    result = dg.materialize(
        [la_current_tables],
        partition_key=request.partition_key,
        run_config=request.run_config,
        resources={"platform": platform},
        instance=instance,
    )
    assert result.success
    assert result.dagster_run.tags[AUTHORITY_TAG] == LA  # docs: concurrency limits
    assert [s.status for s in registry.sessions(LA)] == ["published"]
    assert sorted(area.drop_zone(LA).iterdir()) == later
