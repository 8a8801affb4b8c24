"""Deny by default: every URL's view carries an access mark, and none but the
public ones answer an anonymous visitor (or a user without a role) with 200."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cld.portal.accounts.access import access_of
from cld.portal.accounts.roles import Permission

MARKS = {
    "public",
    "password_only",
    "signed_in",
    *(str(p) for p in Permission),
    "api:public",
    *(f"api:{p}" for p in Permission),
}
"""Pages' marks, and the API's (``api:…``: a Bearer token, never a cookie)."""


def is_api(pattern: URLPattern) -> bool:
    return str(access_of(pattern.callback)).startswith("api:")


def patterns(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[URLPattern]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from patterns(entry, namespace)
        else:
            yield entry


def url_of(pattern: URLPattern) -> str:
    converters: dict[str, Any] = getattr(pattern.pattern, "converters", {})
    assert pattern.name, f"{pattern.pattern} has no name"
    values = {"IntConverter": 1}
    return reverse(
        pattern.name,
        kwargs={
            name: values.get(type(converter).__name__, "CAM")
            for name, converter in converters.items()
        },
    )


ALL = list(patterns())


def test_the_sweep_finds_the_portal() -> None:
    assert {p.name for p in ALL} >= {"start", "sign-in", "sign-out", "health"}


@pytest.mark.parametrize("pattern", ALL, ids=lambda p: str(p.name))
def test_every_view_is_marked(pattern: URLPattern) -> None:
    assert access_of(pattern.callback) in MARKS, (
        f"{pattern.pattern} has no @public, @signed_in or @requires(...)"
    )


@pytest.mark.parametrize("pattern", ALL, ids=lambda p: str(p.name))
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_sign_in(
    pattern: URLPattern, method: str, transactional_db: None
) -> None:
    response = getattr(Client(), method)(url_of(pattern))
    if access_of(pattern.callback) in ("public", "api:public"):
        assert response.status_code in (200, 405)
        return
    if is_api(pattern):
        assert response.status_code == 401
        return
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


@pytest.mark.parametrize(
    "pattern",
    [
        p
        for p in ALL
        if access_of(p.callback) not in ("public", "password_only", "api:public")
    ],
    ids=lambda p: str(p.name),
)
def test_a_user_without_a_role_is_refused(pattern: URLPattern, member: Any) -> None:
    client = Client()
    client.force_login(member(None))
    expected = 401 if is_api(pattern) else 403
    assert client.get(url_of(pattern)).status_code == expected
