"""Governance actions that change data as well as the registry.

Withdrawing a DPA ends the authority's instructions for that use case: no session
sends it anything from then on, and the authority's published tables for it are
deleted at once (UK GDPR Art. 28(3)(g): delete at the end of the processing); the
session archives stay until retention removes them.
"""

from __future__ import annotations

import datetime as dt

from cld.governance.agreements import Agreement
from cld.pipeline.data_area import DataArea
from cld.pipeline.publish import current_files, la_lock, publish
from cld.pipeline.published_path import PublishedPath
from cld.pipeline.registry.audit_actions import AuditAction
from cld.pipeline.registry.store import Registry


def withdraw_agreement(
    area: DataArea,
    registry: Registry,
    la: str,
    use_case: str,
    *,
    on: dt.date,
    by: str,
    source: str | None = None,
) -> tuple[Agreement, list[str]]:
    """Withdraw ``la``'s agreement for ``use_case``; returns the agreement and the
    published tables deleted."""
    area.check()
    with la_lock(area, la, registry.engine):
        agreement = registry.withdraw(la, use_case, on=on, by=by, source=source)
        removed = [r for r in current_files(area, la) if r.startswith(use_case + "/")]
        if removed and on <= dt.date.today():
            publish(area, la, f"withdraw-{use_case}", remove=[use_case])
            registry.record(
                AuditAction.PUBLISHED_TABLES_DELETED,
                by=by,
                la=la,
                use_case=use_case,
                detail={"reason": "agreement withdrawn", "tables": removed},
                source=source,
            )
        else:
            removed = []
    return agreement, removed


def withdraw_year(
    area: DataArea,
    registry: Registry,
    la: str,
    dataset: str,
    year: int,
    *,
    by: str,
    table: str | None = None,
    source: str | None = None,
) -> list[str]:
    """Take ``la``'s published ``dataset`` tables for ``year`` (or only ``table``)
    out of every use case, on purpose: the only way a year's shared rows go
    before retention (a file with no rows never replaces them). Returns the
    published tables deleted; nothing is recorded when there were none."""
    area.check()
    with la_lock(area, la, registry.engine):
        removed = [
            rel
            for rel in current_files(area, la)
            if _is_table_of(rel, dataset, year, table)
        ]
        if removed:
            publish(area, la, f"withdraw-{dataset}-{year}", remove=removed)
            registry.record(
                AuditAction.PUBLISHED_TABLES_DELETED,
                by=by,
                la=la,
                detail={
                    "reason": "the authority withdrew a year's data",
                    "dataset": dataset,
                    "year": year,
                    "tables": removed,
                },
                source=source,
            )
    return removed


def _is_table_of(rel: str, dataset: str, year: int, table: str | None) -> bool:
    """Whether the published path ``rel`` (``<use case>/<dataset>/<year>/<table>
    .parquet``) is of ``dataset`` and ``year`` (and ``table``, if given)."""
    found = PublishedPath.parse(rel)
    return (
        found is not None
        and (found.dataset, found.year) == (dataset, year)
        and (table is None or found.table == table)
    )
