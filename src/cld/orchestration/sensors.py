"""The drop-zone sensor: a run for each authority and dataset with returns
waiting in ``incoming/new/<LA>/``.

Each run request names the files and is keyed by a digest of their names, sha256
checksums and modification times, so the same files are never requested twice
(Dagster skips a run key it has seen): a run that failed is not retried until a
file changes or another arrives, and a file dropped again later, even unchanged,
is processed again. A partition with a run in progress waits for it, so a run
never takes files another run of the same authority is processing.
"""

# No `from __future__ import annotations` here: Dagster reads the types of the
# parameters (config, resources) when its decorators run.

import hashlib
from collections.abc import Sequence

import dagster as dg

from cld.orchestration.assets import LA_CURRENT_TABLES, DropZoneFiles
from cld.orchestration.jobs import PROCESS_DROP_ZONE
from cld.orchestration.partitions import AUTHORITY_CODES, partition_key
from cld.orchestration.resources import PlatformResource
from cld.pipeline.drop_zone import WaitingFile, waiting_files

PARTITION_TAG = "dagster/partition"
IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def run_key(la: str, dataset: str, files: Sequence[WaitingFile]) -> str:
    """The same files (names, contents and times written) give the same key."""
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.name):
        digest.update(f"{file.name}\0{file.sha256}\0{file.modified_ns}\n".encode())
    return f"{la}|{dataset}|{digest.hexdigest()}"


def partitions_in_progress(instance: dg.DagsterInstance) -> set[str]:
    """The partition keys of the runs queued or running."""
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS))
    return {run.tags[PARTITION_TAG] for run in runs if PARTITION_TAG in run.tags}


@dg.sensor(
    job=PROCESS_DROP_ZONE,
    minimum_interval_seconds=60,
    description="Processes the returns left in each authority's drop zone.",
)
def drop_zone_sensor(
    context: dg.SensorEvaluationContext, platform: PlatformResource
) -> dg.SensorResult | dg.SkipReason:
    area = platform.area()
    busy = partitions_in_progress(context.instance)
    requests, held = [], []
    for la in AUTHORITY_CODES:
        by_dataset: dict[str, list[WaitingFile]] = {}
        for file in waiting_files(area, la):
            if file.dataset is None:
                context.log.warning(
                    f"{la}: {file.name} stays in the drop zone: {file.problem}"
                )
                continue
            by_dataset.setdefault(file.dataset, []).append(file)
        for dataset, files in sorted(by_dataset.items()):
            key = partition_key(la, dataset)
            if key in busy:
                held.append(key)
                continue
            requests.append(
                dg.RunRequest(
                    run_key=run_key(la, dataset, files),
                    partition_key=key,
                    run_config=dg.RunConfig(
                        ops={
                            LA_CURRENT_TABLES.to_python_identifier(): DropZoneFiles(
                                files=[f.name for f in files]
                            )
                        }
                    ),
                )
            )
    if requests:
        return dg.SensorResult(run_requests=requests)
    if held:
        return dg.SkipReason(f"waiting for the runs in progress of {', '.join(held)}")
    return dg.SkipReason("no return is waiting in any authority's drop zone")
