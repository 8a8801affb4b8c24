"""What a refused request sees (403, or 404 for something looked up by id), and
its record in the audit log."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cld.pipeline.registry.audit import Outcome
from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.accounts.permissions import membership_of
from cld.portal.audit import record


def record_refusal(
    request: HttpRequest,
    action: AuditAction = AuditAction.ACCESS_REFUSED,
    **detail: Any,
) -> None:
    """Record a refused request: who, their authority, the path and method asked
    for, and ``detail``; nothing else changes."""
    user = request.user
    membership = membership_of(user)
    record(
        request,
        action,
        by=user.get_username() if user.is_authenticated else "anonymous",
        la=membership.la or None if membership else None,
        detail={"path": request.path[:300], "method": request.method or "", **detail},
        outcome=Outcome.REFUSED,
    )


def refused(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 403 handler: every refusal is recorded as refused."""
    record_refusal(request)
    return render(request, "portal/refused.html", status=403)


def not_found(request: HttpRequest, what: str) -> Http404:
    """For an object looked up by id that the user may not see: recorded as
    refused, and answered exactly as one that does not exist (404), so guessing
    ids tells nothing. ``raise not_found(request, "session")``."""
    record_refusal(request, what=what)
    return Http404(f"no such {what}")
