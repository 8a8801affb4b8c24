"""``cld users …``: the portal's accounts (add a person with a role, issue an API
token). Each change is recorded in the audit log."""

from __future__ import annotations

import datetime as dt
import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer

from cld.cli.options import ByOption, DataDirOption, open_area, who
from cld.cli.serve_command import prepare_portal
from cld.engine.errors import ExitCode, UsageError
from cld.portal.accounts.token_lifetime import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS

app = typer.Typer(
    name="users",
    help="The portal's users: roles and API tokens.",
    no_args_is_help=True,
)
UsernameArgument = Annotated[str, typer.Argument(help="The person's username.")]


@app.command("add")
def add(
    data_dir: DataDirOption,
    username: UsernameArgument,
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="la-uploader, la-governance, hub-analyst, ig-reviewer or admin.",
        ),
    ],
    la: Annotated[
        str | None,
        typer.Option("--la", help="The authority (LA roles): code, DfE number, name."),
    ] = None,
    use_case: Annotated[
        list[str] | None,
        typer.Option("--use-case", help="An approved use case (hub analysts)."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from the first line of stdin."
        ),
    ] = False,
    by: ByOption = None,
) -> int:
    """Add a person with a role. Without --password-stdin a password is made and
    printed once."""
    _, registry = open_area(data_dir)
    _portal(data_dir)
    from cld.portal.accounts.actions import add_user, checked_member

    member = checked_member(
        registry, username=username, role=role, la=la, use_cases=use_case or []
    )
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("no password on stdin")
    else:
        password = secrets.token_urlsafe(18)
    add_user(registry, member, password=password, by=who(by))
    where = f" for {member.la}" if member.la else ""
    cases = f" ({', '.join(member.use_cases)})" if member.use_cases else ""
    typer.echo(f"✓ added {member.username}: {member.role}{where}{cases}")
    if not password_stdin:
        typer.echo("  password (shown once, pass it on safely):")
        typer.echo(password)
    return ExitCode.OK


@app.command("token")
def token(
    data_dir: DataDirOption,
    username: UsernameArgument,
    days: Annotated[
        int,
        typer.Option(
            "--days",
            help=f"How many days the token works (1 to {MAX_TOKEN_DAYS}).",
            min=1,
            max=MAX_TOKEN_DAYS,
        ),
    ] = DEFAULT_TOKEN_DAYS,
    by: ByOption = None,
) -> int:
    """Issue a new API token for the user (their earlier one stops working),
    working for --days days (90 unless given). The token is the last line
    printed, shown once."""
    _, registry = open_area(data_dir)
    _portal(data_dir)
    from cld.portal.accounts.actions import issue_token

    issued = issue_token(registry, username, days=days, by=who(by))
    expires = issued.expires_at.astimezone(dt.UTC)
    typer.echo(
        f"✓ new API token for {username}, working until "
        f"{expires:%Y-%m-%d %H:%M} UTC ({days} days; shown once; send it as"
    )
    typer.echo("  'Authorization: Bearer TOKEN'):")
    typer.echo(issued.secret)
    return ExitCode.OK


def _portal(data_dir: str | Path) -> None:
    """Set Django up for the data area and bring its tables up to date."""
    prepare_portal(data_dir)
