"""``cld process``: run a processing session over an authority's files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cld.cli.options import (
    ByOption,
    DataDirOption,
    JsonOption,
    LaOption,
    open_area,
    who,
)
from cld.cli.validate_command import print_report
from cld.engine.errors import ExitCode
from cld.engine.validate import FileReport
from cld.pipeline.pseudonym_key import key_from_environment
from cld.pipeline.session import STAGES, SessionResult, process_files
from cld.pipeline.session_status import SessionStatus


def _print_unchanged(console: Console, report: FileReport, note: str) -> None:
    """A file not processed again: the note naming the session that did, and
    what that session found in it."""
    console.print(f"[bold]= {report.file}[/]: {note}", highlight=False)
    if report.error is not None:
        console.print(f"  [red]it could not be read then:[/] {report.error}")
        return
    errors, warnings = report.counts["error"], report.counts["warning"]
    console.print(
        f"  found then: [red]{errors:,} error{'' if errors == 1 else 's'}[/], "
        f"[yellow]{warnings:,} warning{'' if warnings == 1 else 's'}[/] (in that "
        "session's issue report)",
        highlight=False,
    )


def _print_result(console: Console, result: SessionResult, max_issues: int) -> None:
    for report in result.reports:
        if report.file in result.unchanged:
            _print_unchanged(console, report, result.notes[report.file])
            continue
        print_report(console, report, max_issues)
        if report.file in result.notes:
            console.print(f"  [yellow]not shared:[/] {result.notes[report.file]}")
    if result.status == SessionStatus.UNCHANGED:
        console.print(
            "Every file is the same as one already processed, and nothing has "
            "changed since: nothing was done."
        )
    elif not result.use_cases:
        console.print(
            "[yellow]No use case is in force for this authority[/] (a signed "
            "agreement and an approved DPIA): the files are archived, nothing is "
            "shared."
        )
    shared: dict[str, int] = {}
    for table in result.published:
        shared[table.use_case] = shared.get(table.use_case, 0) + 1
    for use_case, count in sorted(shared.items()):
        console.print(f"  shared with [bold]{use_case}[/]: {count} tables")
    console.print(f"Session {result.session}: {result.status}.")


def process(
    files: Annotated[list[Path], typer.Argument(help="The authority's files.")],
    data_dir: DataDirOption,
    la: LaOption,
    as_json: JsonOption = False,
    by: ByOption = None,
    max_issues: Annotated[
        int, typer.Option(help="Issues shown per file on screen.", min=0)
    ] = 20,
) -> int:
    """Check, protect, archive and publish an authority's files under the policy.

    Each table goes, minimised, pseudonymised and degraded, to every use case the
    authority has a signed agreement and an approved DPIA for; the upload is
    archived with its issue report and a manifest.

    A file processed before (the same checksum) is not processed again while
    nothing has changed since (the policy, the key, the use cases in force, what
    it published): it is reported unchanged, with the session that processed it.

    Needs CLD_PSEUDONYM_KEY. Exit 0 when every file was read (data issues are not
    failures; an unchanged file counts as read unless it could not be read when
    it was processed); 2 when a file could not be read or identified.
    """
    key = key_from_environment()
    area, registry = open_area(data_dir)
    authority = registry.authority(la)
    console = Console(stderr=as_json, highlight=False)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("receive", total=len(STAGES))

        def advance(stage: str) -> None:
            if stage in STAGES:
                progress.update(task, description=stage, completed=STAGES.index(stage))

        result = process_files(
            area, registry, authority, files, by=who(by), key=key, on_stage=advance
        )
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2, default=str))
    else:
        _print_result(console, result, max_issues)
    failed = any(r.error is not None for r in result.reports)
    return ExitCode.BAD_INPUT if failed else ExitCode.OK
