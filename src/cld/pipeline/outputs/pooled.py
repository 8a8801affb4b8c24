"""Pooling an authority's published tables: every collection year of a table in one
frame, de-duplicated on the table's key with the latest return winning; SSDA903
episodes are repaired across years (:mod:`cld.engine.pooling.episodes`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cld.engine.pooling import pool_years, repair_episodes
from cld.engine.spec.load import load_spec, year_range


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
    """One table across every authority and year given: per authority, years pooled
    (episodes repaired), then authorities stacked, in a stable order."""
    by_la: dict[str, list[Path]] = defaultdict(list)
    for (la, _year), path in sorted(group.files.items()):
        by_la[la].append(path)
    key = table_key(group.dataset, group.table)
    frames = []
    for la in sorted(by_la):
        years = [pl.read_parquet(path) for path in by_la[la]]
        if group.dataset == "ssda903" and group.table == "episodes":
            stacked = pl.concat(years, how="diagonal_relaxed")
            frames.append(repair_episodes(stacked))
        else:
            present = [k for k in key if all(k in f.columns for f in years)]
            frames.append(pool_years(years, present))
    if not frames:
        return pl.DataFrame()
    return pl.concat(frames, how="diagonal_relaxed")
