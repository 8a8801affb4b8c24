"""Building each use case's outputs: ``DIR/outputs/<use case>/``.

For a use case, the pooled tables of exactly the authorities whose agreement and
DPIA are in force on the day, within the use case's retention window, each with
``LA`` and ``YEAR`` columns; then its reports, protected by its disclosure rule;
then ``manifest.json``. A build is written beside the last one and switched in
atomically; when nothing it depends on has changed (the authorities' published
snapshots, the policy, the day's retention window) the last build stands, byte for
byte.

When something has changed, only what depends on it is recomputed. Each pooled
table has a fingerprint of its inputs (the use case, the policy, the columns kept,
and the path and content checksum of every authority's file it pools); each report
one of the fingerprints of the pooled tables it declares (:mod:`.reports`) and the
disclosure rule. A table or report whose fingerprint is the previous build's keeps
that build's files (a report reads a kept table back from its Parquet file), so a
rebuild gives exactly the bytes a build from scratch would.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import secrets
import shutil
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from itertools import chain
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
from cld.governance.policy import Policy
from cld.governance.use_case import UseCase
from cld.pipeline.atomic import sha256_of, write_bytes_atomically
from cld.pipeline.data_area import BUILDS as BUILDS  # where its builds are kept
from cld.pipeline.data_area import DataArea
from cld.pipeline.outputs.pooled import (
    READERS,
    TableFiles,
    group_files,
    pool_by_authority,
)
from cld.pipeline.outputs.reports import Report, reports_of, run_report_by_authority
from cld.pipeline.outputs.shared import PooledOnce, content_key
from cld.pipeline.outputs.writers import (
    TableWriter,
    write_csv,
    write_parquet,
    write_workbook,
)
from cld.pipeline.publish import (
    holding_current,
    refresh_output,
    switch_snapshot,
)
from cld.pipeline.registry import Registry
from cld.pipeline.registry.store import PolicyVersion
from cld.pipeline.retention import collection_end
from cld.pipeline.snapshot_leases import held as snapshot_held

MANIFEST = "manifest.json"
LONDON = "London"
"""The row label of London totals in report tables (not an authority)."""
BUILDERS = 3
"""Use cases built side by side (each is independent of the others; most of the
work is in Polars, which releases the GIL)."""
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
    recomputed: tuple[str, ...] = ()
    """The tables (of :attr:`tables`) worked out afresh by this build; the others
    were kept from the previous build (all of them when it was not rebuilt)."""

    @property
    def reused(self) -> tuple[str, ...]:
        """The tables kept, unchanged, from the previous build."""
        return tuple(sorted(set(self.tables) - set(self.recomputed)))

    def to_json(self) -> dict[str, Any]:
        """The entry of ``cld outputs --json``."""
        return {
            "tables": {
                name: {"rows": t.rows, "las": list(t.las)}
                for name, t in sorted(self.tables.items())
            },
            "rebuilt": self.rebuilt,
            "recomputed": list(self.recomputed),
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
    in_effect = registry.policy()
    policy = in_effect[1]
    names = [policy.use_case(use_case).name] if use_case else sorted(policy.use_cases)
    authorities = [a.code for a in registry.authorities()]
    permissions = registry.all_permissions(day)
    in_force = {
        name: tuple(la for la in authorities if permissions[la].allows(name))
        for name in names
    }
    with ExitStack() as readers:
        # every authority's snapshot, held until every build is done: a session
        # publishing meanwhile makes a new one and leaves these to be read
        held = {
            la: readers.enter_context(holding_current(area, la))
            for la in sorted({*chain(*in_force.values())})
        }
        return _build_each(area, registry, in_effect, in_force, held, day)


def _build_each(
    area: DataArea,
    registry: Registry,
    in_effect: tuple[PolicyVersion, Policy],
    in_force: dict[str, tuple[str, ...]],
    held: dict[str, tuple[Path | None, dict[str, Path]]],
    day: dt.date,
) -> dict[str, UseCaseOutput]:
    """Build each use case of ``in_force`` side by side (under the policy
    ``in_effect``) from the ``held`` snapshots of the authorities in force for
    it."""
    version, policy = in_effect
    names = list(in_force)
    uploads = _last_uploads(registry)
    snapshots = {la: snapshot for la, (snapshot, _) in held.items()}

    def one(name: str) -> UseCaseOutput:
        spec = policy.use_cases[name]
        las = in_force[name]
        published = [
            (la, rel, path)
            for la in las
            for rel, path in held[la][1].items()
            if _rel_in_retention(rel, spec, day)
        ]
        fingerprint = _fingerprint(name, version.sha256, las, snapshots, published)
        link = refresh_output(area, name, BUILDS)  # from the store, if on one
        with snapshot_held(link) as last:  # kept while this build reads it
            previous = _read_manifest(last)
            if previous is not None and previous.get("fingerprint") == fingerprint:
                return _from_manifest(name, link, previous)
            return _build(
                area,
                link,
                spec,
                las,
                published,
                policy_sha=version.sha256,
                previous=previous,
                last=last,
                manifest={
                    "use_case": name,
                    "title": spec.title,
                    "policy": {"version": version.version, "sha256": version.sha256},
                    "disclosure": {
                        "rule": spec.disclosure,
                        "description": rule_named(spec.disclosure).description,
                    },
                    "last_upload": {la: uploads.get(la) for la in las},
                    "snapshots": {
                        la: snapshot.name if (snapshot := snapshots[la]) else None
                        for la in las
                    },
                    "fingerprint": fingerprint,
                },
                shared=shared,
            )

    shared: PooledOnce[TableSummary] = PooledOnce(area.outputs / ".staging")
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(BUILDERS, len(names)))) as pool:
            running = {name: pool.submit(one, name) for name in names}
            return {name: build.result() for name, build in running.items()}
    finally:
        shared.close()


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
    snapshots: Mapping[str, Path | None],
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
            la: (snapshot.name if (snapshot := snapshots[la]) else None) for la in las
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


def built_manifest(area: DataArea, use_case: str) -> dict[str, Any] | None:
    """The manifest of the use case's last build (None: never built)."""
    link = refresh_output(area, use_case, BUILDS)  # from the store, if on one
    with snapshot_held(link) as last:
        return _read_manifest(last)


