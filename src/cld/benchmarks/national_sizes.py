"""How many children each of the 153 authorities has in ``cld bench --national``.

England has about 80,000 children looked after and 400,000 children in need a year
(DfE, at 31 March), spread very unevenly: a few county and city authorities have
ten or twenty times as many as the smallest. No table of authorities' sizes is on
disk, so the spread is a fixed draw (the same every run, whatever the data's seed):
children looked after in proportion to exp(0.6 z), z a standard normal cut at
±2.5, so the largest authority has about 20 times as many as the smallest;
children in need that times a ratio ~ lognormal around 5 (σ = 0.25); each
normalised to the national total and rounded so that the totals are exact.
``scale`` shrinks every authority alike (tests). A sample of ``las`` authorities
keeps their national sizes, chosen evenly over the size ranking, so its mix of
small and large is the nation's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from cld.benchmarks.national_authorities import national_authorities
from cld.governance.authorities import Authority
from cld.synthetic.seeds import rng_for

LOOKED_AFTER = 80_000
"""Children looked after in England in a year (SSDA903), about."""
IN_NEED = 400_000
"""Children in need in England in a year (CIN census), about."""
_SPREAD = 0.6
_CUT = 2.5
_IN_NEED_RATIO = 5.0
_RATIO_SPREAD = 0.25


@dataclass(frozen=True)
class AuthoritySize:
    authority: Authority
    looked_after: int
    """Children in its SSDA903 return of each year."""
    in_need: int
    """Children in its CIN census return of each year."""


def _to_total(weights: npt.NDArray[np.float64], total: int) -> npt.NDArray[np.int64]:
    """Whole numbers in proportion to ``weights``, at least 1 each, summing to
    ``total`` (largest remainders get the odd ones)."""
    share = weights / weights.sum() * (total - len(weights))
    whole = np.floor(share).astype(np.int64)
    short = total - len(weights) - int(whole.sum())
    whole[np.argsort(-(share - whole), kind="stable")[:short]] += 1
    ones: npt.NDArray[np.int64] = whole + 1
    return ones


@cache
def _national_counts() -> tuple[tuple[int, int], ...]:
    rng = rng_for(0, "national-sizes")
    count = len(national_authorities())
    looked_after = np.exp(_SPREAD * np.clip(rng.standard_normal(count), -_CUT, _CUT))
    ratio = rng.lognormal(np.log(_IN_NEED_RATIO), _RATIO_SPREAD, size=count)
    cla = _to_total(looked_after, LOOKED_AFTER)
    cin = _to_total(looked_after * ratio, IN_NEED)
    return tuple(zip(cla.tolist(), cin.tolist(), strict=True))


def national_sizes(scale: float = 1.0) -> tuple[AuthoritySize, ...]:
    """Every authority's size; ``scale`` times the national one (at least 1)."""
    if scale <= 0:
        raise ValueError(f"scale must be above 0, not {scale}")
    return tuple(
        AuthoritySize(
            authority=authority,
            looked_after=max(1, round(cla * scale)),
            in_need=max(1, round(cin * scale)),
        )
        for authority, (cla, cin) in zip(
            national_authorities(), _national_counts(), strict=True
        )
    )


def sample_sizes(las: int, scale: float = 1.0) -> tuple[AuthoritySize, ...]:
    """``las`` of the authorities, evenly over the ranking by size (the middle one
    for 1, all for 153), in the national list's order."""
    every = national_sizes(scale)
    if not 1 <= las <= len(every):
        raise ValueError(f"las must be 1 to {len(every)}, not {las}")
    ranking = np.argsort([s.looked_after for s in every], kind="stable")
    picks = ranking[((np.arange(las) + 0.5) * len(every) / las).astype(np.int64)]
    return tuple(every[i] for i in sorted(picks.tolist()))
