"""The returns of ``cld bench --national``, made in worker processes.

For each authority and collection year: its SSDA903 tables (CSV, one file a table)
with as many children looked after as its size says, and its CIN census (one XML
file) with as many children in need, written to ``out/<LA>/<year>/`` by the
platform's own generators (:mod:`cld.synthetic.registry`). About
:data:`MESSINESS` of each table's rows are faulty, as returns are. An authority is
one task (all its years), the largest first, over ``workers`` processes.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from cld.benchmarks.national_sizes import AuthoritySize
from cld.synthetic.output import write_atomic
from cld.synthetic.registry import generate

MESSINESS = 0.01
DATASETS = ("ssda903", "cin_census")


@dataclass(frozen=True)
class AuthorityReturns:
    """The files one authority uploads, a session's worth for each year."""

    size: AuthoritySize
    files: dict[int, tuple[Path, ...]]
    rows: int
    bytes: int


def write_authority(
    out: Path, size: AuthoritySize, years: Sequence[int], seed: int
) -> AuthorityReturns:
    """Write every year's SSDA903 and CIN census files of ``size.authority``."""
    authority = size.authority
    children = {"ssda903": size.looked_after, "cin_census": size.in_need}
    files: dict[int, tuple[Path, ...]] = {}
    rows = written = 0
    for year in years:
        paths = []
        for dataset in DATASETS:
            for item in generate(
                dataset,
                authority,
                year,
                children=children[dataset],
                seed=seed,
                messiness=MESSINESS,
            ):
                path = out / authority.code / str(year) / item.name
                data = item.data
                write_atomic(path, data)
                paths.append(path)
                rows += item.rows
                written += len(data)
        files[year] = tuple(paths)
    return AuthorityReturns(size=size, files=files, rows=rows, bytes=written)


def largest_first(sizes: Sequence[AuthoritySize]) -> list[AuthoritySize]:
    """``sizes`` by children, largest first: the longest tasks start first, so the
    workers finish at about the same time."""
    return sorted(
        sizes, key=lambda s: (-(s.in_need + s.looked_after), s.authority.code)
    )


def write_returns(
    out: Path,
    sizes: Sequence[AuthoritySize],
    years: Sequence[int],
    *,
    seed: int,
    workers: int,
    on_done: Callable[[int], None] = lambda done: None,
) -> list[AuthorityReturns]:
    """Every authority's returns, in the order of ``sizes``; ``on_done(n)`` after
    the n-th authority is written."""
    context = multiprocessing.get_context("spawn")
    made: dict[str, AuthorityReturns] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(write_authority, out, size, tuple(years), seed)
            for size in largest_first(sizes)
        ]
        for future in as_completed(futures):
            returns = future.result()
            made[returns.size.authority.code] = returns
            on_done(len(made))
    return [made[size.authority.code] for size in sizes]
