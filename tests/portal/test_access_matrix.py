"""Each role against each page: allowed or denied, and an authority's user never
sees another authority's data. Refusals are recorded."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cld.portal.data_area import registry

ROLES: dict[str, dict[str, Any]] = {
    "cam-uploader": {"role": "la-uploader", "la": "CAM"},
    "cam-governance": {"role": "la-governance", "la": "CAM"},
    "hac-uploader": {"role": "la-uploader", "la": "HAC"},
    "analyst": {"role": "hub-analyst", "use_cases": ("pan",)},
    "ig-reviewer": {"role": "ig-reviewer"},
    "admin": {"role": "admin"},
}
PAGES: dict[str, tuple[str, dict[str, str]]] = {
    "start": ("start", {}),
    "shared-CAM": ("shared", {"la": "CAM"}),
    "shared-HAC": ("shared", {"la": "HAC"}),
    "health": ("health", {}),
}
ALLOWED = {
    "start": set(ROLES),
    "health": set(ROLES),
    "shared-CAM": {"cam-uploader", "cam-governance", "ig-reviewer", "admin"},
    "shared-HAC": {"hac-uploader", "ig-reviewer", "admin"},
}


def signed_in(member: Any, who: str) -> tuple[Client, Any]:
    spec = dict(ROLES[who])
    user = member(spec.pop("role"), **spec)
    client = Client()
    client.force_login(user)
    return client, user


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ROLES)
def test_role_matrix(member: Any, who: str, page: str) -> None:
    client, _ = signed_in(member, who)
    name, kwargs = PAGES[page]
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == (200 if who in ALLOWED[page] else 403)


def test_camden_sees_what_left_camden_and_nothing_of_hackney(member: Any) -> None:
    client, _ = signed_in(member, "cam-uploader")
    page = client.get(reverse("shared", kwargs={"la": "CAM"})).content.decode()
    assert "Use case: pan" in page and "Use case: sufficiency" in page
    sessions = [s for s in registry().sessions() if s.status == "published"]
    assert {s.la for s in sessions} == {"CAM", "HAC"}
    for session in sessions:
        assert (session.id in page) == (session.la == "CAM")
    assert "episodes" in page and "CHILD" in page
    assert "Hackney" not in page


def test_hackney_shares_only_with_its_use_cases(member: Any) -> None:
    client, _ = signed_in(member, "admin")
    page = client.get(reverse("shared", kwargs={"la": "HAC"})).content.decode()
    assert "Use case: pan" in page and "Use case: sufficiency" not in page
    for session in registry().sessions():
        assert (session.id in page) == (session.la == "HAC")


def test_an_unknown_authority_is_not_found(member: Any) -> None:
    client, _ = signed_in(member, "admin")
    assert client.get(reverse("shared", kwargs={"la": "XXX"})).status_code == 404


def test_a_refusal_is_recorded_as_refused(member: Any) -> None:
    client, user = signed_in(member, "cam-uploader")
    path = reverse("shared", kwargs={"la": "HAC"})
    response = client.get(path)
    assert response.status_code == 403
    assert "HAC" not in response.content.decode().replace(path, "")
    event = registry().events("access_refused")[-1]
    assert event.actor == user.username
    assert event.outcome == "refused"
    assert event.la == "CAM"
    assert event.detail["path"] == path
    assert event.source == "127.0.0.1"


def test_the_start_page_lists_only_what_the_role_may_do(member: Any) -> None:
    client, _ = signed_in(member, "analyst")
    page = client.get(reverse("start")).content.decode()
    assert "The hub dashboard" in page
    assert "Upload your borough" not in page
    assert "approved for pan" in page
