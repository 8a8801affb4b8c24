""" "What left our borough": per use case, the tables, columns and row counts an
authority has shared, under which policy version, when."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cld.portal.accounts.access import requires
from cld.portal.accounts.roles import Permission
from cld.portal.data_area import data_area, registry
from cld.portal.governance.status import authority_for
from cld.portal.sharing import shared_tables


@requires(Permission.VIEW_SHARED_TABLES)
def shared(request: HttpRequest, la: str) -> HttpResponse:
    found = registry()
    authority = authority_for(request, found, la)
    return render(
        request,
        "portal/shared.html",
        {
            "authority": authority,
            "use_cases": shared_tables(data_area(), found, authority.code),
        },
    )
