"""Pooling an authority's published tables: every collection year of a table in one
frame, de-duplicated on the table's key with the latest return winning; SSDA903
episodes are repaired across years (:mod:`cld.engine.pooling.episodes`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cld.engine.pooling import pool_years, repair_episodes
from cld.engine.spec.load import load_spec, year_range

READERS = 4
"""Files read at once (Polars releases the GIL while it parses Parquet)."""


@dataclass(frozen=True)
class TableFiles:
    """The published files of one table of one use case, across authorities and
    years: (LA, year) → file."""

    dataset: str
    table: str
    files: dict[tuple[str, int], Path]


def group_files(
    published: Iterable[tuple[str, str, Path]], use_case: str, years: range | None
) -> list[TableFiles]:
    """``published`` is (LA, path under current/<LA>/, file); keeps the use case's
    files of the years given, grouped by dataset and table."""
    grouped: dict[tuple[str, str], dict[tuple[str, int], Path]] = defaultdict(dict)
    for la, rel, path in published:
        parts = rel.split("/")
        if len(parts) != 4 or parts[0] != use_case or not parts[2].isdigit():
            continue
        year = int(parts[2])
        if years is not None and year not in years:
            continue
        grouped[(parts[1], parts[3].removesuffix(".parquet"))][(la, year)] = path
    return [
        TableFiles(dataset, table, files)
        for (dataset, table), files in sorted(grouped.items())
    ]


def table_key(dataset: str, table: str) -> tuple[str, ...]:
    """The table's unique key in its latest year (as published, pseudonymised)."""
    for year in reversed(year_range(dataset)):
        spec = load_spec(dataset, year)
        if table in spec.tables:
            return spec.tables[table].key
    return ()


def pool_table(group: TableFiles) -> pl.DataFrame:
    """One table across every authority and year given, in a stable order: the
    files read in parallel, stacked, then years pooled per authority (episodes
    repaired) in one pass — both work per ``LA``."""
    paths = [path for _, path in sorted(group.files.items())]
    if not paths:
        return pl.DataFrame()
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        frames = list(pool.map(pl.read_parquet, paths))
    stacked = pl.concat(frames, how="diagonal_relaxed")
    if group.dataset == "ssda903" and group.table == "episodes":
        return repair_episodes(stacked)
    key = [k for k in table_key(group.dataset, group.table) if k in stacked.columns]
    return pool_years([stacked], key)
