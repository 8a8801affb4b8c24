"""Builders for tests of the platform's governance and sessions."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.engine.years import find_year
from cld.governance.agreements import DpiaStatus
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry import Registry
from cld.pipeline.session import SessionResult, process_files

TEST_KEY = "test-only-pseudonym-key-not-a-secret-0123456789"
TEST_AUDIT_KEY = "test-only-audit-key-not-a-secret-0123456789"
"""The audit log's key in every test (``tests/conftest.py`` sets it)."""
SYNTH_LAS = ("CAM", "HAC")
SYNTH_YEARS = (2023, 2024)
SIGNED_ON = dt.date.today() - dt.timedelta(days=30)
"""Agreements in tests start a month before the day the tests run (so they are
in force whatever the date)."""


def files_of(synthetic: Path, la: str, year: int | None = None) -> list[Path]:
    """The authority's synthetic files (of one collection year, if given, as the
    file name says it, however the authority writes it)."""
    found = sorted((synthetic / la).iterdir())
    if year is None:
        return found
    return [p for p in found if (r := find_year(p.name)) and r.year == year]


def process_as(
    area: DataArea, registry: Registry, la: str, paths: list[Path]
) -> SessionResult:
    """One session of ``la`` over ``paths``, under the test key."""
    return process_files(
        area,
        registry,
        registry.authority(la),
        paths,
        by="test",
        key=PseudonymKey(TEST_KEY.encode()),
    )


def process_synthetic(
    area: DataArea,
    registry: Registry,
    synthetic: Path,
    las: tuple[str, ...] = SYNTH_LAS,
    years: tuple[int, ...] = SYNTH_YEARS,
) -> None:
    """Process each authority's synthetic returns, a session a year (under the
    test key)."""
    for la in las:
        for year in years:
            process_files(
                area,
                registry,
                registry.authority(la),
                files_of(synthetic, la, year),
                by="t",
                key=PseudonymKey(TEST_KEY.encode()),
            )


def ssda903_files(synthetic: Path, la: str, year: int, *tables: str) -> list[Path]:
    """The authority's SSDA903 files of ``tables`` (named in any case, as a word
    of the file name)."""
    words = re.compile(rf"(?i)(^|[ _-])({'|'.join(tables)})([ _.-]|$)")
    return [
        p
        for p in files_of(synthetic, la, year)
        if p.suffix == ".csv" and words.search(p.name)
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
