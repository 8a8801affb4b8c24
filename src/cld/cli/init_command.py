"""``cld init``: make a data area and its registry, with the default use cases."""

from __future__ import annotations

import typer

from cld.cli.options import ByOption, DataDirOption, who
from cld.engine.errors import ExitCode
from cld.pipeline.data_area import open_data_area
from cld.pipeline.registry import open_registry
from cld.pipeline.registry.audit_key import AUDIT_KEY_ENV, audit_key
from cld.pipeline.registry.custody import custody_warnings


def init(data_dir: DataDirOption, by: ByOption = None) -> int:
    """Create the data area and its registry with the default use cases.

    Idempotent: an existing data area is kept as it is. Warns when the audit log
    could be silenced (the application's database role owns it, or is a superuser)
    or is keyed with the development-only key.
    """
    area = open_data_area(data_dir)
    area.create()
    registry = open_registry(area.registry_file, must_exist=False)
    created = registry.create(by=who(by))
    version, policy = registry.policy()
    if created:
        typer.echo(
            f"Made the data area {data_dir} with {len(registry.authorities())} "
            f"authorities and the use cases {', '.join(sorted(policy.use_cases))} "
            f"(policy version {version.version})."
        )
    else:
        typer.echo(
            f"{data_dir} is already a data area (policy version {version.version}); "
            "nothing changed."
        )
    for warning in custody_warnings(registry.engine):
        typer.echo(f"warning: {warning}", err=True)
    if audit_key().development:
        typer.echo(
            f"warning: {AUDIT_KEY_ENV} is not set, so the audit log is keyed with "
            "the development-only key and anyone could rewrite it; set a secret of "
            "32+ characters before real use (production refuses to run without it)",
            err=True,
        )
    return ExitCode.OK
