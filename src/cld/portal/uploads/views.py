"""The upload page (several files at once; drag and drop when scripts run) and
the progress page of an upload (each file's identification and the pipeline's
stages, refreshed every two seconds until it is done)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    PermissionDenied,
)
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from cld.engine.errors import UsageError
from cld.engine.spec.load import load_spec
from cld.governance.authorities import Authority
from cld.pipeline.session import STAGES
from cld.pipeline.session_report import stored_file_entries
from cld.portal.accounts.access import requires
from cld.portal.accounts.permissions import membership_of
from cld.portal.accounts.roles import Permission, Scope, role_named
from cld.portal.audit import client_ip
from cld.portal.data_area import data_area, registry
from cld.portal.uploads.forms import UploadForAnyForm, UploadForm
from cld.portal.uploads.jobs import FINISHED, SessionInfo, display_name, submit
from cld.portal.uploads.receive import UploadRefused, capped_body
from cld.portal.uploads.refusals import record_upload_refused
from cld.portal.uploads.session_list import visible_session

STAGE_TITLES = {
    "receive": "Receive the files",
    "identify": "Identify each return, table and year",
    "parse": "Read the files",
    "conform": "Check every value against the return's rules",
    "minimise": "Keep only what the signed use cases need",
    "enrich": "Add the authority, year and derived fields",
    "pseudonymise": "Pseudonymise identifiers; degrade dates and postcodes",
    "archive": "Archive the session and its issue report",
    "publish": "Share with the use cases in force",
}


def _form_for(request: HttpRequest, *args: Any) -> UploadForm:
    """The form for this person: someone of one authority uploads for it; someone
    who may see every authority chooses one."""
    membership = membership_of(request.user)
    assert membership is not None  # @requires refuses anyone without one
    if role_named(membership.role).scope is Scope.PLATFORM:
        return UploadForAnyForm(*args, authorities=registry().authorities())
    if not membership.la:
        raise PermissionDenied("an authority role without an authority")
    return UploadForm(*args)


def _authority(request: HttpRequest, form: UploadForm) -> Authority:
    membership = membership_of(request.user)
    assert membership is not None
    code = form.cleaned_data.get("authority") or membership.la
    return registry().authority(code)


def _page(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    return render(request, "portal/uploads/upload.html", {"form": form}, status=status)


@requires(Permission.UPLOAD_FILES)
@csrf_exempt  # the body is read under the cap first; the token is checked after
def upload(request: HttpRequest) -> HttpResponseBase:
    if request.method != "POST":
        return _page(request, _form_for(request))
    try:
        with capped_body(request, data_area()):
            return csrf_protect(_submit)(request)
    except UploadRefused as refused:
        return _refused(request, _form_for(request), refused)


def _submit(request: HttpRequest) -> HttpResponseBase:
    form = _form_for(request, request.POST, request.FILES)
    if not form.is_valid():
        reasons = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        record_upload_refused(request, UploadRefused(reasons), door="form")
        return _page(request, form, status=400)
    try:
        authority = _authority(request, form)
    except UsageError as unknown:  # an authority the registry does not have
        record_upload_refused(request, UploadRefused(str(unknown)), door="form")
        form.add_error(
            "authority" if "authority" in form.fields else None, str(unknown)
        )
        return _page(request, form, status=400)
    try:
        made = submit(
            form.cleaned_data["returns"],
            authority=authority,
            by=request.user.get_username(),
            source=client_ip(request),
        )
    except UploadRefused as refused:
        return _refused(request, form, refused)
    see_progress = HttpResponseRedirect(
        reverse("upload-progress", kwargs={"session_id": made.session_id})
    )
    see_progress.status_code = 303  # See Other: the form is not sent again
    return see_progress


def _refused(
    request: HttpRequest, form: UploadForm, refused: UploadRefused
) -> HttpResponse:
    record_upload_refused(request, refused, door="form")
    form.refuse(refused.message)
    return _page(request, form, status=refused.status)


@requires(Permission.UPLOAD_FILES)
def upload_progress(request: HttpRequest, session_id: str) -> HttpResponse:
    info = visible_session(request, session_id)
    return render(
        request,
        "portal/uploads/progress.html",
        {
            "status": info,
            "refresh": info.status in ("queued", "running"),
            "stages": stage_steps(info.status, info.stage),
            "files": file_rows(info),
        },
    )


def stage_steps(status: str, stage: str | None) -> list[dict[str, str]]:
    """Each pipeline stage with its state: ``done``, ``current``, ``failed``,
    ``waiting`` or ``skipped`` (after a failure, or after receiving files that
    were all unchanged)."""
    at = STAGES.index(stage) if stage in STAGES else -1
    steps = []
    for number, name in enumerate(STAGES):
        if status == "unchanged":
            state = "done" if number == 0 else "skipped"
        elif status in FINISHED:
            state = "done"
        elif status == "failed":
            state = "done" if number < at else "failed" if number == at else "skipped"
        elif status == "running":
            state = "done" if number < at else "current" if number == at else "waiting"
        else:
            state = "waiting"
        steps.append({"name": name, "title": STAGE_TITLES[name], "state": state})
    return steps


def file_rows(info: SessionInfo) -> list[dict[str, Any]]:
    """One row per file for the page: what identification found while the
    session is queued or running, what the session's archive says once it is
    finished (from its manifest: rows per table and issues per severity). A
    file not processed again (unchanged) has ``unchanged_since``, and what the
    session that processed it found; an unchanged session has no archive, so its
    rows are what the registry keeps of it."""
    if not info.finished:
        return [
            {
                "name": f["name"],
                "title": f.get("title") or f.get("dataset"),
                "year": f.get("year"),
                "year_reason": f.get("year_reason"),
                "tables": [(t, None) for t in f.get("tables", [])],
            }
            for f in info.identified
        ]
    files = (
        stored_file_entries(data_area(), info.la, info.session)
        if info.archived
        else info.files
    )
    rows = []
    for f in files:
        name = display_name(f.name)
        since = info.unchanged_since(name)
        rows.append(
            {
                "name": name,
                "title": _title(f.dataset, f.year),
                "year": f.year,
                "year_reason": f.year_reason,
                "tables": list(f.tables.items()),
                "error": f.error,
                "errors": f.issues.get("error", 0),
                "warnings": f.issues.get("warning", 0),
                "unchanged_since": since,
            }
        )
    return rows


def _title(dataset: str | None, year: int | None) -> str | None:
    if dataset is None:
        return None
    try:
        return load_spec(dataset, year or 0).title
    except UsageError:
        return dataset
