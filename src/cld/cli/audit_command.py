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
from cld.pipeline.registry.audit import Anchor, check_chain
from cld.pipeline.registry.audit_actions import action_label
from cld.pipeline.registry.custody import install_audit_owner
from cld.pipeline.registry.database import database_url, engine_for
from cld.pipeline.registry.store import Event

DEVELOPMENT_KEY_WARNING = (
    "! checked with the development-only audit key (CLD_AUDIT_KEY is not set): "
    "anyone could have rewritten this log"
)

app = typer.Typer(
    name="audit",
    help="The audit log: who did what, when, from where.",
    no_args_is_help=True,
)


AnchorOption = Annotated[
    str | None,
    typer.Option(
        "--anchor",
        help="An anchor kept earlier (ID:HASH, from `cld audit anchor`): the log "
        "must still hold that event at that place.",
    ),
]


@app.command("verify")
def verify(data_dir: DataDirOption, anchor: AnchorOption = None) -> int:
    """Check every event's keyed hash (CLD_AUDIT_KEY) and its link to the one before,
    and with --anchor that nothing was cut or rewritten up to the anchored event.
    Exit 0 when intact, 2 when any event was changed or removed (each problem is
    printed)."""
    anchored = Anchor.parse(anchor) if anchor is not None else None
    _, registry = open_area(data_dir)
    report = check_chain(registry, anchor=anchored)
    if not report.intact:
        for problem in report.problems:
            typer.echo(f"✗ {problem}")
        return ExitCode.BAD_INPUT
    typer.echo(f"✓ the audit log is intact: {report.events} events")
    if anchored is not None:
        typer.echo(f"  it still holds the anchored event {anchored.event}")
    if report.unkeyed:
        typer.echo(
            f"  events 1 to {report.unkeyed} were written before the log was keyed "
            "(plain SHA-256); the keyed event after them fixes them"
        )
    if report.development_key:
        typer.echo(DEVELOPMENT_KEY_WARNING)
    typer.echo(
        f"  anchor {report.anchor}: keep it elsewhere; --anchor later shows that "
        "nothing up to it was cut or rewritten"
    )
    return ExitCode.OK


@app.command("anchor")
def anchor_command(data_dir: DataDirOption) -> int:
    """Print the anchor to publish (ID:HASH of the last event) once the log verifies,
    e.g. daily: `cld audit anchor --data-dir … | logger -t cld-audit`. Exit 2, and
    no anchor, when the log does not verify."""
    _, registry = open_area(data_dir)
    report = check_chain(registry)
    if not report.intact:
        for problem in report.problems:
            typer.echo(f"✗ {problem}", err=True)
        return ExitCode.BAD_INPUT
    typer.echo(str(report.anchor))
    return ExitCode.OK


@app.command("install")
def install(
    admin_url: Annotated[
        str,
        typer.Option(
            "--admin-url",
            help="An administrator's connection to the registry's PostgreSQL "
            "database, with the search_path the application uses.",
        ),
    ],
    app_role: Annotated[
        str,
        typer.Option("--app-role", help="The role the application connects as."),
    ],
    owner: Annotated[
        str,
        typer.Option("--owner", help="The role that owns the audit log."),
    ] = "cld_audit_owner",
) -> int:
    """Give the audit log's table and triggers to a role of their own (PostgreSQL),
    leaving the application's role SELECT and INSERT only, so it cannot disable
    the triggers. Idempotent."""
    admin = engine_for(database_url(admin_url, "--admin-url"))
    schema = install_audit_owner(admin, owner=owner, app_role=app_role)
    typer.echo(
        f"The audit log ({schema}.events) belongs to {owner}; {app_role} may only "
        "read it and add to it."
    )
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
        typer.Option(
            "--action", help="Only this action's (its code), e.g. agreement_signed."
        ),
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
            action_label(e.action),
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
