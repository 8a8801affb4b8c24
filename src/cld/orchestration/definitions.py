"""The code location: ``dagster dev -m cld.orchestration.definitions``."""

from __future__ import annotations

import dagster as dg

from cld.orchestration.assets import ASSETS
from cld.orchestration.jobs import NIGHTLY_OUTPUTS, PROCESS_DROP_ZONE
from cld.orchestration.resources import platform_from_environment
from cld.orchestration.schedules import NIGHTLY
from cld.orchestration.sensors import drop_zone_sensor

defs = dg.Definitions(
    assets=ASSETS,
    jobs=[PROCESS_DROP_ZONE, NIGHTLY_OUTPUTS],
    sensors=[drop_zone_sensor],
    schedules=[NIGHTLY],
    resources={"platform": platform_from_environment()},
)
