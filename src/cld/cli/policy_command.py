"""``cld policy …``: the processing policy, its versions, and changing it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cld.cli.options import ByOption, DataDirOption, open_area, who
from cld.engine.errors import ExitCode, UsageError
from cld.governance.policy import policy_from_yaml, policy_to_yaml
from cld.pipeline.atomic import write_bytes_atomically

app = typer.Typer(
    name="policy",
    help="The processing policy of every use case, versioned.",
    no_args_is_help=True,
)


@app.command("export")
def export(
    data_dir: DataDirOption,
    out: Annotated[Path | None, typer.Option(help="Write it here (YAML).")] = None,
    version: Annotated[int | None, typer.Option(help="An earlier version.")] = None,
) -> int:
    """The policy in force (or an earlier version) as YAML, to read or edit."""
    _, registry = open_area(data_dir)
    policy = registry.policy()[1] if version is None else registry.policy_at(version)
    text = policy_to_yaml(policy)
    if out is None:
        typer.echo(text, nl=False)
    else:
        write_bytes_atomically(out, text.encode("utf-8"))
        typer.echo(f"wrote {out}")
    return ExitCode.OK


@app.command("apply")
def apply(
    file: Annotated[Path, typer.Argument(help="The edited policy (YAML).")],
    data_dir: DataDirOption,
    reason: Annotated[str, typer.Option(help="Why it changes (recorded).")],
    by: ByOption = None,
) -> int:
    """Check an edited policy and make it the new version in force."""
    _, registry = open_area(data_dir)
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {file}: {exc}") from None
    version = registry.set_policy(policy_from_yaml(text), by=who(by), reason=reason)
    if version is None:
        typer.echo("The policy is unchanged; no new version.")
    else:
        typer.echo(f"Policy version {version} is in force.")
    return ExitCode.OK


@app.command("history")
def history(data_dir: DataDirOption) -> int:
    """Every version of the policy: who changed it, when and why."""
    _, registry = open_area(data_dir)
    table = Table(title="Policy versions", title_justify="left")
    for name in ("version", "when", "by", "why", "sha256"):
        table.add_column(name)
    for v in registry.policy_history():
        table.add_row(
            str(v.version),
            f"{v.created_at:%Y-%m-%d %H:%M}",
            v.created_by,
            v.reason,
            v.sha256[:12],
        )
    Console(highlight=False).print(table)
    return ExitCode.OK