def _read_manifest(snapshot: Path | None) -> dict[str, Any] | None:
    """The manifest of the build ``snapshot`` (None when there is none)."""
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


class _Seen:
    """The rows, authorities and years of a table, gathered piece by piece."""

    def __init__(self) -> None:
        self.rows = 0
        self.las: set[str] = set()
        self.years: set[int] = set()

    def add(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        if "LA" in frame.columns:
            self.las.update(
                v for v in frame["LA"].unique().to_list() if v and v != LONDON
            )
        if "YEAR" in frame.columns:
            self.years.update(
                int(v) for v in frame["YEAR"].unique().to_list() if v is not None
            )

    def summary(self, kind: str) -> TableSummary:
        return TableSummary(
            rows=self.rows,
            las=tuple(sorted(self.las)),
            years=tuple(sorted(self.years)),
            kind=kind,
        )


def _summary(frame: pl.DataFrame, kind: str) -> TableSummary:
    seen = _Seen()
    seen.add(frame)
    return seen.summary(kind)


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


def _digests(paths: list[Path]) -> dict[Path, str]:
    """The sha256 of each file's content (read in parallel)."""
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        return dict(zip(paths, pool.map(sha256_of, paths), strict=True))


def _hash(state: dict[str, Any]) -> str:
    text = json.dumps(state, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _table_fingerprint(
    use_case: str,
    policy_sha: str,
    group: TableFiles,
    kept: Mapping[str, object],
    digests: Mapping[Path, str],
) -> str:
    """What one pooled table is made of: the use case, the policy, the columns
    kept, and each authority's file it pools (where it is published and its
    content)."""
    return _hash(
        {
            "format": OUTPUTS_FORMAT,
            "use_case": use_case,
            "policy": policy_sha,
            "table": f"{group.dataset}_{group.table}",
            "kept": sorted(kept),
            "files": {
                f"{la}/{use_case}/{group.dataset}/{year}/{group.table}.parquet": (
                    digests[path]
                )
                for (la, year), path in sorted(group.files.items())
            },
        }
    )


def _report_fingerprint(
    report: Report, tables: Mapping[str, str], rule: str, description: str
) -> str:
    """What one report is made of: the fingerprints of the pooled tables it
    reads (None for one not built) and the disclosure rule."""
    return _hash(
        {
            "format": OUTPUTS_FORMAT,
            "report": report.name,
            "tables": {name: tables.get(name) for name in report.reads},
            "disclosure": {"rule": rule, "description": description},
        }
    )


class _Previous:
    """What the previous build of the use case holds that this one may keep."""

    def __init__(self, folder: Path | None, manifest: dict[str, Any] | None) -> None:
        self.folder = folder if manifest is not None else None
        self.manifest = manifest or {}
        self.tables: dict[str, Any] = self.manifest.get("tables") or {}
        self.pooled: dict[str, Any] = self.manifest.get("table_fingerprints") or {}
        self.reports: dict[str, Any] = self.manifest.get("reports") or {}

    def _files(self, names: list[str]) -> dict[str, Path] | None:
        if self.folder is None:
            return None
        found = {name: self.folder / name for name in names}
        return found if all(path.is_file() for path in found.values()) else None

    def table(self, name: str, fingerprint: str) -> dict[str, Path] | None:
        """The previous build's files of pooled table ``name`` when it was made
        of exactly the same inputs, else None."""
        if self.pooled.get(name) != fingerprint or name not in self.tables:
            return None
        return self._files([f"{name}.parquet", f"{name}.csv"])

    def report(
        self, name: str, fingerprint: str
    ) -> tuple[list[str], dict[str, Path]] | None:
        """The previous build's tables and files of report ``name`` when it was
        made of exactly the same inputs, else None."""
        entry = self.reports.get(name)
        if not isinstance(entry, dict) or entry.get("fingerprint") != fingerprint:
            return None
        tables = [str(t) for t in entry.get("tables") or []]
        if any(t not in self.tables for t in tables):
            return None
        names = [f"{t}.{suffix}" for t in tables for suffix in ("parquet", "csv")]
        files = self._files([*names, f"{name}.xlsx"] if tables else names)
        return None if files is None else (tables, files)

    def summary(self, name: str) -> TableSummary:
        t = self.tables[name]
        return TableSummary(
            rows=t["rows"], las=tuple(t["las"]), years=tuple(t["years"]), kind=t["kind"]
        )


def _pool(
    group: TableFiles, kept: Mapping[str, object], parquet: Path, csv: Path
) -> TableSummary:
    """Pool one table a few authorities at a time into ``parquet`` and ``csv``."""
    seen = _Seen()
    with TableWriter(parquet, csv) as out:
        for piece in pool_by_authority(group):
            trimmed = _trimmed(piece, kept)
            out.write(trimmed)
            seen.add(trimmed)
    return seen.summary("child-level")


def _build(
    area: DataArea,
    link: Path,
    use_case: UseCase,
    las: tuple[str, ...],
    published: list[tuple[str, str, Path]],
    *,
    policy_sha: str,
    previous: dict[str, Any] | None,
    last: Path | None,
    manifest: dict[str, Any],
    shared: PooledOnce[TableSummary],
) -> UseCaseOutput:
    """Build the use case's outputs, recomputing only the tables and reports
    whose inputs differ from the previous build's (``last``, held by the caller;
    ``previous``: its manifest). Until the final switch nothing of
    ``outputs/<use case>`` changes: a build that fails leaves the last one."""
    before = _Previous(last, previous)
    staging = area.outputs / ".staging" / f"{use_case.name}-{secrets.token_hex(4)}"
    staging.mkdir(parents=True)
    try:
        files: dict[str, Path] = {}  # the build's: in staging, or kept from before
        pooled: dict[str, Path] = {}  # each pooled table's Parquet file
        fingerprints: dict[str, str] = {}
        summaries: dict[str, TableSummary] = {}
        recomputed: list[str] = []
        groups: list[TableFiles] = [
            g
            for g in group_files(published, use_case.name, None)
            if use_case.kept(g.dataset, g.table)  # else the policy dropped it
        ]
        digests = _digests([path for g in groups for path in g.files.values()])
        to_make: list[TableFiles] = []
        for group in groups:
            kept = use_case.kept(group.dataset, group.table)
            name = f"{group.dataset}_{group.table}"
            fingerprint = _table_fingerprint(
                use_case.name, policy_sha, group, kept, digests
            )
            fingerprints[name] = fingerprint
            reusable = before.table(name, fingerprint)
            if reusable is None:
                to_make.append(group)
                continue
            files.update(reusable)
            pooled[name] = reusable[f"{name}.parquet"]
            summaries[name] = before.summary(name)

        def make(group: TableFiles, wait: bool) -> bool:
            kept = use_case.kept(group.dataset, group.table)
            name = f"{group.dataset}_{group.table}"
            parquet, csv = staging / f"{name}.parquet", staging / f"{name}.csv"
            summary = shared.table(
                content_key(
                    group.dataset,
                    group.table,
                    kept,
                    {where: digests[path] for where, path in group.files.items()},
                    version=OUTPUTS_FORMAT,
                ),
                [parquet, csv],
                partial(_pool, group, kept, parquet, csv),
                wait=wait,
            )
            if summary is None:
                return False
            summaries[name] = summary
            files[f"{name}.parquet"], files[f"{name}.csv"] = parquet, csv
            recomputed.append(name)
            pooled[name] = parquet  # the reports read it back
            return True

        for wait in (False, True):  # a table another use case is making: last
            to_make = [group for group in to_make if not make(group, wait)]
        rule = rule_named(use_case.disclosure)
        reports: dict[str, dict[str, Any]] = {}
        for report in reports_of(use_case.name):
            fingerprint = _report_fingerprint(
                report, fingerprints, use_case.disclosure, rule.description
            )
            kept_report = before.report(report.name, fingerprint)
            if kept_report is not None:
                names, kept_files = kept_report
                files.update(kept_files)
                summaries.update({n: before.summary(n) for n in names})
                reports[report.name] = {"fingerprint": fingerprint, "tables": names}
                continue
            tables = run_report_by_authority(report, pooled, rule)
            names = []
            if tables is not None:
                for table, frame in tables.tables.items():
                    name = f"{report.name}_{table}"
                    for suffix, write in (
                        ("parquet", write_parquet),
                        ("csv", write_csv),
                    ):
                        files[f"{name}.{suffix}"] = write(
                            frame, staging / f"{name}.{suffix}"
                        )
                    summaries[name] = _summary(frame, "report")
                    names.append(name)
                files[f"{report.name}.xlsx"] = write_workbook(
                    {t: f for t, f in tables.tables.items()},
                    [*tables.notes, f"Disclosure control: {rule.description}"],
                    staging / f"{report.name}.xlsx",
                )
            reports[report.name] = {"fingerprint": fingerprint, "tables": names}
            recomputed.extend(names)
        years = sorted({y for s in summaries.values() for y in s.years})
        complete = {
            **manifest,
            "las": list(las),
            "years": years,
            "tables": {n: s.to_json() for n, s in sorted(summaries.items())},
            "table_fingerprints": dict(sorted(fingerprints.items())),
            "reports": reports,
        }
        files[MANIFEST] = write_bytes_atomically(
            staging / MANIFEST,
            json.dumps(complete, indent=2, sort_keys=True, default=str).encode(),
        )
        switch_snapshot(
            link,
            area.outputs / BUILDS / use_case.name,
            use_case.name,
            add=dict(sorted(files.items())),
            keep=False,
            remote=area.remote,
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            staging.parent.rmdir()  # only when no other build is staging
    return UseCaseOutput(
        use_case.name,
        link,
        las,
        summaries,
        rebuilt=True,
        recomputed=tuple(sorted(recomputed)),
    )
