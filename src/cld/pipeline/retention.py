"""Retention: delete what no use case may keep any longer, and record it.

- A published table (``current/<LA>/<use case>/<dataset>/<year>/<table>.parquet``)
  is kept for its use case's ``retention_years`` after the end of its collection
  year (31 March of the year; 31 December for a termly census, named by the
  calendar year of its census days), and deleted the day after. A use case that the
  policy no longer has keeps nothing.
- A session's archive (``sessions/<LA>/<session>/``) is kept, from the day it was
  received, for the longest retention period of the use cases it published to; a
  session that published nothing is kept for the policy's
  ``unshared_session_days`` (so its authority can read the issue report).

``apply_retention`` removes them (published tables through an atomic switch, like
any publication) and writes one ``retention_applied`` event listing everything.
It also removes what crashed uploads and sessions left in ``incoming/`` (raw
files; :mod:`cld.pipeline.leftovers`) that has not changed for a day, with a
``leftovers_removed`` event per kind saying how many files.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field

from cld.engine.spec.load import dataset_names, load_spec, year_range
from cld.governance.agreements import add_years
from cld.governance.policy import Policy
from cld.pipeline.data_area import DataArea
from cld.pipeline.leftovers import find_leftovers, remove_leftovers
from cld.pipeline.manifest import MANIFEST, read_session_manifest
from cld.pipeline.publish import current_files, la_lock, publish
from cld.pipeline.published_path import PublishedPath
from cld.pipeline.registry.audit_actions import AuditAction
from cld.pipeline.registry.store import Registry
from cld.pipeline.session_records import SessionManifest

LEFTOVER_AGE = dt.timedelta(days=1)
"""How long a leftover of a crashed upload or session is left before retention
removes it (no upload or session takes that long)."""


def collection_end(dataset: str, year: int) -> dt.date:
    if dataset in dataset_names() and load_spec(dataset, year_range(dataset)[-1]).terms:
        return dt.date(year, 12, 31)
    return dt.date(year, 3, 31)


@dataclass
class RetentionResult:
    tables: list[str] = field(default_factory=list)
    """Deleted published tables, as ``LA/use case/dataset/year/table.parquet``."""
    sessions: list[str] = field(default_factory=list)
    """Deleted session archives, as ``LA/session``."""
    leftovers: dict[str, int] = field(default_factory=dict)
    """Files of crashed uploads and sessions removed, per kind of leftover."""

    def to_json(self) -> dict[str, object]:
        return {
            "tables": self.tables,
            "sessions": self.sessions,
            "leftovers": self.leftovers,
        }


def table_expired(rel: str, policy: Policy, today: dt.date) -> bool:
    """Whether ``<use case>/<dataset>/<year>/<table>.parquet`` is past keeping."""
    table = PublishedPath.parse(rel)
    if table is None or table.use_case not in policy.use_cases:
        return True  # nothing in the policy allows keeping it
    keep = policy.use_cases[table.use_case].retention_years
    return add_years(collection_end(table.dataset, table.year), keep) < today


def session_expired(manifest: SessionManifest, policy: Policy, today: dt.date) -> bool:
    """Whether the session archive ``manifest`` describes is past keeping: kept
    from the day it was received for the longest period of the use cases it
    published to."""
    received = manifest.received_at.date()
    fed = {table.use_case for table in manifest.published}
    years = [policy.use_cases[u].retention_years for u in fed if u in policy.use_cases]
    if years:
        return add_years(received, max(years)) < today
    if fed:  # it fed only use cases the policy has since dropped
        return True
    return received + dt.timedelta(days=policy.unshared_session_days) < today


def apply_retention(
    area: DataArea,
    registry: Registry,
    *,
    today: dt.date,
    by: str,
    dry_run: bool = False,
) -> RetentionResult:
    """Delete every published table and session archive past its retention."""
    area.check()
    _, policy = registry.policy()
    result = RetentionResult()
    las = sorted(
        {
            name
            for folder in (area.current, area.sessions)
            for name in area.names(folder)
            if not name.startswith(".") and (folder / name).suffix == ""
        }
    )
    for la in las:
        with la_lock(area, la, registry.engine):
            expired = [
                rel
                for rel in current_files(area, la)
                if table_expired(rel, policy, today)
            ]
            if expired and not dry_run:
                publish(area, la, f"retention-{today:%Y%m%d}", remove=expired)
            result.tables.extend(f"{la}/{rel}" for rel in expired)
            folder = area.sessions / la
            for name in area.names(folder):
                session = folder / name
                if name.startswith("."):
                    continue
                try:
                    manifest = read_session_manifest(
                        area.fetch_file(session / MANIFEST).parent
                    )
                except (OSError, ValueError, KeyError):
                    continue  # not a finished session: never deleted blind
                if session_expired(manifest, policy, today):
                    if not dry_run:
                        shutil.rmtree(session, ignore_errors=True)
                        area.forget(session)
                        registry.mark_session(session.name, "deleted")
                    result.sessions.append(f"{la}/{session.name}")
    leftovers = find_leftovers(area, registry, older_than=LEFTOVER_AGE)
    if dry_run:
        for leftover in leftovers:
            result.leftovers[leftover.kind] = (
                result.leftovers.get(leftover.kind, 0) + leftover.files
            )
    else:
        result.leftovers = remove_leftovers(registry, leftovers, by=by)
        registry.record(
            AuditAction.RETENTION_APPLIED,
            by=by,
            detail={"today": today.isoformat(), **result.to_json()},
        )
    return result
