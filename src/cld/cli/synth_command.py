"""``cld synth``: synthetic SSDA903 returns for London's authorities, faults and all."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from cld.engine.errors import ExitCode, UsageError
from cld.engine.spec.load import year_range
from cld.engine.years import parse_year
from cld.governance.authorities import Authority, authorities, find_authority
from cld.synthetic.generate import PLANTED_FAULTS, SynthSummary, write_synthetic
from cld.synthetic.registry import GENERATORS

_RANGE = re.compile(r"^(\d{4})\s*(?:-|–|to|\.\.)\s*(\d{4})$")

YEARS_HELP = (
    "Collection years (each ending 31 March): a range 2021-2024, one year 2024 or "
    "2023-24 (2023-2024 is also the single year ending March 2024), or a comma list."
)


def parse_years(text: str) -> list[int]:
    """The collection years ``text`` names, in order; a UsageError if any is wrong."""
    valid = range(
        min(year_range(d).start for d in GENERATORS),
        max(year_range(d).stop for d in GENERATORS),
    )
    found: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        single = parse_year(part)
        if single is not None:
            found.add(single)
            continue
        span = _RANGE.match(part)
        if span is None:
            raise UsageError(
                f"--years {part!r} is not a collection year or a range of years; "
                "write e.g. 2024, 2023-24, 2021-2024 or 2021,2023"
            )
        first, last = int(span.group(1)), int(span.group(2))
        if first > last:
            raise UsageError(f"--years {part!r}: the range ends before it starts")
        found.update(range(first, last + 1))
    if not found:
        raise UsageError("--years names no year")
    outside = sorted(year for year in found if year not in valid)
    if outside:
        raise UsageError(
            f"--years: the returns are defined for collection years "
            f"{valid.start} to {valid.stop - 1}, not {', '.join(map(str, outside))}"
        )
    return sorted(found)


def parse_datasets(text: str | None) -> list[str]:
    """The datasets named (comma-separated), or every one with a generator."""
    if text is None:
        return list(GENERATORS)
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in chosen if name not in GENERATORS]
    if unknown or not chosen:
        raise UsageError(
            f"--datasets: unknown {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(GENERATORS)}"
        )
    return chosen


def parse_authorities(text: str | None) -> list[Authority]:
    """The authorities named (comma-separated codes, numbers or names), or all."""
    if text is None:
        return list(authorities())
    chosen: list[Authority] = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            authority = find_authority(part)  # a UsageError for an unknown one
            if authority not in chosen:
                chosen.append(authority)
    if not chosen:
        raise UsageError("--la names no local authority")
    return chosen


@contextmanager
def progress_bar(
    console: Console, description: str, total: int
) -> Iterator[Callable[[str], None]]:
    """A progress bar on ``console``; yields a function to call after each step."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total, step="")

        def advance(step: str) -> None:
            progress.update(task, advance=1, step=step)

        yield advance


@dataclass(frozen=True)
class Generated:
    """What ``cld synth`` or ``cld demo`` generated: for whom, which years, and the
    files written."""

    authorities: list[Authority]
    years: list[int]
    summary: SynthSummary


def generate_as_asked(
    out: Path,
    la: str | None,
    years: str,
    datasets: str | None,
    *,
    children: int,
    seed: int,
    messiness: float,
) -> Generated:
    """:func:`write_synthetic` for the authorities, years and datasets the options
    name (a UsageError for a wrong one), with a progress bar on standard error."""
    chosen_years = parse_years(years)
    chosen = parse_authorities(la)
    chosen_datasets = parse_datasets(datasets)
    with progress_bar(
        Console(stderr=True), "Generating", len(chosen) * len(chosen_years)
    ) as advance:
        summary = write_synthetic(
            out,
            chosen,
            chosen_years,
            children=children,
            seed=seed,
            messiness=messiness,
            datasets=chosen_datasets,
            on_progress=lambda la, year: advance(f"{la.code} {year}"),
        )
    return Generated(chosen, chosen_years, summary)


SeedOption = Annotated[int, typer.Option(min=0, help="Same seed, same files.")]
MessinessOption = Annotated[
    float,
    typer.Option(min=0.0, max=1.0, help="Fraction of rows with a planted fault."),
]
DatasetsOption = Annotated[
    str | None,
    typer.Option(
        "--datasets",
        help=f"Comma-separated datasets (default: all, {', '.join(GENERATORS)}).",
    ),
]


def synth(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write into (one folder per LA).")
    ],
    la: Annotated[
        str | None,
        typer.Option(
            "--la", help="Comma-separated LA codes, e.g. CAM,HAC (default: all 33)."
        ),
    ] = None,
    years: Annotated[str, typer.Option("--years", help=YEARS_HELP)] = "2023-2026",
    children: Annotated[
        int,
        typer.Option(
            min=1,
            help="Children looked after per LA and year (each LA varies it ±50%).",
        ),
    ] = 200,
    seed: SeedOption = 0,
    messiness: MessinessOption = 0.02,
    datasets: DatasetsOption = None,
) -> int:
    """Write synthetic SSDA903 returns, as each LA would upload them.

    Every table of each year, in that year's codes, named the way each LA names its
    files; faults are planted in about --messiness of the rows and listed in
    planted_faults.csv with the issue the validator must raise for each.
    """
    made = generate_as_asked(
        out, la, years, datasets, children=children, seed=seed, messiness=messiness
    )
    chosen, chosen_years, summary = made.authorities, made.years, made.summary
    console = Console(highlight=False)
    span = (
        str(chosen_years[0])
        if len(chosen_years) == 1
        else f"{chosen_years[0]}–{chosen_years[-1]}"
        if chosen_years == list(range(chosen_years[0], chosen_years[-1] + 1))
        else ", ".join(map(str, chosen_years))
    )
    console.print(
        f"Wrote {len(summary.files):,} files ({summary.rows:,} rows) for "
        f"{len(chosen)} local authorities, collection years {span}, to {out}/<LA>/"
    )
    console.print(
        f"Planted {summary.faults:,} faults; each is listed in {out / PLANTED_FAULTS}"
    )
    return ExitCode.OK
