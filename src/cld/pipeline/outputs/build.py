"""Building each use case's outputs: ``DIR/outputs/<use case>/``.

For a use case, the pooled tables of exactly the authorities whose agreement and
DPIA are in force on the day, within the use case's retention window, each with
``LA`` and ``YEAR`` columns; then its reports, protected by its disclosure rule;
then ``manifest.json``. A build is written beside the last one and switched in
atomically; when nothing it depends on has changed (the authorities' published
snapshots, the policy, the day's retention window) the last build stands, byte for
byte.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cld.engine.disclosure import rule_named
from cld.engine.pooling import (
    EPISODE_REPAIR,
    EPISODE_SOURCE,
    OPEN_IN_OLD_RETURN,
    YEAR_LATEST,
)
from cld.engine.transforms.derived import LA, YEAR
from cld.governance.agreements import add_years
from cld.governance.use_case import UseCase
from cld.pipeline.atomic import write_bytes_atomically
from cld.pipeline.data_area import DataArea
from cld.pipeline.outputs.pooled import TableFiles, group_files, pool_table
from cld.pipeline.outputs.reports import ReportTables, run_reports
from cld.pipeline.outputs.writers import write_csv, write_parquet, write_workbook
from cld.pipeline.publish import (
    current_files,
    current_snapshot,
    linked_snapshot,
    switch_snapshot,
)
from cld.pipeline.registry import Registry
from cld.pipeline.retention import collection_end

MANIFEST = "manifest.json"
LONDON = "London"
"""The row label of London totals in report tables (not an authority)."""
BUILDS = ".builds"
OUTPUTS_FORMAT = 1
"""Changes whenever the way outputs are built changes, so old builds are redone."""


@dataclass(frozen=True)
class TableSummary:
    rows: int
    las: tuple[str, ...]
    years: tuple[int, ...]
    kind: str
    """``child-level`` (pooled rows) or ``report`` (disclosure-controlled
    aggregates)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "las": list(self.las),
            "years": list(self.years),
            "kind": self.kind,
        }


@dataclass
class UseCaseOutput:
    use_case: str
    folder: Path
    las: tuple[str, ...]
    tables: dict[str, TableSummary] = field(default_factory=dict)
    rebuilt: bool = True

    def to_json(self) -> dict[str, Any]:
        """The entry of ``cld outputs --json``."""
        return {
            "tables": {
                name: {"rows": t.rows, "las": list(t.las)}
                for name, t in sorted(self.tables.items())
            }
        }


def in_retention(use_case: UseCase, dataset: str, year: int, today: dt.date) -> bool:
    return add_years(collection_end(dataset, year), use_case.retention_years) >= today


def build_outputs(
    area: DataArea,
    registry: Registry,
    *,
    use_case: str | None = None,
    today: dt.date | None = None,
) -> dict[str, UseCaseOutput]:
    """Build the outputs of ``use_case`` (every use case when None)."""
    area.check()
    day = today or dt.date.today()
    version, policy = registry.policy()
    names = [policy.use_case(use_case).name] if use_case else sorted(policy.use_cases)
    authorities = [a.code for a in registry.authorities()]
    permissions = registry.all_permissions(day)
    uploads = _last_uploads(registry)
    results = {}
    for name in names:
        spec = policy.use_cases[name]
        las = tuple(la for la in authorities if permissions[la].allows(name))
        published = [
            (la, rel, path)
            for la in las
            for rel, path in current_files(area, la).items()
            if _rel_in_retention(rel, spec, day)
        ]
        fingerprint = _fingerprint(name, version.sha256, las, area, published)
        link = area.outputs / name
        previous = _read_manifest(link)
        if previous is not None and previous.get("fingerprint") == fingerprint:
            results[name] = _from_manifest(name, link, previous)
            continue
        results[name] = _build(
            area,
            link,
            spec,
            las,
            published,
            manifest={
                "use_case": name,
                "title": spec.title,
                "policy": {"version": version.version, "sha256": version.sha256},
                "disclosure": {
                    "rule": spec.disclosure,
                    "description": rule_named(spec.disclosure).description,
                },
                "last_upload": {la: uploads.get(la) for la in las},
                "fingerprint": fingerprint,
            },
        )
    return results


def _rel_in_retention(rel: str, use_case: UseCase, day: dt.date) -> bool:
    parts = rel.split("/")
    return (
        len(parts) == 4
        and parts[0] == use_case.name
        and parts[2].isdigit()
        and in_retention(use_case, parts[1], int(parts[2]), day)
    )


