"""The start page: what the signed-in person can do here."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cld.portal.accounts.access import signed_in
from cld.portal.accounts.permissions import membership_of
from cld.portal.accounts.roles import role_named
from cld.portal.navigation import pages_for


@signed_in
def start(request: HttpRequest) -> HttpResponse:
    membership = membership_of(request.user)
    assert membership is not None  # @signed_in refuses anyone without one
    return render(
        request,
        "portal/start.html",
        {
            "role": role_named(membership.role),
            "membership": membership,
            "tasks": pages_for(request.user),
        },
    )
