"""What a refused request sees (403), and its record in the audit log."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cld.pipeline.registry.audit import Outcome
from cld.portal.accounts.permissions import membership_of
from cld.portal.audit import record


def refused(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 403 handler: every refusal is recorded as refused, with the path
    asked for; nothing else changes."""
    user = request.user
    membership = membership_of(user)
    record(
        request,
        "access_refused",
        by=user.get_username() if user.is_authenticated else "anonymous",
        la=membership.la or None if membership else None,
        detail={"path": request.path[:300], "method": request.method or ""},
        outcome=Outcome.REFUSED,
    )
    return render(request, "portal/refused.html", status=403)


def not_found(request: HttpRequest, what: str) -> Http404:
    """For an object looked up by id that the user may not see: recorded as
    refused, and answered exactly as one that does not exist (404), so guessing
    ids tells nothing. ``raise not_found(request, "session")``."""
    user = request.user
    membership = membership_of(user)
    record(
        request,
        "access_refused",
        by=user.get_username() if user.is_authenticated else "anonymous",
        la=membership.la or None if membership else None,
        detail={
            "path": request.path[:300],
            "method": request.method or "",
            "what": what,
        },
        outcome=Outcome.REFUSED,
    )
    return Http404(f"no such {what}")