def _fingerprint(
    name: str,
    policy_sha: str,
    las: tuple[str, ...],
    area: DataArea,
    published: list[tuple[str, str, Path]],
) -> str:
    """What a build depends on: the policy, the authorities in force, the snapshot
    each of them has published (a new upload is a new snapshot) and which of its
    files are inside the retention window today."""
    state = {
        "format": OUTPUTS_FORMAT,
        "use_case": name,
        "policy": policy_sha,
        "snapshots": {
            la: (snapshot.name if (snapshot := current_snapshot(area, la)) else None)
            for la in las
        },
        "files": sorted(f"{la}/{rel}" for la, rel, _ in published),
    }
    text = json.dumps(state, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _last_uploads(registry: Registry) -> dict[str, str]:
    latest: dict[str, str] = {}
    for record in registry.sessions():
        if record.status == "published":
            latest[record.la] = record.received_at.isoformat()
    return latest


def _read_manifest(link: Path) -> dict[str, Any] | None:
    snapshot = linked_snapshot(link)
    if snapshot is None or not (snapshot / MANIFEST).is_file():
        return None
    data: dict[str, Any] = json.loads((snapshot / MANIFEST).read_text("utf-8"))
    return data


def _from_manifest(name: str, link: Path, manifest: dict[str, Any]) -> UseCaseOutput:
    return UseCaseOutput(
        use_case=name,
        folder=link,
        las=tuple(manifest["las"]),
        tables={
            table: TableSummary(
                rows=t["rows"],
                las=tuple(t["las"]),
                years=tuple(t["years"]),
                kind=t["kind"],
            )
            for table, t in manifest["tables"].items()
        },
        rebuilt=False,
    )


def _summary(frame: pl.DataFrame, kind: str) -> TableSummary:
    las = (
        tuple(sorted(v for v in frame["LA"].unique().to_list() if v and v != LONDON))
        if "LA" in frame.columns
        else ()
    )
    years = (
        tuple(sorted(int(v) for v in frame["YEAR"].unique().to_list() if v is not None))
        if "YEAR" in frame.columns
        else ()
    )
    return TableSummary(rows=frame.height, las=las, years=years, kind=kind)


POOLING_COLUMNS = (
    LA,
    YEAR,
    YEAR_LATEST,
    EPISODE_REPAIR,
    EPISODE_SOURCE,
    OPEN_IN_OLD_RETURN,
)


def _trimmed(frame: pl.DataFrame, kept: Mapping[str, object]) -> pl.DataFrame:
    """Only the columns the policy in force keeps (a table published under an
    earlier version may have more), with the pooling's own columns."""
    return frame.select(c for c in frame.columns if c in kept or c in POOLING_COLUMNS)


def _build(
    area: DataArea,
    link: Path,
    use_case: UseCase,
    las: tuple[str, ...],
    published: list[tuple[str, str, Path]],
    *,
    manifest: dict[str, Any],
) -> UseCaseOutput:
    staging = area.outputs / ".staging" / f"{use_case.name}-{secrets.token_hex(4)}"
    staging.mkdir(parents=True)
    try:
        pooled: dict[str, pl.DataFrame] = {}
        groups: list[TableFiles] = group_files(published, use_case.name, None)
        summaries: dict[str, TableSummary] = {}
        for group in groups:
            kept = use_case.kept(group.dataset, group.table)
            if not kept:
                continue  # the policy in force no longer has the table
            name = f"{group.dataset}_{group.table}"
            frame = _trimmed(pool_table(group), kept)
            pooled[name] = frame
            write_parquet(frame, staging / f"{name}.parquet")
            write_csv(frame, staging / f"{name}.csv")
            summaries[name] = _summary(frame, "child-level")
        rule = rule_named(use_case.disclosure)
        reports: dict[str, ReportTables] = run_reports(use_case.name, pooled, rule)
        for report, tables in reports.items():
            for table, frame in tables.tables.items():
                name = f"{report}_{table}"
                write_parquet(frame, staging / f"{name}.parquet")
                write_csv(frame, staging / f"{name}.csv")
                summaries[name] = _summary(frame, "report")
            write_workbook(
                {t: f for t, f in tables.tables.items()},
                [*tables.notes, f"Disclosure control: {rule.description}"],
                staging / f"{report}.xlsx",
            )
        years = sorted({y for s in summaries.values() for y in s.years})
        complete = {
            **manifest,
            "las": list(las),
            "years": years,
            "tables": {n: s.to_json() for n, s in sorted(summaries.items())},
        }
        write_bytes_atomically(
            staging / MANIFEST,
            json.dumps(complete, indent=2, sort_keys=True, default=str).encode(),
        )
        files = {p.name: p for p in sorted(staging.iterdir())}
        switch_snapshot(
            link,
            area.outputs / BUILDS / use_case.name,
            use_case.name,
            add=files,
            keep=False,
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            staging.parent.rmdir()  # only when no other build is staging
    return UseCaseOutput(use_case.name, link, las, summaries, rebuilt=True)
