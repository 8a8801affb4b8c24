"""``cld bench``: how long validating a large synthetic return takes, and its memory."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cld.benchmarks.benchmark import run_benchmark
from cld.benchmarks.national_authorities import AUTHORITIES
from cld.benchmarks.national_benchmark import (
    TARGET_OUTPUTS_SECONDS,
    TARGET_PEAK_MIB,
    TARGET_PER_LA_SECONDS,
    NationalBenchResult,
    run_national_benchmark,
)
from cld.benchmarks.outputs_benchmark import (
    TARGET_SECONDS,
    OutputsBenchResult,
    run_outputs_benchmark,
)
from cld.benchmarks.results import BenchResult, Stage, Targets
from cld.benchmarks.xml_benchmark import (
    TARGET_CHILDREN,
    TARGET_GROWTH_MIB,
    WRITERS,
    XmlBenchResult,
    run_xml_benchmark,
)
from cld.engine.errors import ExitCode
from cld.engine.spec.load import load_spec, year_range

_DATASET = "ssda903"
_TABLE = "episodes"
_DEFAULT_ROWS = Targets().rows
_LONDON = 33


def _check_year(year: int) -> None:
    years = year_range(_DATASET)
    if year not in years or _TABLE not in load_spec(_DATASET, year).tables:
        raise typer.BadParameter(
            f"{year} is not a year of the SSDA903 episodes table "
            f"({years.start}–{years.stop - 1})",
            param_hint="'--year'",
        )


def _seconds(seconds: float) -> str:
    return f"{seconds:.2f}"


def _rate(rows: int, stage: Stage) -> str:
    return f"{stage.rows_per_second(rows):,.0f}"


def _mib(mib: float) -> str:
    return f"{mib:,.0f}"


def _mark(ok: bool) -> str:
    return "[bold green]✓ met[/]" if ok else "[bold red]✗ not met[/]"


def _figures(title: str, caption: str | None, *columns: str) -> Table:
    """A table of measurements: a first column naming each, then ``columns``
    (figures, right-aligned; a ``target`` column as text)."""
    table = Table(
        title=title,
        title_justify="left",
        caption=caption,
        caption_justify="left",
    )
    table.add_column("measurement")
    for column in columns:
        table.add_column(column, justify="left" if column == "target" else "right")
    return table


def print_result(console: Console, result: BenchResult) -> None:
    """The figures as a table, then the distance to the floor and the targets."""
    rows = result.rows
    table = _figures(
        f"cld bench: {rows:,} SSDA903 episode rows ({result.year}), "
        f"{result.file_mib:,.1f} MiB",
        "read: the bytes and read_csv; conform: identify and conform_table; "
        "issues: every issue's report entry and the JSON text",
        "seconds",
        "rows/s",
        "peak MiB",
    )
    table.add_row(
        "generate the file (not in totals)", _seconds(result.generate_seconds), "", ""
    )
    floor = result.polars_read
    table.add_row(
        "polars.read_csv (the floor)",
        _seconds(floor.seconds),
        _rate(rows, floor.stage),
        _mib(floor.peak_mib),
    )
    described = {
        "read": "validate: read",
        "conform": "validate: conform",
        "issues": "validate: issues",
    }
    stages: dict[str, Stage] = result.validate.stages
    for name, label in described.items():
        stage = stages[name]
        table.add_row(
            label,
            _seconds(stage.seconds),
            _rate(rows, stage),
            _mib(stage.peak_mib),
        )
    total = result.total
    table.add_row(
        "[bold]validate: total[/]",
        f"[bold]{_seconds(total.seconds)}[/]",
        _rate(rows, total),
        f"[bold]{_mib(total.peak_mib)}[/]",
    )
    console.print(table)
    runs = f"median of {result.repeat} runs" if result.repeat > 1 else "one run"
    console.print(
        f"Peak memory is per process ({runs} each); after imports, before any data, "
        f"the validate process held {_mib(result.validate.baseline_mib)} MiB and the "
        f"polars process {_mib(floor.baseline_mib)} MiB."
    )
    console.print(
        f"The validate took {result.ratio_to_polars_read:.1f}× as long as the bare "
        f"polars read, and found {result.validate.issues:,} issues."
    )
    targets = result.targets
    console.print(
        f"Targets for {targets.rows:,} rows: at most {targets.ratio:g}× the bare "
        f"read {_mark(result.ratio_met)}, under {targets.peak_mib / 1024:g} GiB "
        f"peak {_mark(result.peak_met)}."
    )
    if rows != targets.rows:
        console.print(
            f"[yellow]This run had {rows:,} rows, so the targets, set for "
            f"{targets.rows:,}, say little about it.[/]"
        )


def _check_dataset(dataset: str, year: int, rows: int | None) -> None:
    if dataset == _DATASET:
        _check_year(year)
        return
    if dataset not in WRITERS:
        known = ", ".join([_DATASET, *sorted(WRITERS)])
        raise typer.BadParameter(
            f"no benchmark for {dataset!r}; known: {known}", param_hint="'--dataset'"
        )
    if rows is not None:
        raise typer.BadParameter(
            f"--rows is for the SSDA903 benchmark; give --children for {dataset}",
            param_hint="'--rows'",
        )
    years = year_range(dataset)
    if year not in years:
        raise typer.BadParameter(
            f"{year} is not a year of {dataset} ({years.start}–{years.stop - 1})",
            param_hint="'--year'",
        )


def print_xml_result(console: Console, result: XmlBenchResult) -> None:
    """The XML figures as a table, then the ratio to the floor and the memory."""
    full, doubled = result.full, result.doubled
    table = _figures(
        f"cld bench: {result.dataset} ({result.year}), {full.children:,} "
        f"children, {full.rows:,} rows, {full.file_mib:,.1f} MiB",
        "read: identify, then one streaming pass spilling every table to "
        "Parquet; conform: conform_table of each table in turn",
        "seconds",
        "CPU seconds",
        "rows/s",
        "peak MiB",
    )
    table.add_row(
        "generate the file (not in totals)", _seconds(full.generate_seconds), "", "", ""
    )
    rows = full.rows
    for label, measured in (
        ("bare iterparse (the floor)", full.bare),
        ("[bold]read and conform[/]", full.read),
    ):
        table.add_row(
            label,
            _seconds(measured.seconds),
            _seconds(measured.cpu_seconds),
            f"{rows / max(measured.seconds, 1e-9):,.0f}",
            _mib(measured.peak_mib),
        )
    table.add_row("  of which read", _seconds(full.read_seconds), "", "", "")
    table.add_row("  of which conform", _seconds(full.conform_seconds), "", "", "")
    console.print(table)
    runs = f"median of {result.repeat} runs" if result.repeat > 1 else "one run"
    mark = _mark(result.ratio_met)
    console.print(
        f"The read and conform took {full.ratio:.1f}× as long as the bare iterparse "
        f"({full.cpu_ratio:.1f}× its CPU time; {runs}): target at most "
        f"{result.target_ratio:g}× {mark}. {full.issues:,} issues."
    )
    console.print(
        f"Peak memory of the read and conform: {_mib(full.read.peak_mib)} MiB for "
        f"{full.children:,} children ({full.file_mib:,.1f} MiB file): target under "
        f"{result.target_peak_mib:g} MiB at {TARGET_CHILDREN:,} children "
        f"{_mark(result.peak_met)}; {_mib(doubled.read.peak_mib)} MiB for "
        f"{doubled.children:,} ({doubled.file_mib:,.1f} MiB file), "
        f"{result.mib_per_100k_children:,.1f} MiB more per 100,000 children: "
        f"target flat (at most {TARGET_GROWTH_MIB:g}) {_mark(result.flat_met)}. "
        "The file is never held; each table is spilled "
        "to Parquet as it is read and conformed on its own."
    )


def _show(
    as_json: bool, payload: dict[str, Any], show: Callable[[Console], None]
) -> int:
    """Print a benchmark's JSON or its table; a benchmark always exits 0."""
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
    else:
        show(Console(highlight=False))
    return ExitCode.OK


