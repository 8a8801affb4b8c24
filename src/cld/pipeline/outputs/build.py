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
disclosure rule (:mod:`.fingerprints`). A table or report whose fingerprint is the
previous build's keeps that build's files (a report reads a kept table back from
its Parquet file), so a rebuild gives exactly the bytes a build from scratch would.

A build is three steps, each a module with typed inputs and outputs:
:mod:`.reuse` (what the previous build has that this one keeps), :mod:`.pool_step`
(pool the other tables, each once per run whichever use cases need it) and
:mod:`.report_step` (the reports); then the manifest (:mod:`.outputs_manifest`)
and the switch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import shutil
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path

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
from cld.pipeline.atomic import sha256_of
from cld.pipeline.data_area import BUILDS as BUILDS  # where its builds are kept
from cld.pipeline.data_area import DataArea
from cld.pipeline.outputs.fingerprints import build_fingerprint, table_fingerprint
from cld.pipeline.outputs.outputs_manifest import MANIFEST as MANIFEST
from cld.pipeline.outputs.outputs_manifest import (
    DisclosureStamp,
    OutputsManifest,
    PolicyStamp,
    read_outputs_manifest,
    write_outputs_manifest,
)
from cld.pipeline.outputs.pool_step import PoolInputs, pool_tables
from cld.pipeline.outputs.pooled import (
    READERS,
    PublishedFile,
    TableFiles,
    group_files,
    pool_by_authority,
)
from cld.pipeline.outputs.pooled_cache import PooledTableCache
from cld.pipeline.outputs.report_step import ReportInputs, make_reports
from cld.pipeline.outputs.reuse import PreviousBuild, reuse_tables
from cld.pipeline.outputs.summaries import CHILD_LEVEL, Seen
from cld.pipeline.outputs.summaries import LONDON as LONDON
from cld.pipeline.outputs.summaries import TableSummary as TableSummary
from cld.pipeline.outputs.writers import TableWriter, write_workbook
from cld.pipeline.publish import (
    holding_current,
    refresh_output,
    switch_snapshot,
)
from cld.pipeline.published_path import PublishedPath
from cld.pipeline.registry import Registry
from cld.pipeline.registry.store import PolicyVersion
from cld.pipeline.retention import collection_end
from cld.pipeline.snapshot_leases import held as snapshot_held

BUILDERS = 3
"""Use cases built side by side (each is independent of the others; most of the
work is in Polars, which releases the GIL)."""


@dataclass(frozen=True)
class UseCaseOutput:
    """What building one use case's outputs gave."""

    use_case: str
    folder: Path
    las: tuple[str, ...]
    tables: Mapping[str, TableSummary] = field(default_factory=dict)
    rebuilt: bool = True
    recomputed: tuple[str, ...] = ()
    """The tables (of :attr:`tables`) worked out afresh by this build; the others
    were kept from the previous build (all of them when it was not rebuilt)."""

    def to_json(self) -> dict[str, object]:
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

    def one(name: str) -> UseCaseOutput:
        spec = policy.use_cases[name]
        las = in_force[name]
        published = _published(spec, {la: held[la][1] for la in las}, day)
        snapshots = {
            la: snapshot.name if (snapshot := held[la][0]) else None for la in las
        }
        fingerprint = build_fingerprint(name, version.sha256, snapshots, published)
        link = refresh_output(area, name, BUILDS)  # from the store, if on one
        with snapshot_held(link) as last:  # kept while this build reads it
            previous = PreviousBuild(last, read_outputs_manifest(last))
            if previous.manifest and previous.manifest.fingerprint == fingerprint:
                return _kept(name, link, previous.manifest)
            stamp = OutputsManifest(
                use_case=name,
                title=spec.title,
                policy=PolicyStamp(version.version, version.sha256),
                disclosure=DisclosureStamp(
                    spec.disclosure, rule_named(spec.disclosure).description
                ),
                fingerprint=fingerprint,
                las=las,
                years=(),
                tables={},
                last_upload={la: uploads.get(la) for la in las},
                snapshots=snapshots,
            )
            return _build(area, link, spec, published, previous, stamp, cache)

    cache: PooledTableCache[TableSummary] = PooledTableCache(area.outputs / ".staging")
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(BUILDERS, len(names)))) as pool:
            running = {name: pool.submit(one, name) for name in names}
            return {name: build.result() for name, build in running.items()}
    finally:
        cache.close()


