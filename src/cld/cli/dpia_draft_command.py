"""``cld governance dpia-draft``: write an authority's pre-filled DPIA draft."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cld.cli.options import DataDirOption, LaOption, open_area, parse_date
from cld.engine.errors import ExitCode
from cld.pipeline.dpia_document import write_dpia_draft


def dpia_draft(
    data_dir: DataDirOption,
    la: LaOption,
    out: Annotated[
        Path,
        typer.Option("--out", help="The file to write: a .docx (Word) or .md file."),
    ],
    on: Annotated[
        str | None,
        typer.Option(
            "--on", help="The day the draft describes, as YYYY-MM-DD (default today)."
        ),
    ] = None,
) -> int:
    """Write the authority's DPIA draft, generated from the registry and the policy.

    Every use case it has signed, every field processed, what is done to it and why,
    the data received, the risks and the platform's measures, stamped with the
    policy version and its SHA-256.
    """
    day = parse_date(on)
    _, registry = open_area(data_dir)
    authority = registry.authority(la)
    path = write_dpia_draft(registry, authority.code, out, day)
    typer.echo(f"Wrote the DPIA draft for {authority.name} to {path}")
    return ExitCode.OK