def print_outputs_result(console: Console, result: OutputsBenchResult) -> None:
    table = _figures(
        f"cld bench --outputs: {result.las} authorities × {result.years} years "
        f"({result.files:,} files, about {result.children:,} children looked after "
        "per authority and year)",
        None,
        "seconds",
    )
    table.add_row(
        "generate the returns (not measured)", _seconds(result.generate_seconds)
    )
    table.add_row(
        "process every authority (not measured)", _seconds(result.process_seconds)
    )
    table.add_row("[bold]build every output[/]", _seconds(result.outputs_seconds))
    table.add_row("  its CPU seconds", _seconds(result.outputs_cpu_seconds))
    table.add_row("build again, nothing new", _seconds(result.rebuild_seconds))
    console.print(table)
    console.print(
        f"Every output ({result.rows:,} rows) built in "
        f"{result.outputs_seconds:.1f} s, peak {_mib(result.outputs_peak_mib)} MiB: "
        f"target under {TARGET_SECONDS:g} s {_mark(result.target_met)}. The second "
        "build "
        + (
            "kept every output as it was."
            if result.rebuild_unchanged
            else "[bold red]rebuilt something[/]."
        )
    )


def print_national_result(console: Console, result: NationalBenchResult) -> None:
    figures = result.to_json()
    met = result.met
    table = _figures(
        f"cld bench --national: {result.las} authorities × "
        f"{len(result.years)} years ({len(result.sessions):,} sessions; "
        f"{figures['children_looked_after']:,} children looked after and "
        f"{figures['children_in_need']:,} in need a year), {result.workers} workers",
        "a session: one authority's SSDA903 tables and CIN census of one "
        "year, as it uploads them",
        "seconds",
        "target",
    )
    table.add_row(
        f"generate the returns ({result.files:,} files, "
        f"{result.file_mib:,.1f} MiB; not measured)",
        _seconds(result.generate_seconds),
        "",
    )
    table.add_row(
        "make the data area, sign everything (not measured)",
        _seconds(result.setup_seconds),
        "",
    )
    table.add_row(
        "[bold]one session: median[/]",
        _seconds(result.median_seconds),
        f"under {TARGET_PER_LA_SECONDS:g} s {_mark(met['per_la_median'])}",
    )
    table.add_row("one session: 95th percentile", _seconds(result.p95_seconds), "")
    table.add_row(
        f"process everything, {result.workers} workers (wall)",
        _seconds(result.total_seconds),
        f"{figures['seconds_per_authority_year']:.3f} s per authority-year",
    )
    table.add_row(
        "[bold]build every output[/] (a fresh process)",
        _seconds(result.outputs_seconds),
        f"under {TARGET_OUTPUTS_SECONDS:g} s {_mark(met['outputs'])}",
    )
    table.add_row(
        "[bold]peak memory, MiB[/] (any worker, the outputs build)",
        f"{_mib(result.worker_peak_mib)}, {_mib(figures['outputs_peak_mib'])}",
        f"under {TARGET_PEAK_MIB / 1024:g} GiB {_mark(met['peak_mib'])}",
    )
    console.print(table)
    stages = result.stage_seconds
    spent = sum(stages.values()) or 1.0
    shares = ", ".join(
        f"{name} {seconds / spent:.0%}"
        for name, seconds in sorted(stages.items(), key=lambda item: -item[1])
        if seconds / spent >= 0.01
    )
    console.print(f"Where the sessions' time went: {shares}.")
    if result.load:
        console.print(
            "The machine's load (1 minute) as processing began, ended, and after "
            f"the outputs build: {', '.join(f'{x:.1f}' for x in result.load)} "
            f"(with {result.workers} workers and nothing else, about "
            f"{result.workers})."
        )
    if result.las != AUTHORITIES or len(result.years) != 6 or result.scale != 1:
        console.print(
            f"[yellow]The targets are for {AUTHORITIES} authorities × 6 years at "
            "national sizes; this run was smaller.[/]"
        )


