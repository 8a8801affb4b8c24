"""What a materialisation records: the pipeline's own results, told as Dagster
metadata (counts, names and versions only — never a value from a file)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

import dagster as dg

from cld.engine.issues import Severity
from cld.pipeline.drop_zone import WaitingFile
from cld.pipeline.outputs.build import UseCaseOutput
from cld.pipeline.outputs.outputs_manifest import OutputsManifest, read_outputs_manifest
from cld.pipeline.outputs.summaries import CHILD_LEVEL as CHILD_LEVEL
from cld.pipeline.outputs.summaries import REPORT as REPORT
from cld.pipeline.retention import RetentionResult
from cld.pipeline.session import SessionResult

Metadata = dict[str, dg.MetadataValue[Any]]


def _name(file: str) -> str:
    """A file's name without the folder it was picked up from."""
    return PurePath(file).name


def session_metadata(
    result: SessionResult, *, policy_version: int, left: Sequence[WaitingFile]
) -> Metadata:
    """One session over an authority's waiting files of one dataset."""
    rows: dict[str, int] = {}
    issues = dict.fromkeys((str(s) for s in Severity), 0)
    for report in result.reports:
        for table, count in report.tables.items():
            rows[f"{report.year}/{table}"] = count  # a later file wins, as published
        for severity, count in report.counts.items():
            issues[severity] = issues.get(severity, 0) + count
    return {
        "session": dg.MetadataValue.text(result.session),
        "status": dg.MetadataValue.text(result.status.value),
        "files": dg.MetadataValue.json([_name(r.file) for r in result.reports]),
        "rows": dg.MetadataValue.json(rows),
        "issues": dg.MetadataValue.json(issues),
        "policy_version": dg.MetadataValue.int(policy_version),
        "use_cases": dg.MetadataValue.json(
            sorted({p.use_case for p in result.published})
        ),
        "published_tables": dg.MetadataValue.int(len(result.published)),
        "not_shared": dg.MetadataValue.json(
            {_name(file): why for file, why in sorted(result.notes.items())}
        ),
        "unchanged": dg.MetadataValue.json(
            {_name(file): since for file, since in sorted(result.unchanged.items())}
        ),
        "left_in_drop_zone": dg.MetadataValue.json([f.name for f in left]),
    }


def output_metadata(result: UseCaseOutput, kind: str) -> Metadata:
    """The child-level (pooled) or the report tables of one use case's build."""
    manifest = _manifest_of(result)
    tables = {n: t for n, t in sorted(result.tables.items()) if t.kind == kind}
    metadata: Metadata = {
        "rows": dg.MetadataValue.json({n: t.rows for n, t in tables.items()}),
        "dagster/row_count": dg.MetadataValue.int(sum(t.rows for t in tables.values())),
        "authorities": dg.MetadataValue.json(list(result.las)),
        "years": dg.MetadataValue.json(
            sorted({y for t in tables.values() for y in t.years})
        ),
        "policy_version": dg.MetadataValue.int(manifest.policy.version),
        "build": dg.MetadataValue.text(
            "rebuilt" if result.rebuilt else "kept (nothing new since the last build)"
        ),
        "folder": dg.MetadataValue.path(str(result.folder)),
    }
    if kind == REPORT:
        metadata["disclosure"] = dg.MetadataValue.text(manifest.disclosure.rule)
    return metadata


def output_version(result: UseCaseOutput) -> dg.DataVersion:
    """What the build depends on (its manifest's fingerprint): unchanged when the
    build was kept."""
    return dg.DataVersion(_manifest_of(result).fingerprint)


def _manifest_of(result: UseCaseOutput) -> OutputsManifest:
    manifest = read_outputs_manifest(result.folder)
    if manifest is None:
        raise FileNotFoundError(f"{result.folder} has no build manifest")
    return manifest


def retention_metadata(
    result: RetentionResult, *, day: dt.date, policy_version: int
) -> Metadata:
    return {
        "as_of": dg.MetadataValue.text(day.isoformat()),
        "policy_version": dg.MetadataValue.int(policy_version),
        "tables_deleted": dg.MetadataValue.int(len(result.tables)),
        "sessions_deleted": dg.MetadataValue.int(len(result.sessions)),
        "deleted": dg.MetadataValue.json(result.to_json()),
    }
