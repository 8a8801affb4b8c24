"""One big SSDA903 episodes file, for the benchmark (``cld bench``).

The children and their care are made at once (NumPy arrays, cheap); the text of
the table is made and written a part at a time, so memory stays modest however
many rows are asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from cld.engine.issues import IssueCode
from cld.engine.spec.load import load_spec
from cld.engine.spec.model import TableSpec
from cld.governance.authorities import authorities
from cld.synthetic.cohort import Counts, episode_counts
from cld.synthetic.context import DATASET, YearContext, make_context
from cld.synthetic.faults import FaultPlan, apply_faults, plan_faults
from cld.synthetic.identifiers import IdStyle
from cld.synthetic.output import write_frames_atomic
from cld.synthetic.seeds import rng_for
from cld.synthetic.tables import build_table

_MEAN_EPISODES = 2.6
_PART_ROWS = 100_000
_DIGITS = frozenset({"CHILD"})


def counts_totalling(rng: np.random.Generator, total: int) -> Counts:
    """Episodes per child for as many children as it takes to have ``total``."""
    counts = np.zeros(0, dtype=np.int64)
    while counts.sum() < total:
        more = episode_counts(rng, int((total - counts.sum()) / _MEAN_EPISODES) + 16)
        counts = np.concatenate([counts, more])
    running = np.cumsum(counts)
    keep = int(np.searchsorted(running, total)) + 1
    counts = counts[:keep].copy()
    counts[-1] -= int(running[keep - 1]) - total
    return counts


def _at_most_half_copies(plan: FaultPlan, rows: int) -> FaultPlan:
    """``plan`` with no more duplicated rows than half of ``rows``."""
    excess = plan.duplicates - rows // 2
    kept = []
    for kind in plan.kinds:
        if kind == IssueCode.DUPLICATE_KEY and excess > 0:
            excess -= 1
            continue
        kept.append(kind)
    return FaultPlan(tuple(kept))


def _parts(
    ctx: YearContext, table: TableSpec, plan: FaultPlan, seed: int
) -> Iterator[pl.DataFrame]:
    """The episodes table a part of the children at a time, faults planted."""
    running = np.cumsum(ctx.cohort.counts)
    total = int(running[-1])
    stops = np.searchsorted(running, np.arange(_PART_ROWS, total, _PART_ROWS)) + 1
    bounds = [
        0,
        *sorted(set(int(s) for s in stops) - {ctx.cohort.size}),
        ctx.cohort.size,
    ]
    for part, (begin, stop) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        low = 0 if begin == 0 else int(running[begin - 1])
        high = int(running[stop - 1])
        # This part's share of the faults, in proportion to its rows.
        kinds = plan.kinds[
            round(len(plan.kinds) * low / total) : round(len(plan.kinds) * high / total)
        ]
        rng = rng_for(seed, "benchmark", ctx.year, "faults", part)
        clean = build_table(ctx.children_part(begin, stop, part), "episodes")
        frame, _ = apply_faults(clean, table, ctx.year, FaultPlan(kinds), rng, _DIGITS)
        yield frame


def write_benchmark_episodes(
    path: Path,
    rows: int,
    *,
    year: int = 2024,
    seed: int = 0,
    messiness: float = 0.01,
) -> int:
    """Write one episodes CSV of ``year`` with exactly ``rows`` data rows (about
    ``messiness`` of them faulty) to ``path``; return the number of rows."""
    if rows < 1:
        raise ValueError(f"rows must be 1 or more, not {rows}")
    table = load_spec(DATASET, year).tables["episodes"]
    plan = plan_faults(
        rng_for(seed, "benchmark", year, "plan"), table, rows, messiness, _DIGITS
    )
    plan = _at_most_half_copies(plan, rows)
    counts = counts_totalling(rng_for(seed, "benchmark", year), rows - plan.duplicates)
    ctx = make_context(
        authorities()[0], year, seed, counts=counts, style=IdStyle("", 8)
    )
    written = write_frames_atomic(path, _parts(ctx, table, plan, seed))
    if written != rows:  # pragma: no cover - a bug in the generator
        raise RuntimeError(f"wrote {written} rows, not {rows}")
    return written
