"""The start page: what the signed-in person can do here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cld.portal.accounts.access import signed_in
from cld.portal.accounts.permissions import can_do, membership_of
from cld.portal.accounts.roles import Permission, role_named

TASKS: tuple[tuple[Permission, str], ...] = (
    (Permission.UPLOAD_FILES, "Upload your borough's returns"),
    (Permission.VIEW_OWN_SESSIONS, "See your uploads and their issue reports"),
    (Permission.VIEW_SHARED_TABLES, "See what left your borough, per use case"),
    (Permission.MANAGE_OWN_AGREEMENTS, "Sign or withdraw agreements; your DPIA"),
    (Permission.VIEW_HUB_DASHBOARD, "The hub dashboard"),
    (Permission.VIEW_OUTPUTS, "Download the outputs of your use cases"),
    (Permission.REVIEW_DPIAS, "Review DPIAs"),
    (Permission.READ_AUDIT_LOG, "Read the audit log"),
    (Permission.ADMINISTER, "Manage users, roles and the policy"),
)


@signed_in
def start(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    assert membership is not None  # @signed_in refuses anyone without one
    tasks = [
        {"permission": str(p), "title": title}
        for p, title in TASKS
        if can_do(request.user, p)
    ]
    return render(
        request,
        "portal/start.html",
        {
            "role": role_named(membership.role),
            "membership": membership,
            "tasks": tasks,
            "shared_la": membership.la
            if can_do(request.user, Permission.VIEW_SHARED_TABLES)
            else "",
        },
    )
