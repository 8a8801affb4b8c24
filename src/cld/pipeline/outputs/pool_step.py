"""The second step of a build: pool the tables the previous build does not have.

Each table is pooled once per build run for what it is made of
(:mod:`.pooled_cache`): a table another use case is pooling at the moment is
left to the end, so this build pools its other tables meanwhile, and then waits
for it (and links its files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from cld.governance.use_case import UseCase
from cld.pipeline.outputs.built_tables import BuiltTables
from cld.pipeline.outputs.fingerprints import content_key
from cld.pipeline.outputs.pooled import TableFiles
from cld.pipeline.outputs.pooled_cache import PooledTableCache
from cld.pipeline.outputs.summaries import TableSummary

PoolOne = Callable[[TableFiles, Mapping[str, object], Path, Path], TableSummary]
"""Pools one table (the columns kept) into a Parquet and a CSV file."""


@dataclass(frozen=True)
class PoolInputs:
    use_case: UseCase
    staging: Path
    """The build's staging folder: the tables are written there."""
    digests: Mapping[Path, str]
    """The sha256 of every published file the build reads."""
    cache: PooledTableCache[TableSummary]


def pool_tables(
    to_make: Iterable[TableFiles], inputs: PoolInputs, pool: PoolOne
) -> BuiltTables:
    """Pool each table of ``to_make`` into staging with ``pool`` (or link it
    from the use case that pooled the same this run)."""
    made: list[tuple[str, TableSummary, Path, Path]] = []

    def make(group: TableFiles, wait: bool) -> bool:
        kept = inputs.use_case.kept(group.dataset, group.table)
        staging = inputs.staging
        parquet, csv = staging / f"{group.name}.parquet", staging / f"{group.name}.csv"
        summary = inputs.cache.table(
            content_key(group, kept, inputs.digests),
            [parquet, csv],
            partial(pool, group, kept, parquet, csv),
            wait=wait,
        )
        if summary is not None:
            made.append((group.name, summary, parquet, csv))
        return summary is not None

    waiting = list(to_make)
    for wait in (False, True):  # a table another use case is making: last
        waiting = [group for group in waiting if not make(group, wait)]
    return BuiltTables(
        files={
            f"{name}.{suffix}": path
            for name, _, parquet, csv in made
            for suffix, path in (("parquet", parquet), ("csv", csv))
        },
        summaries={name: summary for name, summary, _, _ in made},
        pooled={name: parquet for name, _, parquet, _ in made},
        recomputed=tuple(name for name, *_ in made),
    )
