"""Options shared by the commands that work on a data area."""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Annotated

import typer

from cld.engine.errors import UsageError
from cld.pipeline.data_area import DataArea, open_existing_area
from cld.pipeline.registry import Registry, open_registry

DataDirOption = Annotated[
    str,
    typer.Option(
        "--data-dir",
        help="The platform's data area (made by `cld init`): a folder, or an "
        "object-store URL such as s3://bucket/prefix (credentials and "
        "AWS_ENDPOINT_URL from the environment; its registry is DATABASE_URL).",
    ),
]
ByOption = Annotated[
    str | None,
    typer.Option("--by", help="Who is doing this (recorded); default: your login."),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON instead of tables.")
]
LaOption = Annotated[
    str, typer.Option("--la", help="The local authority: code, DfE number or name.")
]
OnOption = Annotated[
    str | None,
    typer.Option("--on", help="The date it happened, e.g. 2026-04-01 (default today)."),
]


def who(by: str | None) -> str:
    if by and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a container
        return "unknown"


def parse_date(text: str | None, option: str = "--on") -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            f"{option} {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-04-01"
        ) from None


def open_area(data_dir: str | Path) -> tuple[DataArea, Registry]:
    """The data area and its registry, refusing a folder `cld init` did not make."""
    area = open_existing_area(data_dir)
    return area, open_registry(area.registry_file)
