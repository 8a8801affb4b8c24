"""Pooling an authority's published tables: every collection year of a table in one
frame, de-duplicated on the table's key with the latest return winning; SSDA903
episodes are repaired across years (:mod:`cld.engine.pooling.episodes`).

Everything pooling does is within one authority (``LA``, always published, leads
every key and the sort), so a table is pooled a few authorities at a time
(:func:`pool_by_authority`) and the pieces, in the order of ``LA``, are the table:
a build holds a few authorities' rows of one table at a time, never the whole of
England's.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cld.engine.pooling import pool_years, repair_episodes
from cld.engine.spec.load import load_spec, year_range
from cld.pipeline.published_path import PublishedPath

READERS = 4
"""Files read, or pieces pooled, at once (Polars releases the GIL while it
works)."""
PIECE_BYTES = 2 << 20
"""About how many bytes of Parquet files (about 150,000 rows of a table) are pooled
in one piece: the files' sizes on disk, so no file is opened to size a piece."""


@dataclass(frozen=True)
class PublishedFile:
    """One authority's published table: where it sits under ``current/<LA>/``
    and its file (in the snapshot read)."""

    la: str
    path: PublishedPath
    file: Path

    def __str__(self) -> str:
        """``<LA>/<use case>/<dataset>/<year>/<table>.parquet``."""
        return f"{self.la}/{self.path.rel}"


@dataclass(frozen=True)
class TableFiles:
    """The published files of one table of one use case, across authorities and
    years: (LA, year) → file."""

    dataset: str
    table: str
    files: dict[tuple[str, int], Path]

    @property
    def name(self) -> str:
        """The pooled table's name in the outputs: ``<dataset>_<table>``."""
        return f"{self.dataset}_{self.table}"

    def published(self, use_case: str, year: int) -> PublishedPath:
        """Where an authority's file of ``year`` is published for ``use_case``."""
        return PublishedPath(use_case, self.dataset, year, self.table)


def group_files(
    published: Iterable[PublishedFile], use_case: str, years: range | None
) -> list[TableFiles]:
    """Keeps the use case's files of ``published`` of the years given, grouped by
    dataset and table."""
    grouped: dict[tuple[str, str], dict[tuple[str, int], Path]] = defaultdict(dict)
    for one in published:
        where = one.path
        if where.use_case != use_case:
            continue
        if years is not None and where.year not in years:
            continue
        grouped[(where.dataset, where.table)][(one.la, where.year)] = one.file
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


def pool_by_authority(
    group: TableFiles, *, piece_bytes: int = PIECE_BYTES
) -> Iterator[pl.DataFrame]:
    """The table pooled a few authorities at a time (consecutive in the order of
    ``LA``, about ``piece_bytes`` of their files; an authority is never split):
    stacked, the pieces are the whole table pooled at once (the same rows,
    columns, types and order), as :func:`pool_table` gives it.

    Every piece has every column of every file, with one type each (as Polars
    stacks frames whose columns differ): an empty frame of that schema leads each
    piece's files. :data:`READERS` pieces are pooled at once, ahead of the one
    given out.
    """
    paths = sorted_paths(group)
    if not paths:
        return
    with ThreadPoolExecutor(max_workers=READERS) as pool:
        schemas = list(pool.map(pl.read_parquet_schema, paths))
    sizes = {path: path.stat().st_size for path in paths}
    template = pl.concat(
        [pl.DataFrame(schema=schema) for schema in schemas], how="diagonal_relaxed"
    )
    key = [k for k in table_key(group.dataset, group.table) if k in template.columns]
    episodes = group.dataset == "ssda903" and group.table == "episodes"

    def pool_piece(files: list[Path]) -> pl.DataFrame:
        frames = [pl.read_parquet(path) for path in files]
        stacked = pl.concat([template, *frames], how="diagonal_relaxed")
        return repair_episodes(stacked) if episodes else pool_years([stacked], key)

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        pending: deque[Future[pl.DataFrame]] = deque()
        for files in _pieces(group, sizes, piece_bytes):
            pending.append(pool.submit(pool_piece, files))
            if len(pending) > READERS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _pieces(group: TableFiles, sizes: dict[Path, int], limit: int) -> list[list[Path]]:
    """The group's files in pieces: whole authorities, in order, each piece about
    ``limit`` in ``sizes`` (one authority may have more)."""
    by_la: dict[str, list[Path]] = defaultdict(list)
    for (la, _), path in sorted(group.files.items()):
        by_la[la].append(path)
    pieces: list[list[Path]] = []
    taken = 0
    for la in sorted(by_la):
        size = sum(sizes[path] for path in by_la[la])
        if not pieces or (taken and taken + size > limit):
            pieces.append([])
            taken = 0
        pieces[-1].extend(by_la[la])
        taken += size
    return pieces


def sorted_paths(group: TableFiles) -> list[Path]:
    """The group's files in the order of (LA, year)."""
    return [path for _, path in sorted(group.files.items())]


def pool_table(group: TableFiles) -> pl.DataFrame:
    """One table across every authority and year given, whole, in a stable order:
    :func:`pool_by_authority`'s pieces stacked."""
    pieces = list(pool_by_authority(group))
    return pl.concat(pieces) if pieces else pl.DataFrame()
