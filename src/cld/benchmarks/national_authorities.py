"""The 153 English authorities of ``cld bench --national``: a benchmark's only.

The platform knows London's 33 authorities (:func:`cld.governance.authorities.
authorities`) and nothing here changes that. England has 153 authorities with
children's services; no table of the other 120 (names, DfE numbers, ONS codes) is
on disk — the ONS Postcode Directory the platform ships has lower-tier district
codes only — so the benchmark makes them up: London's 33 as they are, then 120
synthetic ones, as many per region as England has (12 in the North East, 24 in
the North West, …). Each has a three-letter code starting ``X`` (no London code
does), a DfE number from 421 to 540 and an ONS code ``E06900001`` to
``E06900120`` (blocks apart from London's 201–320 and ``E09…``), and a name that
says it is synthetic. They exist only in a benchmark's temporary data area
(:func:`cld.benchmarks.platform_setup.open_platform` adds them to its registry).

The synthetic generator gives any authority postcodes: it picks the districts by a
hash of the code among London's (:func:`cld.synthetic.identifiers.outward_codes`),
so a synthetic authority borrows London districts, and its placements all count as
out of area. That costs the pipeline the same as real districts would.
"""

from __future__ import annotations

from functools import cache
from string import ascii_uppercase

from cld.governance.authorities import Authority, authorities

REGIONS = (
    ("North East", 12),
    ("North West", 24),
    ("Yorkshire and the Humber", 15),
    ("East Midlands", 10),
    ("West Midlands", 14),
    ("East of England", 11),
    ("South East", 19),
    ("South West", 15),
)
"""England's regions outside London and how many authorities each has."""

AUTHORITIES = 153
FIRST_DFE = 421
ONS_PREFIX = "E069"


def _code(number: int) -> str:
    """``XAA``, ``XAB``, … for 0, 1, …"""
    return "X" + ascii_uppercase[number // 26] + ascii_uppercase[number % 26]


@cache
def synthetic_authorities() -> tuple[Authority, ...]:
    """The 120 made-up authorities outside London, region by region."""
    made: list[Authority] = []
    for region, count in REGIONS:
        for within in range(1, count + 1):
            number = len(made)
            made.append(
                Authority(
                    code=_code(number),
                    name=f"{region} synthetic {within:02d}",
                    dfe=FIRST_DFE + number,
                    ons=f"{ONS_PREFIX}{number + 1:05d}",
                    region=region,
                )
            )
    return tuple(made)


@cache
def national_authorities() -> tuple[Authority, ...]:
    """London's 33 authorities, then the 120 synthetic ones: 153 in all."""
    every = (*authorities(), *synthetic_authorities())
    if len(every) != AUTHORITIES:  # pragma: no cover - the lists above changed
        raise RuntimeError(f"{len(every)} authorities, not {AUTHORITIES}")
    return every
