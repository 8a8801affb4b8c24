"""The API's endpoints (documented in ``openapi.py``, served at
``/api/v1/openapi.json``). The same roles, checks and audit as the pages: an
authority's token reaches only its own sessions, an analyst's only the outputs
of the use cases they are approved for; anything else answers 404 exactly as a
thing that does not exist, and is recorded as refused."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from cld.engine.errors import UsageError
from cld.pipeline.session_report import scan_issues
from cld.portal.accounts.permissions import (
    can_see_authority,
    can_see_use_case,
    membership_of,
)
from cld.portal.accounts.roles import Permission
from cld.portal.api.auth import api_public, api_requires, problem
from cld.portal.api.openapi import document
from cld.portal.api.paging import BadPage, page_links, page_request
from cld.portal.audit import client_ip
from cld.portal.data_area import data_area, registry
from cld.portal.errors import record_refusal
from cld.portal.hub import files
from cld.portal.uploads import jobs
from cld.portal.uploads.issue_table import IssueQuery, issue_page
from cld.portal.uploads.models import Upload
from cld.portal.uploads.receive import UploadRefused, capped_body
from cld.portal.uploads.refusals import record_upload_refused
from cld.portal.uploads.session_list import SessionRow, visible_sessions


@api_public
@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(document())


@api_requires(Permission.UPLOAD_FILES)
@require_POST
def uploads(request: HttpRequest) -> HttpResponseBase:
    """Receive one or more files (multipart field ``files``) for the token's
    authority (an administrator names one with ``la``) and queue them."""
    try:
        with capped_body(request, data_area()):
            upload = _submitted(request)
    except UploadRefused as refused:
        record_upload_refused(request, refused, door="api")
        return problem(refused.status, refused.message)
    return JsonResponse(
        {
            "session": upload.session_id,
            "status": upload.status,
            "url": f"/api/v1/sessions/{upload.session_id}",
        },
        status=202,
    )


@api_requires(Permission.VIEW_OWN_SESSIONS)
@require_GET
def sessions(request: HttpRequest) -> HttpResponseBase:
    """The sessions the token's person may see, newest first, a page at a time."""
    try:
        asked = page_request(request)
    except BadPage as bad:
        return problem(400, str(bad))
    rows = visible_sessions(request.user)
    return JsonResponse(
        {
            **page_links(request, asked, len(rows)),
            "sessions": [
                _session_row(row)
                for row in rows[asked.start : asked.start + asked.limit]
            ],
        }
    )


def _session_row(row: SessionRow) -> dict[str, Any]:
    return {
        "session": row.session,
        "la": row.la,
        "status": row.status,
        "received_at": row.received_at.isoformat(),
        "submitted_by": row.submitted_by,
        "files": list(row.files),
        "errors": row.errors,
        "warnings": row.warnings,
        "url": f"/api/v1/sessions/{row.session}",
    }


@api_requires(Permission.VIEW_OWN_SESSIONS)
@require_GET
def session_issues(request: HttpRequest, session_id: str) -> HttpResponseBase:
    """Every issue of a processed session, in the order found, a page at a time
    (only the page asked for is read into memory)."""
    info = jobs.find_session(session_id)
    if info is None or not can_see_authority(request.user, info.la):
        return _not_found(request, "session")
    try:
        asked = page_request(request)
    except BadPage as bad:
        return problem(400, str(bad))
    if not info.archived:
        return JsonResponse(
            {**page_links(request, asked, 0), "session": session_id, "issues": []}
        )
    found = issue_page(
        scan_issues(data_area(), info.la, session_id),
        IssueQuery(filters={}, page=asked.page),
        page_size=asked.limit,
    )
    rows = [{**row, "file": jobs.display_name(row["file"])} for row in found.rows]
    return JsonResponse(
        {
            **page_links(request, asked, found.total, page=found.page),
            "session": session_id,
            "issues": rows,
        }
    )


@api_requires(Permission.VIEW_OWN_SESSIONS)
@require_GET
def session(request: HttpRequest, session_id: str) -> HttpResponseBase:
    """The session's status and, once processed, each file's entry as
    ``cld validate --json`` prints it."""
    found = jobs.session_status(session_id)
    if found is None or not can_see_authority(request.user, str(found["la"])):
        return _not_found(request, "session")
    return JsonResponse(found)


@api_requires(Permission.VIEW_OUTPUTS)
@require_GET
def output(request: HttpRequest, use_case: str) -> HttpResponseBase:
    """The manifest of the use case's outputs."""
    manifest = (
        files.manifest_of(use_case)
        if can_see_use_case(request.user, use_case)
        else None
    )
    if manifest is None:
        return _not_found(request, "output")
    return JsonResponse(files.with_freshness(use_case, manifest))


@api_requires(Permission.VIEW_OUTPUTS)
@require_GET
def output_table(request: HttpRequest, use_case: str, table: str) -> HttpResponseBase:
    """One pooled table of the use case as CSV, streamed as an attachment."""
    path = (
        files.file_of(use_case, f"{table}.csv")
        if can_see_use_case(request.user, use_case)
        else None
    )
    if path is None:
        return _not_found(request, "table")
    try:
        return files.download(request, use_case, path)
    except OSError:  # replaced by a rebuild since it was found
        return _not_found(request, "table")


def _submitted(request: HttpRequest) -> Upload:
    """The upload, queued; :class:`UploadRefused` when it is not taken."""
    membership = membership_of(request.user)
    assert membership is not None  # api_requires checked it
    code = membership.la or request.POST.get("la", "")
    if not code:
        raise UploadRefused("give the authority the files are for: la=CODE")
    try:
        authority = registry().authority(code)
    except UsageError:
        raise UploadRefused(f"{code[:20]!r} is not a London authority's code") from None
    if not can_see_authority(request.user, authority.code):
        raise UploadRefused(
            "you upload for your own authority only", status=403, la=authority.code
        )
    return jobs.submit(
        request.FILES.getlist("files"),
        authority=authority,
        by=request.user.get_username(),
        source=client_ip(request),
    )


def _not_found(request: HttpRequest, what: str) -> JsonResponse:
    record_refusal(request, what=what)
    return problem(404, f"no such {what}")
