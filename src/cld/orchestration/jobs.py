"""The two jobs: processing what waits in the drop zone (one authority and dataset
per run), and the nightly rebuild of every output after retention."""

from __future__ import annotations

import dagster as dg

from cld.orchestration.assets import LA_CURRENT_TABLES, OUTPUTS, RETENTION

PROCESS_DROP_ZONE = dg.define_asset_job(
    "process_drop_zone",
    selection=dg.AssetSelection.assets(LA_CURRENT_TABLES),
    description=(
        "One session over an authority's returns of one dataset waiting in its "
        "drop zone."
    ),
)

NIGHTLY_OUTPUTS = dg.define_asset_job(
    "nightly_outputs",
    selection=dg.AssetSelection.assets(RETENTION, *OUTPUTS),
    description=(
        "Apply retention, then rebuild every use case's pooled tables and reports."
    ),
)