def _check_modes(
    outputs: bool,
    national: bool,
    las: int | None,
    workers: int | None,
    scale: float | None,
) -> None:
    if outputs and national:
        raise typer.BadParameter(
            "give --outputs or --national, not both", param_hint="'--national'"
        )
    if outputs and las is not None and las > _LONDON:
        raise typer.BadParameter(
            f"--outputs benchmarks London's {_LONDON} authorities at most; "
            f"--national has {AUTHORITIES}",
            param_hint="'--las'",
        )
    if not national and (workers is not None or scale is not None):
        raise typer.BadParameter(
            "--workers and --scale are for --national", param_hint="'--national'"
        )
    if scale is not None and scale <= 0:
        raise typer.BadParameter("must be above 0", param_hint="'--scale'")


def bench(
    rows: Annotated[
        int | None,
        typer.Option(
            help="Episode rows in the synthetic SSDA903 file [default: 1300000].",
            min=1,
            show_default=False,
        ),
    ] = None,
    dataset: Annotated[
        str,
        typer.Option(
            help="The return to benchmark: ssda903 (CSV) or cin_census (XML)."
        ),
    ] = _DATASET,
    children: Annotated[
        int,
        typer.Option(help="Children in the synthetic XML return.", min=1),
    ] = 200_000,
    year: Annotated[int, typer.Option(help="Collection year of the file.")] = 2024,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data.")] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
    workdir: Annotated[
        Path | None,
        typer.Option(
            file_okay=False,
            help="Write (and keep) the synthetic file here; default a temporary "
            "folder that is removed.",
        ),
    ] = None,
    repeat: Annotated[
        int,
        typer.Option(help="Measure this many times and report the medians.", min=1),
    ] = 1,
    outputs: Annotated[
        bool,
        typer.Option(
            "--outputs",
            help="Time building every use case's outputs instead (33 authorities "
            "× 6 years unless --las / --years say otherwise).",
        ),
    ] = False,
    national: Annotated[
        bool,
        typer.Option(
            "--national",
            help="Time processing England's 153 authorities × 6 years at national "
            "sizes, in worker processes, then building every output.",
        ),
    ] = False,
    las: Annotated[
        int | None,
        typer.Option(
            help="--outputs: authorities, at most 33 [default: 33]; --national: "
            "at most 153 [default: 153].",
            min=1,
            max=AUTHORITIES,
            show_default=False,
        ),
    ] = None,
    years: Annotated[
        int,
        typer.Option(help="--outputs, --national: collection years.", min=1, max=10),
    ] = 6,
    workers: Annotated[
        int | None,
        typer.Option(
            help="--national: worker processes [default: 2].",
            min=1,
            show_default=False,
        ),
    ] = None,
    scale: Annotated[
        float | None,
        typer.Option(
            help="--national: every authority's size times this (small test "
            "runs) [default: 1].",
            show_default=False,
        ),
    ] = None,
    output_children: Annotated[
        int,
        typer.Option(
            "--outputs-children",
            help="--outputs: children looked after per authority and year.",
            min=1,
        ),
    ] = 300,
) -> int:
    """Time validating a synthetic return, and its peak memory.

    SSDA903 (the default): generates an episodes file (timed apart), then measures
    in fresh processes a bare polars.read_csv of it (the floor) and the whole
    validate as `cld validate` does it, stage by stage. With --dataset cin_census:
    generates an XML return of --children children (and one of twice as many),
    then measures a bare lxml iterparse pass (the floor) and reading and conforming
    every table. With --outputs: 33 London authorities' returns processed, then
    every output built. With --national: 153 authorities × 6 years processed one
    session per authority and year in --workers processes, then every output
    built. Exit 0 whether or not the targets are met.
    """
    status = Console(stderr=True, highlight=False)
    _check_modes(outputs, national, las, workers, scale)
    if national:
        national_result = run_national_benchmark(
            AUTHORITIES if las is None else las,
            years,
            workers=2 if workers is None else workers,
            scale=1.0 if scale is None else scale,
            seed=seed,
            workdir=workdir,
            progress=lambda message: status.print(f"[dim]{message}…[/]"),
        )
        return _show(
            as_json,
            national_result.to_json(),
            lambda console: print_national_result(console, national_result),
        )
    if outputs:
        outputs_result = run_outputs_benchmark(
            _LONDON if las is None else las,
            years,
            children=output_children,
            seed=seed,
            workdir=workdir,
            progress=lambda message: status.print(f"[dim]{message}…[/]"),
        )
        return _show(
            as_json,
            outputs_result.to_json(),
            lambda console: print_outputs_result(console, outputs_result),
        )
    _check_dataset(dataset, year, rows)
    if dataset != _DATASET:
        xml_result = run_xml_benchmark(
            dataset,
            children,
            year=year,
            seed=seed,
            repeat=repeat,
            workdir=workdir,
            progress=lambda message: status.print(f"[dim]{message}…[/]"),
        )
        return _show(
            as_json,
            xml_result.to_json(),
            lambda console: print_xml_result(console, xml_result),
        )
    result = run_benchmark(
        _DEFAULT_ROWS if rows is None else rows,
        year=year,
        seed=seed,
        repeat=repeat,
        workdir=workdir,
        progress=lambda message: status.print(f"[dim]{message}…[/]"),
    )
    return _show(
        as_json, result.to_json(), lambda console: print_result(console, result)
    )
