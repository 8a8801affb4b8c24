"""``cld sessions …``: the processing sessions of each authority and their archive."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cld.cli.options import DataDirOption, open_area
from cld.engine.errors import ExitCode, UsageError
from cld.pipeline.manifest import verify_session
from cld.pipeline.session_status import ARCHIVED_STATUSES

app = typer.Typer(
    name="sessions",
    help="Processing sessions and their archives.",
    no_args_is_help=True,
)


@app.command("list")
def list_sessions(
    data_dir: DataDirOption,
    la: Annotated[str | None, typer.Option(help="Only this authority.")] = None,
) -> int:
    """Every session: authority, status, when, by whom, under which policy."""
    _, registry = open_area(data_dir)
    code = registry.authority(la).code if la else None
    table = Table(title="Sessions", title_justify="left")
    table.add_column("session", no_wrap=True)
    for name in ("LA", "status", "received", "by", "policy"):
        table.add_column(name)
    for s in registry.sessions(code):
        table.add_row(
            s.id,
            s.la,
            s.status,
            f"{s.received_at:%Y-%m-%d %H:%M}",
            s.submitted_by,
            str(s.policy_version),
        )
    Console(highlight=False).print(table)
    return ExitCode.OK


@app.command("verify")
def verify(
    data_dir: DataDirOption,
    session: Annotated[
        list[str] | None, typer.Argument(help="Session ids (default: every one).")
    ] = None,
) -> int:
    """Check each session's archive against its manifest. Exit 0 when intact."""
    area, registry = open_area(data_dir)
    records = {s.id: s for s in registry.sessions()}
    wanted = session or [
        s.id for s in records.values() if s.status in ARCHIVED_STATUSES
    ]
    broken = 0
    for name in wanted:
        if name not in records:
            raise UsageError(f"there is no session {name!r}")
        problems = verify_session(
            area.fetch(area.session_dir(records[name].la, name), again=True)
        )
        if problems:
            broken += 1
            typer.echo(f"✗ {name}:")
            for problem in problems:
                typer.echo(f"    {problem}")
        else:
            typer.echo(f"✓ {name}: intact")
    return ExitCode.BAD_INPUT if broken else ExitCode.OK
