"""Who may open the audit log and the administration pages: IG reviewers and
administrators read the audit log; only administrators the rest. Everyone else
gets 403, recorded as refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cld.portal.data_area import registry

ROLES: dict[str, dict[str, Any]] = {
    "uploader": {"role": "la-uploader", "la": "CAM"},
    "governance": {"role": "la-governance", "la": "HAC"},
    "analyst": {"role": "hub-analyst", "use_cases": ("pan",)},
    "ig-reviewer": {"role": "ig-reviewer"},
    "admin": {"role": "admin"},
}
AUDIT = ("audit-log", "audit-log-export")
ADMIN = (
    "admin-users",
    "admin-user-add",
    "admin-user",
    "admin-policy",
    "admin-policy-download",
    "admin-policy-edit",
)
ALLOWED = {
    **{page: {"ig-reviewer", "admin"} for page in AUDIT},
    **{page: {"admin"} for page in ADMIN},
}


@pytest.mark.parametrize("page", [*AUDIT, *ADMIN])
@pytest.mark.parametrize("who", ROLES)
def test_each_role_against_each_page(member: Any, who: str, page: str) -> None:
    spec = dict(ROLES[who])
    user = member(spec.pop("role"), **spec)
    client = Client()
    client.force_login(user)
    kwargs = {"user_id": user.pk} if page == "admin-user" else None
    path = reverse(page, kwargs=kwargs)
    response = client.get(path)
    if who in ALLOWED[page]:
        assert response.status_code == 200
        return
    assert response.status_code == 403
    refused = registry().events_page(action="access_refused", limit=1)[0]
    assert refused.actor == user.username and refused.outcome == "refused"
    assert refused.detail["path"] == path
    if page in ADMIN:  # nor may they change anything
        assert client.post(path, {"change": "token"}).status_code == 403


def test_the_menu_links_to_the_pages(member: Any) -> None:
    client = Client()
    client.force_login(member("admin"))
    page = client.get(reverse("start")).content.decode()
    for name in ("audit-log", "admin-users", "admin-policy"):
        assert f'href="{reverse(name)}"' in page
    reviewer = Client()
    reviewer.force_login(member("ig-reviewer"))
    page = reviewer.get(reverse("start")).content.decode()
    assert f'href="{reverse("audit-log")}"' in page
    assert reverse("admin-users") not in page
