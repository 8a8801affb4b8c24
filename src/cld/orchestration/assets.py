"""The assets: each a thin call into the pipeline function the CLI calls too.

- ``la_current_tables``, partitioned by authority × dataset: the authority's
  published tables of that dataset. Materialising a partition runs one session
  (:func:`~cld.pipeline.session.process_files`, as ``cld process``) over the
  authority's files of that dataset waiting in the drop zone, then takes them out
  of it.
- ``retention``: what the use cases' retention periods no longer allow, deleted
  (:func:`~cld.pipeline.retention.apply_retention`, as ``cld retention apply``).
- per use case, ``<use case>/pooled_tables`` (the pooled child-level tables) and
  ``<use case>/reports`` (its reports under disclosure control): both written by
  one :func:`~cld.pipeline.outputs.build.build_outputs` call (as ``cld outputs
  --use-case``), which switches the use case's folder in one step, so they are one
  multi-asset that cannot be split.
"""

# No `from __future__ import annotations` here: Dagster reads the types of the
# parameters (config, resources) when its decorators run.

import datetime as dt
from collections.abc import Iterator

import dagster as dg

from cld.governance.policy import default_policy
from cld.orchestration.metadata import (
    CHILD_LEVEL,
    REPORT,
    output_metadata,
    output_version,
    retention_metadata,
    session_metadata,
)
from cld.orchestration.partitions import AUTHORITY_DATASETS, authority_and_dataset
from cld.orchestration.resources import PlatformResource
from cld.pipeline.drop_zone import remove_processed, waiting_files
from cld.pipeline.outputs.build import build_outputs
from cld.pipeline.retention import apply_retention
from cld.pipeline.session import process_files

LA_CURRENT_TABLES = dg.AssetKey("la_current_tables")
RETENTION = dg.AssetKey("retention")
POOLED_TABLES = "pooled_tables"
REPORTS = "reports"


class DropZoneFiles(dg.Config):
    """Which waiting files a run processes."""

    files: list[str] = []
    """Their names in the authority's drop zone (the sensor lists them); empty:
    every file of the partition's dataset waiting there."""


@dg.asset(
    key=LA_CURRENT_TABLES,
    partitions_def=AUTHORITY_DATASETS,
    group_name="authorities",
    kinds={"parquet"},
    output_required=False,
)
def la_current_tables(
    context: dg.AssetExecutionContext,
    config: DropZoneFiles,
    platform: PlatformResource,
) -> Iterator[dg.MaterializeResult[None]]:
    """An authority's published tables of one dataset (``current/<LA>/``), from a
    session over its returns waiting in the drop zone (``incoming/new/<LA>/``).
    Nothing waiting: nothing is materialised."""
    la, dataset = authority_and_dataset(context.partition_key)
    key = platform.pseudonym_key()
    area, registry = platform.open()
    files = [
        f
        for f in waiting_files(area, la)
        if f.dataset == dataset and (not config.files or f.name in config.files)
    ]
    if not files:
        context.log.info(f"no {dataset} return of {la} is waiting in the drop zone")
        return
    result = process_files(
        area,
        registry,
        registry.authority(la),
        [f.path for f in files],
        by=platform.actor,
        key=key,
        on_stage=lambda stage: context.log.debug(f"session stage: {stage}"),
    )
    left = remove_processed(files, area)
    record = next(r for r in registry.sessions(la) if r.id == result.session)
    yield dg.MaterializeResult(
        metadata=session_metadata(
            result, policy_version=record.policy_version, left=left
        )
    )


@dg.asset(key=RETENTION, group_name="maintenance")
def retention(platform: PlatformResource) -> dg.MaterializeResult[None]:
    """Published tables and session archives past their use cases' retention,
    deleted and recorded in the registry."""
    area, registry = platform.open()
    day = dt.date.today()
    result = apply_retention(area, registry, today=day, by=platform.actor)
    version, _ = registry.policy()
    return dg.MaterializeResult(
        metadata=retention_metadata(result, day=day, policy_version=version.version)
    )


def use_case_outputs(use_case: str) -> dg.AssetsDefinition:
    """The two assets of ``use_case``'s build: its pooled tables, then its reports."""
    pooled = dg.AssetSpec(
        [use_case, POOLED_TABLES],
        deps=[LA_CURRENT_TABLES, RETENTION],
        group_name=use_case,
        kinds={"parquet", "csv"},
        description=(
            f"The {use_case} use case's pooled child-level tables "
            "(`<dataset>_<table>`): the published tables of every authority in "
            "force for it, all years within its retention, pooled on each "
            "dataset's keys."
        ),
    )
    reports = dg.AssetSpec(
        [use_case, REPORTS],
        deps=[pooled.key],
        group_name=use_case,
        kinds={"parquet", "csv", "xlsx"},
        description=(
            f"The {use_case} use case's reports, under its disclosure control."
        ),
    )

    @dg.multi_asset(name=f"{use_case}_outputs", specs=[pooled, reports])
    def build(platform: PlatformResource) -> Iterator[dg.MaterializeResult[None]]:
        area, registry = platform.open()
        result = build_outputs(area, registry, use_case=use_case)[use_case]
        version = output_version(result)
        for spec, kind in ((pooled, CHILD_LEVEL), (reports, REPORT)):
            yield dg.MaterializeResult(
                asset_key=spec.key,
                metadata=output_metadata(result, kind),
                data_version=version,
            )

    return build


def use_case_names() -> list[str]:
    """The use cases the platform ships (``governance/use_cases/*.yaml``)."""
    return sorted(default_policy().use_cases)


OUTPUTS = [use_case_outputs(name) for name in use_case_names()]
ASSETS = [la_current_tables, retention, *OUTPUTS]
