""" "What left our borough": the tables an authority has published to each use
case (``current/<LA>``), with the columns, row counts, session and policy version
each came from (the sessions' manifests)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from cld.pipeline.data_area import DataArea
from cld.pipeline.manifest import MANIFEST, read_session_manifest
from cld.pipeline.publish import current_files
from cld.pipeline.registry import Registry


@dataclass(frozen=True)
class SharedTable:
    use_case: str
    dataset: str
    year: int
    table: str
    rows: int
    children: int | None
    columns: tuple[str, ...]
    session: str
    published_at: str
    policy_version: int


def shared_tables(
    area: DataArea, registry: Registry, la: str
) -> dict[str, list[SharedTable]]:
    """Per use case, the tables of ``la`` published now: each from the latest
    session that published it."""
    published = current_files(area, la)
    latest: dict[str, SharedTable] = {}
    for session in registry.sessions(la):
        folder = area.session_dir(la, session.id)
        if not area.fetch_file(folder / MANIFEST).is_file():
            continue
        manifest = read_session_manifest(folder)
        policy_version = (
            session.policy_version
            if manifest.under is None
            else manifest.under.policy_version
        )
        for table in manifest.published:
            if table.path in published:
                latest[table.path] = SharedTable(
                    use_case=table.use_case,
                    dataset=table.dataset,
                    year=table.year,
                    table=table.table,
                    rows=table.rows,
                    children=table.children,
                    columns=table.columns,
                    session=session.id,
                    published_at=manifest.finished_at.isoformat(),
                    policy_version=policy_version,
                )
    by_use_case: dict[str, list[SharedTable]] = defaultdict(list)
    for path in sorted(latest):
        by_use_case[latest[path].use_case].append(latest[path])
    return dict(sorted(by_use_case.items()))
