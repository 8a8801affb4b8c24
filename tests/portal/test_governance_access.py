"""Who may open the governance pages: an authority's governance officer its own
authority's only, IG reviewers the DPIA reviews and drafts, administrators all; a
hub analyst or an uploader none. Every refusal is a 403, recorded, and changes
nothing (posts included)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cld.portal.data_area import data_area, registry

ROLES: dict[str, dict[str, Any]] = {
    "cam-governance": {"role": "la-governance", "la": "CAM"},
    "hac-governance": {"role": "la-governance", "la": "HAC"},
    "cam-uploader": {"role": "la-uploader", "la": "CAM"},
    "analyst": {"role": "hub-analyst", "use_cases": ("pan",)},
    "ig-reviewer": {"role": "ig-reviewer"},
    "admin": {"role": "admin"},
}
CAM = {"la": "CAM"}
PAN = {"la": "CAM", "use_case": "pan"}
PAGES: dict[str, tuple[str, dict[str, str]]] = {
    "agreements-index": ("agreements-index", {}),
    "agreements": ("agreements", CAM),
    "agreement-sign": ("agreement-sign", PAN),
    "agreement-withdraw": ("agreement-withdraw", PAN),
    "dpia": ("dpia", CAM),
    "dpia-draft": ("dpia-draft", CAM),
    "dpia-reviews": ("dpia-reviews", {}),
    "dpia-review": ("dpia-review", CAM),
}
CAM_OFFICE = {"cam-governance", "admin"}
ALLOWED: dict[str, set[str]] = {
    "agreements-index": {"cam-governance", "hac-governance", "admin"},
    "agreements": CAM_OFFICE,
    "agreement-sign": CAM_OFFICE,
    "agreement-withdraw": CAM_OFFICE,
    "dpia": CAM_OFFICE,
    "dpia-draft": {"cam-governance", "ig-reviewer", "admin"},
    "dpia-reviews": {"ig-reviewer", "admin"},
    "dpia-review": {"ig-reviewer", "admin"},
}
PDF = b"%PDF-1.4\n%%EOF\n"


def signed_in(member: Any, who: str) -> tuple[Client, Any]:
    spec = dict(ROLES[who])
    user = member(spec.pop("role"), **spec)
    client = Client()
    client.force_login(user)
    return client, user


def url(page: str) -> str:
    name, kwargs = PAGES[page]
    return reverse(name, kwargs=kwargs or None)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ROLES)
def test_role_matrix(member: Any, who: str, page: str) -> None:
    client, user = signed_in(member, who)
    response = client.get(url(page))
    response.close()  # the draft is a file response
    if who not in ALLOWED[page]:
        assert response.status_code == 403
        event = registry().events("access_refused")[-1]
        assert event.actor == user.username and event.detail["path"] == url(page)
        assert event.outcome == "refused"
        return
    expected = 302 if page == "agreements-index" and who.endswith("governance") else 200
    assert response.status_code == expected


def post_of(page: str) -> dict[str, Any]:
    posts: dict[str, dict[str, Any]] = {
        "agreement-sign": {
            "signatory": "Mallory",
            "role": "DPO",
            "signed_on_day": "1",
            "signed_on_month": "1",
            "signed_on_year": "2025",
            "document": SimpleUploadedFile("x.pdf", PDF, "application/pdf"),
        },
        "dpia": {"covers": ["equalities"]},
        "dpia-review": {"action": "return", "reason": "no"},
    }
    return posts.get(page, {})


@pytest.mark.parametrize(
    "page", ["agreement-sign", "agreement-withdraw", "dpia", "dpia-review"]
)
@pytest.mark.parametrize("who", ["hac-governance", "cam-uploader", "analyst"])
def test_a_refused_post_changes_nothing(member: Any, who: str, page: str) -> None:
    client, _ = signed_in(member, who)
    before = (
        registry().agreement("CAM", "pan"),
        registry().dpia("CAM"),
        len(registry().events()),
    )
    response = client.post(url(page), post_of(page))
    assert response.status_code == 403
    assert registry().agreement("CAM", "pan") == before[0]
    assert registry().dpia("CAM") == before[1]
    events = registry().events()[before[2] :]
    assert [e.action for e in events] == ["access_refused"]
    digest = hashlib.sha256(PDF).hexdigest()
    assert not list((data_area().root / "agreements").rglob(f"{digest}.pdf"))


def test_an_ig_reviewer_cannot_sign_or_withdraw(member: Any) -> None:
    client, _ = signed_in(member, "ig-reviewer")
    for page in ("agreement-sign", "agreement-withdraw", "dpia"):
        assert client.post(url(page), post_of(page)).status_code == 403
    assert registry().agreement("CAM", "pan").status == "signed"


def test_another_authoritys_officer_is_refused_before_the_body_is_read(
    member: Any,
) -> None:
    client, _ = signed_in(member, "hac-governance")
    response = client.post(url("agreement-sign"), post_of("agreement-sign"))
    assert response.status_code == 403
    partial = data_area().root / "agreements" / ".partial"
    assert not partial.exists() or not list(partial.iterdir())
