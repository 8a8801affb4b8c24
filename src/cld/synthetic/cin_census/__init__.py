"""Synthetic CIN census returns: one XML file per authority and year.

:func:`generate` follows the generator contract of :mod:`cld.synthetic.registry`;
:func:`write_cin_census` writes one straight to disk a block at a time (for the
benchmark's large files). Same arguments and seed, same bytes: every random stream
is seeded from (seed, authority, year, purpose) and nothing reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cld.governance.authorities import Authority
from cld.synthetic.cin_census.faults import Fault, faults_frame, plant_faults
from cld.synthetic.cin_census.journeys import DATASET, make_cohort
from cld.synthetic.cin_census.writer import ReturnWriter
from cld.synthetic.output import atomic_file
from cld.synthetic.registry import FileUpload
from cld.synthetic.seeds import rng_for, stable_number

__all__ = ["CinUpload", "file_name", "generate", "write_cin_census"]

_NAMES = (
    "CIN_Census_{year}_{dfe:03d}.xml",
    "{dfe:03d}_CIN_{start}-{yy}.xml",
    "CIN Census {year} {name}.xml",
    "cin_census_{start}{yy}_{code}.xml",
    "{code} CIN return {start}-{year}.xml",
)


def file_name(authority: Authority, year: int) -> str:
    """What ``authority`` calls its CIN census file for ``year`` (each authority
    has its own habit, the same every time)."""
    style = _NAMES[stable_number(f"cin-names:{authority.code}") % len(_NAMES)]
    return style.format(
        year=year,
        start=year - 1,
        yy=f"{year % 100:02d}",
        dfe=authority.dfe,
        name=authority.name,
        code=authority.code,
    )


class CinUpload(FileUpload):
    """One CIN census file as an authority would upload it (rows: records in the
    file over all tables, duplicates included; a fault's row: its XML line)."""


def _writer(
    authority: Authority, year: int, children: int, seed: int, messiness: float
) -> tuple[ReturnWriter, list[Fault]]:
    spec, made = make_cohort(authority, year, seed, children)
    streams = {
        name: rng_for(seed, authority.code, year, DATASET, f"faults:{name}")
        for name in made
    }
    planted = plant_faults(spec, made, messiness, streams)
    writer = ReturnWriter(
        spec,
        planted.records,
        authority,
        copies={name: planted.copies(name) for name in made},
    )
    return writer, list(planted.faults)


def generate(
    authority: Authority,
    year: int,
    *,
    children: int,
    seed: int = 0,
    messiness: float = 0.0,
) -> list[CinUpload]:
    """``year``'s CIN census return of ``authority`` with ``children`` children,
    and about ``messiness`` of the records of each table faulty."""
    writer, faults = _writer(authority, year, children, seed, messiness)
    data = b"".join(writer.chunks())
    return [
        CinUpload(
            la=authority.code,
            year=year,
            name=file_name(authority, year),
            data=data,
            rows=writer.rows,
            faults=faults_frame(faults, writer.lines, writer.copy_lines),
        )
    ]


@dataclass(frozen=True)
class WrittenReturn:
    path: Path
    rows: int
    faults: pl.DataFrame


def write_cin_census(
    path: Path,
    authority: Authority,
    year: int,
    *,
    children: int,
    seed: int = 0,
    messiness: float = 0.0,
) -> WrittenReturn:
    """Write the return :func:`generate` makes to ``path``, a block of children at
    a time (through a temporary file, then renamed)."""
    writer, faults = _writer(authority, year, children, seed, messiness)
    with atomic_file(path) as out:
        for chunk in writer.chunks():
            out.write(chunk)
    return WrittenReturn(
        path, writer.rows, faults_frame(faults, writer.lines, writer.copy_lines)
    )
