"""The menu: the portal's main pages a signed-in person's role allows, in the order
of their work (a template context processor, so every page has it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from cld.portal.accounts.permissions import can_do, membership_of
from cld.portal.accounts.roles import Permission


@dataclass(frozen=True)
class Page:
    permission: Permission
    url_name: str
    title: str
    task: str
    """What the start page says it is for."""
    per_authority: bool = False
    """The URL takes the person's authority (LA roles only)."""


PAGES: tuple[Page, ...] = (
    Page(Permission.UPLOAD_FILES, "upload", "Upload", "Upload your borough's returns"),
    Page(
        Permission.VIEW_OWN_SESSIONS,
        "sessions",
        "Uploads and issues",
        "See your uploads and their issue reports",
    ),
    Page(
        Permission.VIEW_SHARED_TABLES,
        "shared",
        "What left us",
        "See what left your borough, per use case",
        per_authority=True,
    ),
    Page(
        Permission.MANAGE_OWN_AGREEMENTS,
        "agreements-index",
        "Agreements",
        "Sign or withdraw agreements; your DPIA",
    ),
    Page(Permission.VIEW_HUB_DASHBOARD, "hub", "Hub dashboard", "The hub dashboard"),
    Page(
        Permission.VIEW_OUTPUTS,
        "outputs",
        "Outputs",
        "Download the outputs of your use cases",
    ),
    Page(Permission.REVIEW_DPIAS, "dpia-reviews", "DPIA reviews", "Review DPIAs"),
    Page(Permission.READ_AUDIT_LOG, "audit-log", "Audit log", "Read the audit log"),
    Page(
        Permission.ADMINISTER,
        "admin-users",
        "Users",
        "Manage users, roles and the policy",
    ),
    Page(Permission.ADMINISTER, "admin-policy", "Policy", "Edit the policy"),
)


def pages_for(user: Any) -> list[dict[str, str]]:
    """The pages ``user`` may open, with their links."""
    membership = membership_of(user)
    if membership is None:
        return []
    found = []
    for page in PAGES:
        if not can_do(user, page.permission):
            continue
        if page.per_authority and not membership.la:
            continue
        href = reverse(
            page.url_name,
            kwargs={"la": membership.la} if page.per_authority else None,
        )
        found.append({"title": page.title, "task": page.task, "href": href})
    return found


def navigation(request: HttpRequest) -> dict[str, Any]:
    pages = pages_for(request.user)
    path = request.path
    best = max(
        (p["href"] for p in pages if path.startswith(p["href"])), key=len, default=""
    )
    return {
        "nav": [{**p, "current": p["href"] == best} for p in pages],
        "demo_mode": settings.CLD_DEMO,
    }
