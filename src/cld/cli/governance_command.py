"""``cld governance …``: agreements and DPIAs per authority, and the DPIA draft."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cld.cli.dpia_draft_command import dpia_draft
from cld.cli.options import (
    ByOption,
    DataDirOption,
    JsonOption,
    LaOption,
    OnOption,
    open_area,
    parse_date,
    who,
)
from cld.engine.errors import ExitCode, UsageError
from cld.governance.agreements import AgreementStatus, DpiaStatus, in_force
from cld.pipeline.governance_actions import withdraw_agreement
from cld.pipeline.registry import Registry
from cld.pipeline.signed_documents import remove_stored, store_signed_pdf

app = typer.Typer(
    name="governance",
    help="Agreements (DPAs) and DPIAs of each authority, and DPIA drafts.",
    no_args_is_help=True,
)
UseCaseOption = Annotated[
    str, typer.Option("--use-case", help="The use case, e.g. pan.")
]

_MARKS = {
    AgreementStatus.SIGNED: "[green]signed[/]",
    AgreementStatus.REQUESTED: "[yellow]requested[/]",
    AgreementStatus.WITHDRAWN: "[red]withdrawn[/]",
    AgreementStatus.EXPIRED: "[red]expired[/]",
    AgreementStatus.NONE: "[dim]–[/]",
}


def status_matrix(registry: Registry, day: dt.date) -> dict[str, Any]:
    """Authorities × use cases: each agreement, the DPIA and whether data flows."""
    _, policy = registry.policy()
    names = sorted(policy.use_cases)
    agreements = {(a.la, a.use_case): a for a in registry.agreements()}
    dpias = {d.la: d for d in registry.dpias()}
    rows = []
    for authority in registry.authorities():
        dpia = dpias.get(authority.code)
        cells = {}
        for name in names:
            agreement = agreements.get((authority.code, name))
            state = agreement.status_on(day) if agreement else AgreementStatus.NONE
            cells[name] = {
                "status": state.value,
                "signed_on": agreement.signed_on if agreement else None,
                "expires_on": agreement.expires_on if agreement else None,
                "withdrawn_on": agreement.withdrawn_on if agreement else None,
                "signatory": agreement.signatory if agreement else None,
                "role": agreement.role if agreement else None,
                "in_force": bool(agreement and dpia and in_force(agreement, dpia, day)),
            }
        rows.append(
            {
                "code": authority.code,
                "name": authority.name,
                "dpia": {
                    "status": dpia.status.value if dpia else "not_started",
                    "covers": sorted(dpia.covers) if dpia else [],
                    "approved_on": dpia.approved_on if dpia else None,
                    "reviewer": dpia.reviewer if dpia else None,
                },
                "agreements": cells,
            }
        )
    return {"on": day, "use_cases": names, "authorities": rows}


@app.command("status")
def status(
    data_dir: DataDirOption, as_json: JsonOption = False, on: OnOption = None
) -> int:
    """Every authority × use case: the agreement, the DPIA and whether data flows."""
    _, registry = open_area(data_dir)
    matrix = status_matrix(registry, parse_date(on))
    if as_json:
        typer.echo(json.dumps(matrix, indent=2, default=str))
        return ExitCode.OK
    table = Table(title=f"Agreements and DPIAs on {matrix['on']}", title_justify="left")
    table.add_column("LA")
    table.add_column("authority")
    for name in matrix["use_cases"]:
        table.add_column(name)
    table.add_column("DPIA")
    flowing = 0
    for row in matrix["authorities"]:
        cells = []
        for name in matrix["use_cases"]:
            cell = row["agreements"][name]
            mark = _MARKS[AgreementStatus(cell["status"])]
            if cell["in_force"]:
                mark += " ✓"
                flowing += 1
            cells.append(mark)
        dpia = row["dpia"]
        covers = f" ({', '.join(dpia['covers'])})" if dpia["covers"] else ""
        table.add_row(row["code"], row["name"], *cells, dpia["status"] + covers)
    console = Console(highlight=False)
    console.print(table)
    console.print(
        f"✓ data flows: {flowing} authority × use case pairs have a signed, unexpired "
        "agreement and an approved DPIA covering it."
    )
    return ExitCode.OK


@app.command("request")
def request(
    data_dir: DataDirOption,
    la: LaOption,
    use_case: UseCaseOption,
    on: OnOption = None,
    by: ByOption = None,
) -> int:
    """Record that an agreement has been sent to an authority for signature."""
    _, registry = open_area(data_dir)
    authority = registry.authority(la)
    registry.request(authority.code, use_case, on=parse_date(on), by=who(by))
    typer.echo(f"{authority.name}: the {use_case} agreement is requested.")
    return ExitCode.OK


@app.command("sign")
def sign(
    data_dir: DataDirOption,
    la: LaOption,
    use_case: UseCaseOption,
    on: OnOption = None,
    expires: Annotated[
        str | None,
        typer.Option(help="Last day of the agreement (default: the use case's term)."),
    ] = None,
    signatory: Annotated[str | None, typer.Option(help="Who signed.")] = None,
    role: Annotated[
        str | None, typer.Option(help="Their role, e.g. Data Protection Officer.")
    ] = None,
    document: Annotated[
        Path | None,
        typer.Option(
            help="The signed agreement (PDF): checked, kept read-only in the data "
            "area, and its checksum recorded.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    isg_reference: Annotated[
        str | None,
        typer.Option("--isg-reference", help="The Information Sharing Gateway ref."),
    ] = None,
    by: ByOption = None,
) -> int:
    """Record a signed Data Protection Agreement for a use case.

    From that day the authority's data may flow into the use case, once a DPIA
    covering it is approved.
    """
    area, registry = open_area(data_dir)
    authority = registry.authority(la)
    day = parse_date(on)
    name = registry.policy()[1].use_case(use_case).name
    stored = None
    if document is not None:
        with document.open("rb") as source:
            stored = store_signed_pdf(area, source, la=authority.code, use_case=name)
    try:
        agreement = registry.sign(
            authority.code,
            name,
            on=day,
            by=who(by),
            expires_on=parse_date(expires, "--expires") if expires else None,
            signatory=signatory,
            role=role,
            document_sha256=stored.sha256 if stored else None,
            isg_reference=isg_reference,
        )
    except BaseException:
        if stored is not None and stored.created:
            remove_stored(stored)
        raise
    flows = registry.permissions(authority.code, day).allows(use_case)
    typer.echo(
        f"{authority.name}: the {use_case} agreement is signed from "
        f"{agreement.signed_on} to {agreement.expires_on}."
        + ("" if flows else " Data will flow once a DPIA covering it is approved.")
    )
    return ExitCode.OK


@app.command("withdraw")
def withdraw(
    data_dir: DataDirOption,
    la: LaOption,
    use_case: UseCaseOption,
    on: OnOption = None,
    by: ByOption = None,
) -> int:
    """Withdraw an agreement: nothing more flows, and its published tables go.

    The authority's published tables for the use case are deleted at once.
    """
    area, registry = open_area(data_dir)
    authority = registry.authority(la)
    _, removed = withdraw_agreement(
        area, registry, authority.code, use_case, on=parse_date(on), by=who(by)
    )
    typer.echo(
        f"{authority.name}: the {use_case} agreement is withdrawn; "
        f"{len(removed)} published tables deleted."
    )
    return ExitCode.OK


def parse_dpia_status(text: str) -> DpiaStatus:
    wanted = text.strip().casefold().replace("-", "_").replace(" ", "_")
    try:
        return DpiaStatus(wanted)
    except ValueError:
        options = ", ".join(s.value.replace("_", "-") for s in DpiaStatus)
        raise UsageError(f"--status {text!r} is not one of {options}") from None


@app.command("dpia")
def dpia(
    data_dir: DataDirOption,
    la: LaOption,
    status: Annotated[
        str, typer.Option(help="not-started, draft, submitted or approved.")
    ],
    covers: Annotated[
        str | None,
        typer.Option(help="The use cases it covers, e.g. pan,sufficiency."),
    ] = None,
    reviewer: Annotated[
        str | None, typer.Option(help="Who reviewed (needed to approve).")
    ] = None,
    on: OnOption = None,
    by: ByOption = None,
) -> int:
    """Record the state of an authority's DPIA and the use cases it covers."""
    _, registry = open_area(data_dir)
    authority = registry.authority(la)
    scope = (
        frozenset(p.strip() for p in covers.split(",") if p.strip())
        if covers is not None
        else None
    )
    result = registry.set_dpia(
        authority.code,
        status=parse_dpia_status(status),
        covers=scope,
        reviewer=reviewer,
        on=parse_date(on),
        by=who(by),
    )
    covered = ", ".join(sorted(result.covers)) or "no use case"
    typer.echo(f"{authority.name}: DPIA {result.status.value}, covering {covered}.")
    return ExitCode.OK


app.command("dpia-draft")(dpia_draft)
