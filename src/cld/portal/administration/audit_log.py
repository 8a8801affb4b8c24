"""The audit log, newest first: filtered and paged at the database (keyset on the
event id), with whether its hash chain verifies now; and the same events as CSV.

Reading the page is not recorded (each page read would add an event, flooding the
log); an export is (``audit_log_exported``), since the events then leave the
portal."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cld.engine.disclosure import neutralise_text
from cld.pipeline.registry import Registry
from cld.pipeline.registry.audit import check_chain
from cld.pipeline.registry.audit_actions import AuditAction, action_label
from cld.pipeline.registry.store import Event
from cld.portal.accounts.access import requires
from cld.portal.accounts.permissions import membership_of
from cld.portal.accounts.roles import Permission
from cld.portal.administration.forms import AuditFilterForm
from cld.portal.audit import record
from cld.portal.data_area import registry

AUDIT_PAGE = "portal/administration/audit_log.html"
PAGE_SIZE = 50
EXPORT_BATCH = 500
LONGEST_VALUE = 300
"""A detail value longer than this is cut on the page (the export has it whole)."""
CSV_COLUMNS = (
    "id",
    "at_utc",
    "actor",
    "action",
    "la",
    "use_case",
    "outcome",
    "source",
    "detail",
    "hash",
)


@requires(Permission.READ_AUDIT_LOG)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    found = registry()
    form = _filter_form(request, found)
    chain = check_chain(found)
    context: dict[str, Any] = {"form": form, "chain": chain, "rows": []}
    if form.is_bound and not form.is_valid():
        return render(request, AUDIT_PAGE, context, status=400)
    filters = form.filters() if form.is_bound else {}
    before = form.cleaned_data.get("before") if form.is_bound else None
    events = found.events_page(**filters, before_id=before, limit=PAGE_SIZE + 1)
    shown = events[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("before", None)
    newest = query.urlencode()
    older = ""
    if len(events) > PAGE_SIZE:
        query["before"] = str(shown[-1].id)
        older = query.urlencode()
    context.update(
        rows=[
            {
                "event": e,
                "action": action_label(e.action),
                "detail": readable_detail(e.detail),
            }
            for e in shown
        ],
        filtered=any(filters.values()),
        paged=before is not None,
        newest_query=newest,
        older_query=older,
        export_query=newest,
    )
    return render(request, AUDIT_PAGE, context)


@requires(Permission.READ_AUDIT_LOG)
@require_GET
def audit_log_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Every event the filters match, newest first, as CSV (text that a
    spreadsheet could run as a formula is neutralised)."""
    found = registry()
    form = _filter_form(request, found)
    if form.is_bound and not form.is_valid():
        context = {"form": form, "chain": check_chain(found), "rows": []}
        return render(request, AUDIT_PAGE, context, status=400)
    filters = form.filters() if form.is_bound else {}
    asked = {
        name: str(value)
        for name, value in (form.cleaned_data if form.is_bound else {}).items()
        if value and name != "before"
    }
    membership = membership_of(request.user)
    record(
        request,
        AuditAction.AUDIT_LOG_EXPORTED,
        by=request.user.get_username(),
        la=(membership.la or None) if membership else None,
        detail={"filters": asked},
    )
    stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingHttpResponse(
        _csv_lines(found, filters),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"'
        },
    )


def _filter_form(request: HttpRequest, found: Registry) -> AuditFilterForm:
    return AuditFilterForm(
        request.GET or None,
        actions=found.event_actions(),
        authorities=found.authorities(),
    )


def readable_detail(detail: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An event's detail as (key, value) lines a person reads."""
    return [(str(key), _cut(readable(value))) for key, value in detail.items()]


def readable(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(readable(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {readable(v)}" for k, v in value.items()) or "none"
    return str(value)


def _cut(text: str) -> str:
    return text if len(text) <= LONGEST_VALUE else text[: LONGEST_VALUE - 1] + "…"


class _Line:
    """A file-like object that hands back what is written to it (one CSV line)."""

    def write(self, text: str) -> str:
        return text


def _csv_lines(found: Registry, filters: Mapping[str, Any]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    before: int | None = None
    while batch := found.events_page(**filters, before_id=before, limit=EXPORT_BATCH):
        for event in batch:
            yield writer.writerow(_csv_row(event))
        before = batch[-1].id


def _csv_row(event: Event) -> list[str]:
    cells = [
        str(event.id),
        event.at.astimezone(dt.UTC).isoformat(),
        event.actor,
        event.action,
        event.la or "",
        event.use_case or "",
        event.outcome,
        event.source or "",
        json.dumps(event.detail, sort_keys=True, ensure_ascii=False),
        event.hash,
    ]
    return [neutralise_text(cell) for cell in cells]
