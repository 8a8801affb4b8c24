"""The nightly schedule: retention, then every output, at 02:00 London time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from cld.orchestration.definitions import defs
from cld.orchestration.resources import PlatformResource
from cld.orchestration.schedules import NIGHTLY
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry import Registry


def test_the_schedule_asks_for_the_nightly_job_at_two_in_london(
    instance: dg.DagsterInstance,
) -> None:
    assert NIGHTLY.cron_schedule == "0 2 * * *"
    assert NIGHTLY.execution_timezone == "Europe/London"
    assert NIGHTLY.job_name == "nightly_outputs"
    at = dt.datetime(2026, 7, 1, 2, 0, tzinfo=ZoneInfo("Europe/London"))
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=at)
    [request] = NIGHTLY.evaluate_tick(context).run_requests or []
    assert request.partition_key is None  # every authority at once


def test_the_nightly_job_applies_retention_then_builds_every_output(
    area: DataArea,
    registry: Registry,
    platform_env: PlatformResource,
    instance: dg.DagsterInstance,
) -> None:
    job = defs.resolve_job_def("nightly_outputs")
    result = job.execute_in_process(instance=instance)
    assert result.success
    done = [e.asset_key for e in result.get_asset_materialization_events()]
    assert done[0] == dg.AssetKey("retention")
    assert set(done[1:]) == {
        dg.AssetKey([use_case, part])
        for use_case in ("equalities", "pan", "sufficiency")
        for part in ("pooled_tables", "reports")
    }
    assert len(registry.events(action="retention_applied")) == 1
    assert {p.name for p in area.outputs.iterdir() if not p.name.startswith(".")} == {
        "equalities",
        "pan",
        "sufficiency",
    }
