"""A benchmark's platform: a data area whose registry is the embedded SQLite one
(whatever ``DATABASE_URL`` says), with every use case signed and an approved DPIA
for each authority benchmarked, and the collection years to make returns for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import insert

from cld.governance.agreements import DpiaStatus
from cld.governance.authorities import Authority
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry import Registry, open_registry
from cld.pipeline.registry import tables as t
from cld.pipeline.registry.audit import append_event
from cld.pipeline.registry.audit_actions import AuditAction
from cld.pipeline.registry.store import authority_rows

BY = "bench"
LAST_YEAR = 2026
"""The last collection year every benchmarked dataset has a schema for."""


def collection_years(count: int, today: dt.date | None = None) -> list[int]:
    """The last ``count`` collection years ended by ``today`` (at most
    :data:`LAST_YEAR`), oldest first."""
    day = today or dt.date.today()
    last = min(day.year if day.month > 3 else day.year - 1, LAST_YEAR)
    return list(range(last - count + 1, last + 1))


def open_platform(
    folder: Path, authorities: Sequence[Authority]
) -> tuple[DataArea, Registry]:
    """Make the data area ``folder`` and its registry; add those of
    ``authorities`` the registry does not know, then sign every use case for each
    and approve its DPIA, as of yesterday."""
    area = DataArea(folder)
    area.create()
    registry = open_registry(area.registry_file, must_exist=False, embedded=True)
    registry.create(by=BY)
    add_authorities(registry, authorities)
    _, policy = registry.policy()
    signed_on = dt.date.today() - dt.timedelta(days=1)
    for authority in authorities:
        for name in policy.use_cases:
            registry.sign(authority.code, name, on=signed_on, by=BY)
        registry.set_dpia(
            authority.code,
            status=DpiaStatus.APPROVED,
            covers=frozenset(policy.use_cases),
            on=signed_on,
            by=BY,
        )
    return area, registry


def add_authorities(registry: Registry, authorities: Sequence[Authority]) -> int:
    """Add to the registry the authorities of ``authorities`` it does not know
    (benchmark data areas only: the platform's are London's), in one transaction
    with its event; return how many were added."""
    known = {a.code for a in registry.authorities()}
    new = [a for a in authorities if a.code not in known]
    if not new:
        return 0
    with registry.engine.begin() as db:
        db.execute(insert(t.authorities), authority_rows(new))
        append_event(
            db,
            AuditAction.BENCHMARK_AUTHORITIES_ADDED,
            by=BY,
            detail={"authorities": [a.code for a in new]},
        )
    return len(new)
