"""The nightly schedule: retention, then every output rebuilt (an output nothing
new has reached since its last build is kept as it is)."""

from __future__ import annotations

import dagster as dg

from cld.orchestration.jobs import NIGHTLY_OUTPUTS

NIGHTLY = dg.ScheduleDefinition(
    name="nightly",
    job=NIGHTLY_OUTPUTS,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/London",
    description="At 02:00 London time: retention, then every use case's outputs.",
)