def _published(
    use_case: UseCase, files: Mapping[str, Mapping[str, Path]], day: dt.date
) -> list[PublishedFile]:
    """The files the authorities (``files``: LA → path under ``current/<LA>/``
    → file) have published for ``use_case`` that are inside its retention
    window on ``day``."""
    return [
        PublishedFile(la, where, path)
        for la, theirs in files.items()
        for rel, path in theirs.items()
        if (where := PublishedPath.parse(rel)) is not None
        and where.use_case == use_case.name
        and in_retention(use_case, where.dataset, where.year, day)
    ]


def _last_uploads(registry: Registry) -> dict[str, str]:
    latest: dict[str, str] = {}
    for record in registry.sessions():
        if record.status == "published":
            latest[record.la] = record.received_at.isoformat()
    return latest


def built_manifest(area: DataArea, use_case: str) -> OutputsManifest | None:
    """The manifest of the use case's last build (None: never built)."""
    link = refresh_output(area, use_case, BUILDS)  # from the store, if on one
    with snapshot_held(link) as last:
        return read_outputs_manifest(last)


def _kept(name: str, link: Path, manifest: OutputsManifest) -> UseCaseOutput:
    """The last build, standing: nothing it depends on has changed."""
    return UseCaseOutput(
        use_case=name,
        folder=link,
        las=manifest.las,
        tables=dict(manifest.tables),
        rebuilt=False,
    )


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


def _pool(
    group: TableFiles, kept: Mapping[str, object], parquet: Path, csv: Path
) -> TableSummary:
    """Pool one table a few authorities at a time into ``parquet`` and ``csv``."""
    seen = Seen()
    with TableWriter(parquet, csv) as out:
        for piece in pool_by_authority(group):
            trimmed = _trimmed(piece, kept)
            out.write(trimmed)
            seen.add(trimmed)
    return seen.summary(CHILD_LEVEL)


def _build(
    area: DataArea,
    link: Path,
    use_case: UseCase,
    published: list[PublishedFile],
    previous: PreviousBuild,
    stamp: OutputsManifest,
    cache: PooledTableCache[TableSummary],
) -> UseCaseOutput:
    """Build the use case's outputs from its ``published`` files, keeping what
    the ``previous`` build (held by the caller) has of exactly the same inputs;
    ``stamp``: the manifest, but for what the build holds. Until the final switch
    nothing of ``outputs/<use case>`` changes: a build that fails leaves the last
    one."""
    staging = area.outputs / ".staging" / f"{use_case.name}-{secrets.token_hex(4)}"
    staging.mkdir(parents=True)
    try:
        groups = [
            g
            for g in group_files(published, use_case.name, None)
            if use_case.kept(g.dataset, g.table)  # else the policy dropped it
        ]
        digests = _digests([path for g in groups for path in g.files.values()])
        fingerprints = {
            g.name: table_fingerprint(
                use_case.name,
                stamp.policy.sha256,
                g,
                use_case.kept(g.dataset, g.table),
                digests,
            )
            for g in groups
        }
        reuse = reuse_tables(groups, fingerprints, previous)
        tables = reuse.kept | pool_tables(
            reuse.to_make, PoolInputs(use_case, staging, digests, cache), _pool
        )
        reports = make_reports(
            ReportInputs(
                use_case=use_case.name,
                rule=rule_named(use_case.disclosure),
                rule_name=use_case.disclosure,
                fingerprints=fingerprints,
                pooled=tables.pooled,
                staging=staging,
            ),
            previous,
            workbook=write_workbook,  # the build's (looked up at each build)
        )
        built = tables | reports.tables
        manifest = replace(
            stamp,
            years=tuple(sorted({y for s in built.summaries.values() for y in s.years})),
            tables=built.summaries,
            table_fingerprints=fingerprints,
            reports=reports.entries,
        )
        files = {**built.files, MANIFEST: write_outputs_manifest(staging, manifest)}
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
        stamp.las,
        dict(built.summaries),
        rebuilt=True,
        recomputed=tuple(sorted(built.recomputed)),
    )
