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
                "published_tables_deleted",
                by=by,
                la=la,
                use_case=use_case,
                detail={"reason": "agreement withdrawn", "tables": removed},
                source=source,
            )
        else:
            removed = []
    return agreement, removed
