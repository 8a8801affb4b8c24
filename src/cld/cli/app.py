"""The ``cld`` command: one Typer app, one place that turns failures into exit codes."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from cld.cli import (
    audit_command,
    bench_command,
    data_command,
    demo_command,
    docs_command,
    governance_command,
    init_command,
    outputs_command,
    policy_command,
    process_command,
    retention_command,
    serve_command,
    sessions_command,
    synth_command,
    users_command,
    validate_command,
)
from cld.engine.errors import CldError, ExitCode, exit_code_for

app = typer.Typer(
    name="cld",
    help="Child Level Data platform: check, process and share children's services "
    "returns.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _cld() -> None:
    """Child Level Data platform: check, process and share children's returns."""


app.command("validate")(validate_command.validate)
app.command("bench")(bench_command.bench)
app.command("docs")(docs_command.docs)
app.command("synth")(synth_command.synth)
app.command("demo")(demo_command.demo)
app.command("init")(init_command.init)
app.command("process")(process_command.process)
app.command("outputs")(outputs_command.outputs)
app.add_typer(governance_command.app)
app.add_typer(data_command.app)
app.add_typer(audit_command.app)
app.add_typer(policy_command.app)
app.add_typer(retention_command.app)
app.add_typer(sessions_command.app)
app.command("serve")(serve_command.serve)
app.add_typer(users_command.app)


def run(args: list[str] | None = None) -> int:
    """Run ``cld`` with ``args`` and return the exit code (failures become codes)."""
    try:
        result = app(args=args, standalone_mode=False, prog_name="cld")
    except CldError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        return exit_code_for(exc)
    except typer.TyperException as exc:  # a usage error: typer shows it
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        return int(getattr(exc, "exit_code", ExitCode.BAD_INPUT))
    except typer.Abort:
        return 130
    return result if isinstance(result, int) else ExitCode.OK


def main() -> None:
    """Entry point of the ``cld`` script."""
    sys.exit(run())
