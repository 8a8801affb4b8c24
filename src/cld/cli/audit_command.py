"""``cld audit …``: the registry's audit log, and the check that nobody altered it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cld.cli.options import DataDirOption, JsonOption, open_area
from cld.engine.errors import ExitCode
from cld.pipeline.registry.audit import check_chain
from cld.pipeline.registry.store import Event

app = typer.Typer(
    name="audit",
    help="The audit log: who did what, when, from where.",
    no_args_is_help=True,
)


@app.command("verify")
def verify(data_dir: DataDirOption) -> int:
    """Check every event's hash and its link to the one before. Exit 0 when intact,
    2 when any event was changed or removed (each problem is printed)."""
    _, registry = open_area(data_dir)
    report = check_chain(registry)
    if not report.intact:
        for problem in report.problems:
            typer.echo(f"✗ {problem}")
        return ExitCode.BAD_INPUT
    typer.echo(f"✓ the audit log is intact: {report.events} events")
    typer.echo(f"  last hash {report.last_hash} (keep it to show nothing is cut later)")
    return ExitCode.OK


@app.command("list")
def list_events(
    data_dir: DataDirOption,
    la: Annotated[
        str | None,
        typer.Option("--la", help="Only this authority's: code, DfE number or name."),
    ] = None,
    action: Annotated[
        str | None,
        typer.Option("--action", help="Only this action's, e.g. agreement_signed."),
    ] = None,
    as_json: JsonOption = False,
) -> int:
    """The events, oldest first: who did what, when, from where, and its outcome."""
    _, registry = open_area(data_dir)
    code = registry.authority(la).code if la else None
    events = registry.events(action, la=code)
    if as_json:
        typer.echo(json.dumps([event_json(e) for e in events], indent=2))
        return ExitCode.OK
    table = Table(title="Audit log", title_justify="left")
    for name in ("#", "when (UTC)", "who", "what", "LA", "use case", "from", "outcome"):
        table.add_column(name)
    for e in events:
        table.add_row(
            str(e.id),
            f"{e.at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}",
            e.actor,
            e.action,
            e.la or "",
            e.use_case or "",
            e.source or "",
            e.outcome,
        )
    Console(highlight=False).print(table)
    return ExitCode.OK


def event_json(event: Event) -> dict[str, Any]:
    """An event as the JSON ``cld audit list --json`` prints."""
    return {
        "id": event.id,
        "at": event.at.astimezone(dt.UTC).isoformat(),
        "actor": event.actor,
        "action": event.action,
        "la": event.la,
        "use_case": event.use_case,
        "source": event.source,
        "outcome": event.outcome,
        "detail": event.detail,
        "hash": event.hash,
    }
