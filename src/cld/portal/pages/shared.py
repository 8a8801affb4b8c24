""" "What left our borough": per use case, the tables, columns and row counts an
authority has shared, under which policy version, when."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cld.engine.errors import UsageError
from cld.portal.accounts.access import requires
from cld.portal.accounts.permissions import check_see_authority
from cld.portal.accounts.roles import Permission
from cld.portal.data_area import data_area, registry
from cld.portal.sharing import shared_tables


@requires(Permission.VIEW_SHARED_TABLES)
def shared(request: HttpRequest, la: str) -> HttpResponse:
    check_see_authority(request.user, la)
    found = registry()
    try:
        authority = found.authority(la)
    except UsageError:
        raise Http404("no such authority") from None
    if authority.code != la:
        raise Http404("use the authority's code")
    return render(
        request,
        "portal/shared.html",
        {
            "authority": authority,
            "use_cases": shared_tables(data_area(), found, authority.code),
        },
    )
