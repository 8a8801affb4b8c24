"""The hub's pages: the dashboard, the outputs a person may download, one use
case's outputs with its manifest, and the download of one of its files.

A use case's outputs (and the charts drawn from them) are for the people who may
see that use case (``can_see_use_case``); a use case someone may not see answers
exactly as one that does not exist (404, recorded as refused). The dashboard's
two matrices are metadata and show to anyone who may open it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cld.engine.spec.load import dataset_names, load_spec, year_range
from cld.pipeline.outputs.outputs_manifest import MANIFEST, OutputsManifest
from cld.pipeline.registry import Registry
from cld.portal.accounts.access import requires
from cld.portal.accounts.permissions import can_see_use_case
from cld.portal.accounts.roles import Permission
from cld.portal.data_area import registry
from cld.portal.errors import not_found
from cld.portal.hub import dashboard, figures, files

KINDS = {
    "child-level": "Child-level (approved analysts only; stays in the hub)",
    "report": "Report (after disclosure control; may leave the hub)",
}


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str


def datasets() -> list[Dataset]:
    """Every dataset the platform has a schema for, with its latest title."""
    return [
        Dataset(name, load_spec(name, year_range(name)[-1]).title)
        for name in dataset_names()
    ]


def _visible(request: HttpRequest, found: Registry) -> list[tuple[str, str]]:
    """The use cases of the policy in force the user may see: (name, title)."""
    _, policy = found.policy()
    return [
        (name, spec.title)
        for name, spec in sorted(policy.use_cases.items())
        if can_see_use_case(request.user, name)
    ]


@requires(Permission.VIEW_HUB_DASHBOARD)
@require_GET
def hub(request: HttpRequest) -> HttpResponse:
    found = registry()
    _, policy = found.policy()
    use_cases = sorted(policy.use_cases)
    authorities = found.authorities()
    sessions = found.sessions()
    day = timezone.localdate()
    agreements = dashboard.agreements_matrix(
        authorities, use_cases, found.agreements(), found.dpias(), day
    )
    known = datasets()
    sufficiency: list[figures.Figure] | None = None
    if can_see_use_case(request.user, figures.SUFFICIENCY):
        built = files.built_manifest_of(figures.SUFFICIENCY)
        sufficiency = figures.distance_figures(
            files.file_of(figures.SUFFICIENCY, figures.DISTANCE_TABLE),
            built.disclosure.description if built else "",
        )
    equalities: list[figures.Figure] | None = None
    if can_see_use_case(request.user, figures.EQUALITIES):
        tables = [
            path
            for name in figures.EQUALITIES_TABLES
            if (path := files.file_of(figures.EQUALITIES, name)) is not None
        ]
        equalities = figures.odds_ratio_figures(tables)
    return render(
        request,
        "portal/hub/dashboard.html",
        {
            "datasets": known,
            "returns": dashboard.returns_matrix(
                authorities, [d.name for d in known], sessions
            ),
            "use_cases": use_cases,
            "agreements": agreements,
            "in_force": dashboard.in_force_counts(agreements, use_cases),
            "outputs_freshness": [
                files.freshness_of(name, files.built_manifest_of(name))
                for name in use_cases
            ],
            "today": day,
            "sessions_chart": figures.submissions_figure(
                dashboard.sessions_per_month(sessions)
            ),
            "sufficiency": sufficiency,
            "equalities": equalities,
        },
    )


@requires(Permission.VIEW_OUTPUTS)
@require_GET
def outputs(request: HttpRequest) -> HttpResponse:
    found = registry()
    rows = []
    for name, title in _visible(request, found):
        manifest = files.built_manifest_of(name)
        rows.append(
            {
                "name": name,
                "title": title,
                "built": manifest is not None,
                "freshness": files.freshness_of(name, manifest),
                "built_at": files.built_at(name),
                "las": len(manifest.las) if manifest else 0,
                "years": list(manifest.years) if manifest else [],
            }
        )
    return render(request, "portal/hub/outputs.html", {"use_cases": rows})


def _seen(request: HttpRequest, use_case: str) -> OutputsManifest:
    """The manifest of a use case the user may see, or a refusal that reads as
    "no such output"."""
    _, policy = registry().policy()
    manifest = (
        files.built_manifest_of(use_case)
        if use_case in policy.use_cases and can_see_use_case(request.user, use_case)
        else None
    )
    if manifest is None:
        raise not_found(request, "output")
    return manifest


def _when(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


@requires(Permission.VIEW_OUTPUTS)
@require_GET
def output(request: HttpRequest, use_case: str) -> HttpResponse:
    manifest = _seen(request, use_case)
    names = {a.code: a.name for a in registry().authorities()}
    available = files.output_files(use_case)
    by_stem: dict[str, list[files.OutputFile]] = {}
    for item in available:
        by_stem.setdefault(item.stem, []).append(item)
    tables: list[dict[str, Any]] = [
        {
            "name": name,
            "kind": KINDS.get(table.kind, table.kind),
            "rows": table.rows,
            "las": list(table.las),
            "years": list(table.years),
            "files": [f for f in by_stem.get(name, []) if f.format != "Excel"],
        }
        for name, table in sorted(manifest.tables.items())
    ]
    listed = {f.name for t in tables for f in t["files"]}
    return render(
        request,
        "portal/hub/output.html",
        {
            "use_case": use_case,
            "title": manifest.title or use_case,
            "built_at": files.built_at(use_case),
            "freshness": files.freshness_of(use_case, manifest),
            "authorities": [
                {"code": la, "name": names.get(la, la)} for la in manifest.las
            ],
            "years": list(manifest.years),
            "policy_version": manifest.policy.version,
            "policy_sha256": manifest.policy.sha256,
            "disclosure_rule": manifest.disclosure.rule,
            "disclosure_description": manifest.disclosure.description,
            "tables": tables,
            "workbooks": [f for f in available if f.format == "Excel"],
            "other_files": [
                f
                for f in available
                if f.name not in listed and f.format != "Excel" and f.name != MANIFEST
            ],
            "manifest_file": next((f for f in available if f.name == MANIFEST), None),
            "last_uploads": [
                {"code": la, "name": names.get(la, la), "at": _when(at)}
                for la, at in sorted(manifest.last_upload.items())
            ],
        },
    )


@requires(Permission.VIEW_OUTPUTS)
@require_GET
def output_file(request: HttpRequest, use_case: str, filename: str) -> HttpResponseBase:
    _seen(request, use_case)
    path = files.file_of(use_case, filename)
    if path is None:
        raise not_found(request, "output file")
    if filename == MANIFEST:  # handed out saying whether it is still up to date
        return files.download_manifest(request, use_case, path)
    try:
        return files.download(request, use_case, path)
    except FileNotFoundError:  # a rebuild replaced the outputs since file_of
        raise Http404("no such output file") from None
