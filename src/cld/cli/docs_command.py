"""``cld docs``: write the generated reference pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cld.engine.errors import ExitCode
from cld.engine.reference_docs import reference_pages


def docs(
    out: Annotated[Path, typer.Option(help="Folder for the pages.")] = Path(
        "docs/reference"
    ),
) -> int:
    """Write the issue-code catalogue and the schema fields as Markdown pages."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in reference_pages().items():
        (out / name).write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out / name}")
    return ExitCode.OK
