"""The demo's governance: a realistic mix of signed and unsigned agreements.

Most authorities share for pan-London benchmarking, fewer for sufficiency and
equalities; some have signed but their DPIA is not yet approved (so nothing flows),
and some have signed nothing. The mix is fixed by each authority's place in the
list, so every demo run is the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cld.governance.agreements import DpiaStatus
from cld.governance.authorities import Authority
from cld.pipeline.registry import Registry

MIX: tuple[tuple[tuple[str, ...], DpiaStatus], ...] = (
    (("pan", "sufficiency", "equalities"), DpiaStatus.APPROVED),
    (("pan", "sufficiency"), DpiaStatus.APPROVED),
    (("pan",), DpiaStatus.APPROVED),
    (("pan", "equalities"), DpiaStatus.APPROVED),
    (("pan", "sufficiency", "equalities"), DpiaStatus.APPROVED),
    (("pan", "sufficiency"), DpiaStatus.SUBMITTED),
    ((), DpiaStatus.NOT_STARTED),
)
"""What the n-th authority has done, cycling: use cases signed and its DPIA."""


def sign_demo_agreements(
    registry: Registry, authorities: Sequence[Authority], *, on: dt.date
) -> dict[str, tuple[str, ...]]:
    """Record the demo's agreements and DPIAs; returns each authority's use cases
    in force."""
    flowing: dict[str, tuple[str, ...]] = {}
    for number, authority in enumerate(authorities):
        use_cases, dpia = MIX[number % len(MIX)]
        for name in use_cases:
            registry.sign(
                authority.code,
                name,
                on=on,
                by="demo",
                signatory=f"Data Protection Officer, {authority.name}",
                role="Data Protection Officer",
            )
        if use_cases:
            registry.set_dpia(
                authority.code,
                status=dpia,
                covers=frozenset(use_cases),
                reviewer="IG reviewer (demo)" if dpia == DpiaStatus.APPROVED else None,
                on=on,
                by="demo",
            )
        flowing[authority.code] = use_cases if dpia == DpiaStatus.APPROVED else ()
    return flowing
