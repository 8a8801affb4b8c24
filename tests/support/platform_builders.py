"""Builders for tests of the platform's governance and sessions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cld.governance.agreements import DpiaStatus
from cld.pipeline.registry import Registry

TEST_KEY = "test-only-pseudonym-key-not-a-secret-0123456789"
SYNTH_LAS = ("CAM", "HAC")
SYNTH_YEARS = (2023, 2024)
SIGNED_ON = dt.date.today() - dt.timedelta(days=30)
"""Agreements in tests start a month before the day the tests run (so they are
in force whatever the date)."""


def files_of(synthetic: Path, la: str, year: int | None = None) -> list[Path]:
    """The authority's synthetic files (of one collection year, if given)."""
    found = sorted((synthetic / la).iterdir())
    if year is None:
        return found
    short = f"{(year - 1) % 100:02d}{year % 100:02d}"
    return [p for p in found if short in p.name or f"_{year}_" in p.name]


def ssda903_files(synthetic: Path, la: str, year: int, *tables: str) -> list[Path]:
    return [
        p
        for p in files_of(synthetic, la, year)
        if p.suffix == ".csv" and any(p.stem.endswith(f" {t}") for t in tables)
    ]


def allow(
    registry: Registry, la: str, *use_cases: str, on: dt.date = SIGNED_ON
) -> None:
    """Sign ``la``'s agreements for ``use_cases`` and approve a DPIA covering them."""
    for name in use_cases:
        registry.sign(la, name, on=on, by="test", signatory="A. Officer", role="DPO")
    registry.set_dpia(
        la,
        status=DpiaStatus.APPROVED,
        covers=frozenset(use_cases),
        reviewer="IG reviewer",
        on=on,
        by="test",
    )
