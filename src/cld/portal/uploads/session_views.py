"""The sessions pages: the list of a person's sessions, one session's files and
issues (filtered, sorted, paged), and its issue report to download as CSV or
Excel (recorded in the audit log)."""

from __future__ import annotations

import shutil
from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cld.pipeline.registry.audit_actions import AuditAction
from cld.pipeline.session_report import (
    scan_issues,
    stored_file_entries,
    stored_issue_csv,
    stored_issue_workbook,
)
from cld.portal.accounts.access import requires
from cld.portal.accounts.permissions import can_do, membership_of
from cld.portal.accounts.roles import Permission, Scope, role_named
from cld.portal.audit import record
from cld.portal.data_area import data_area
from cld.portal.uploads.forms import IssueFilterForm
from cld.portal.uploads.issue_table import (
    SORTABLE,
    IssueQuery,
    code_title,
    filter_options,
    issue_page,
    page_links,
)
from cld.portal.uploads.jobs import SessionInfo, display_name
from cld.portal.uploads.receive import private_folder
from cld.portal.uploads.session_list import visible_session, visible_sessions
from cld.portal.uploads.views import file_rows

SESSIONS_PER_PAGE = 50
COLUMN_TITLES = {
    "file": "File",
    "table": "Table",
    "row": "Row",
    "column": "Column",
    "code": "Problem",
    "severity": "Severity",
}
DOWNLOADS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "1")
    return int(text) if text.isdigit() and 0 < len(text) < 7 else 1


def can_see_every_authority(user: Any) -> bool:
    membership = membership_of(user)
    return membership is not None and (
        role_named(membership.role).scope is Scope.PLATFORM
    )


@requires(Permission.VIEW_OWN_SESSIONS)
def sessions(request: HttpRequest) -> HttpResponse:
    pages = Paginator(visible_sessions(request.user), SESSIONS_PER_PAGE)
    page = pages.get_page(_page_number(request))
    return render(
        request,
        "portal/uploads/sessions.html",
        {
            "page": page,
            "links": page_links(page.number, pages.num_pages),
            "perms_all": can_see_every_authority(request.user),
            "can_upload": can_do(request.user, Permission.UPLOAD_FILES),
        },
    )


@requires(Permission.VIEW_OWN_SESSIONS)
def session(request: HttpRequest, session_id: str) -> HttpResponse:
    info = visible_session(request, session_id)
    context: dict[str, Any] = {"status": info}
    if info.archived:
        context.update(_report(request, info))
    elif info.finished:  # unchanged: its files were not read again, no issues
        context["files"] = file_rows(info)
    return render(request, "portal/uploads/session.html", context)


def _report(request: HttpRequest, info: SessionInfo) -> dict[str, Any]:
    area, la, session_id = data_area(), info.la, info.session
    files = stored_file_entries(area, la, session_id)
    issues = scan_issues(area, la, session_id)
    found = filter_options(issues)
    options = {
        "file": [(f.name, display_name(f.name)) for f in files],
        "table": [(t, t) for t in found["table"]],
        "column": [(c, c) for c in found["column"]],
        "code": [(c, code_title(c)) for c in found["code"]],
    }
    form = IssueFilterForm(request.GET or None, options=options)
    filters = form.cleaned_data if form.is_valid() else {}
    sort = request.GET.get("sort")
    query = IssueQuery(
        filters={k: v for k, v in filters.items() if k != "q" and v},
        text=str(filters.get("q") or ""),
        sort=sort if sort in SORTABLE else None,
        descending=request.GET.get("order") == "desc",
        page=_page_number(request),
    )
    page = issue_page(issues, query)
    for row in page.rows:
        row["file"] = display_name(row["file"])
    return {
        "files": file_rows(info),
        "form": form,
        "filtered": bool(query.filters or query.text),
        "issues": page,
        "links": page_links(page.page, page.pages),
        "columns": [
            _column(name, query) for name in ("file", "table", "row", "column", "code")
        ]
        + [_column("severity", query)],
    }


def _column(name: str, query: IssueQuery) -> dict[str, str]:
    """A sortable column header: its title, its aria-sort state and the order a
    click on it asks for."""
    current = query.sort == name
    return {
        "name": name,
        "title": COLUMN_TITLES[name],
        "aria_sort": (
            ("descending" if query.descending else "ascending") if current else "none"
        ),
        "next_order": "desc" if current and not query.descending else "asc",
    }


@requires(Permission.VIEW_OWN_SESSIONS)
def session_issues_csv(request: HttpRequest, session_id: str) -> FileResponse:
    return _download(request, session_id, "csv")


@requires(Permission.VIEW_OWN_SESSIONS)
def session_issues_xlsx(request: HttpRequest, session_id: str) -> FileResponse:
    return _download(request, session_id, "xlsx")


def _download(request: HttpRequest, session_id: str, suffix: str) -> FileResponse:
    """The session's issue report, written afresh from its archive with the
    names the files were sent with (to a private file, a batch of issues at a
    time, never all of them held), streamed from there as an attachment."""
    info = visible_session(request, session_id)
    if not info.archived:
        raise Http404("this session has no issue report")
    area = data_area()
    folder = private_folder(area, ".download-")
    try:
        target = folder / f"{session_id}-issues.{suffix}"
        if suffix == "csv":  # streamed from the archive's issues, never all held
            stored_issue_csv(area, info.la, session_id, target)
        else:  # each file's issues a batch at a time
            stored_issue_workbook(area, info.la, session_id, target, display_name)
        stream = target.open("rb")  # still readable once its folder is gone
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    record(
        request,
        AuditAction.DOWNLOAD,
        by=request.user.get_username(),
        la=info.la,
        detail={"session": session_id, "file": target.name},
    )
    return FileResponse(
        stream,
        as_attachment=True,
        filename=target.name,
        content_type=DOWNLOADS[suffix],
    )
