"""Make and write every SSDA903 file of many authorities and years.

Same arguments and seed, same bytes: every random stream is seeded from (seed,
authority, year, purpose) and nothing depends on the clock or on set ordering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cld.engine.spec.load import year_range
from cld.governance.authorities import Authority
from cld.synthetic.context import YearContext, make_context
from cld.synthetic.faults import FAULT_SCHEMA, apply_faults, plan_faults
from cld.synthetic.file_names import file_name
from cld.synthetic.output import csv_bytes, write_atomic
from cld.synthetic.registry import GENERATORS, Upload, generate
from cld.synthetic.seeds import stable_number
from cld.synthetic.tables import build_table

PLANTED_FAULTS = "planted_faults.csv"
PLANTED_COLUMNS = ("la", "file", "table", "row", "column", "code")


@dataclass(frozen=True)
class SyntheticFile:
    """One file as the authority would upload it, and the faults planted in it."""

    la: str
    year: int
    table: str
    name: str
    frame: pl.DataFrame
    """Every cell as written (text; null is a blank cell)."""
    faults: pl.DataFrame
    """row, column, code of every planted fault."""

    @property
    def data(self) -> bytes:
        return csv_bytes(self.frame)

    @property
    def rows(self) -> int:
        return self.frame.height


@dataclass
class SynthSummary:
    out: Path
    files: list[Path] = field(default_factory=list)
    rows: int = 0
    faults: int = 0


def children_for(authority: Authority, base: int) -> int:
    """Children looked after in ``authority``: ``base`` scaled by a fixed factor from
    0.5 to 1.5, so some authorities are bigger than others (the same every run)."""
    factor = 0.5 + (stable_number(f"size:{authority.code}") % 1001) / 1000
    return max(1, round(base * factor))


def _digit_columns(ctx: YearContext) -> frozenset[str]:
    return frozenset({"CHILD"}) if ctx.id_style.numeric else frozenset()


def generate_year(
    authority: Authority,
    year: int,
    *,
    children: int,
    seed: int = 0,
    messiness: float = 0.0,
) -> list[SyntheticFile]:
    """Every table of ``year``'s return for ``authority``, with ``children`` children
    looked after and about ``messiness`` of the rows of each table faulty."""
    ctx = make_context(authority, year, seed, children=children)
    digits = _digit_columns(ctx)
    made = []
    for name, table in ctx.spec.tables.items():
        clean = build_table(ctx, name)
        rng = ctx.rng(f"faults:{name}")
        plan = plan_faults(rng, table, clean.height, messiness, digits)
        frame, faults = apply_faults(clean, table, year, plan, rng, digits)
        made.append(
            SyntheticFile(
                la=authority.code,
                year=year,
                table=name,
                name=file_name(authority.code, year, table),
                frame=frame,
                faults=faults,
            )
        )
    return made


def planted_frame(files: Sequence[Upload]) -> pl.DataFrame:
    """Every planted fault of ``files``: la, file, table, row, column, code."""
    frames = []
    for f in files:
        table = (
            []
            if "table" in f.faults.columns
            else [pl.lit(getattr(f, "table", None), dtype=pl.String).alias("table")]
        )
        frames.append(
            f.faults.with_columns(
                pl.lit(f.la).alias("la"), pl.lit(f.name).alias("file"), *table
            )
            .select(PLANTED_COLUMNS)
            .cast({"row": pl.Int64, "table": pl.String, "column": pl.String})
        )
    if not frames:
        return pl.DataFrame(
            schema={
                "la": pl.String,
                "file": pl.String,
                "table": pl.String,
                **FAULT_SCHEMA,
            }
        ).select(PLANTED_COLUMNS)
    return pl.concat(frames)


def write_synthetic(
    out: Path,
    authorities: Sequence[Authority],
    years: Sequence[int],
    *,
    children: int,
    seed: int = 0,
    messiness: float = 0.0,
    datasets: Sequence[str] = tuple(GENERATORS),
    on_progress: Callable[[Authority, int], None] | None = None,
) -> SynthSummary:
    """Write every file of every dataset, authority and year under ``out/<LA>/``,
    and the planted faults to ``out/planted_faults.csv``. A dataset is made only for
    the years it has a schema for. ``on_progress`` is called after each authority
    and year."""
    summary = SynthSummary(out=out)
    planted = []
    for authority in authorities:
        for year in years:
            made: list[Upload] = []
            for dataset in datasets:
                if year in year_range(dataset):
                    made.extend(
                        generate(
                            dataset,
                            authority,
                            year,
                            children=children_for(authority, children),
                            seed=seed,
                            messiness=messiness,
                        )
                    )
            for item in made:
                path = out / authority.code / item.name
                write_atomic(path, item.data)
                summary.files.append(path)
                summary.rows += item.rows
            faults = planted_frame(made)
            summary.faults += faults.height
            planted.append(faults)
            if on_progress is not None:
                on_progress(authority, year)
    table = pl.concat(planted) if planted else planted_frame([])
    write_atomic(out / PLANTED_FAULTS, csv_bytes(table))
    return summary
