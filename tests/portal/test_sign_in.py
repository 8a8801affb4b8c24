"""Signing in and out: audited with the client's address; a failed sign-in looks
the same whether or not the account exists; security headers on every page."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from cld.portal.audit import registry

PASSWORD = "correct horse battery staple"


def test_sign_in_and_out_are_recorded(member: Any) -> None:
    user = member("la-uploader", la="CAM")
    client = Client()
    response = client.post(
        reverse("sign-in"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("start")
    login = registry().events("login")[-1]
    assert (login.actor, login.la, login.source, login.outcome) == (
        user.username,
        "CAM",
        "127.0.0.1",
        "done",
    )
    assert client.get(reverse("start")).status_code == 200
    assert client.get(reverse("sign-out")).status_code == 405
    assert client.post(reverse("sign-out")).status_code == 302
    assert registry().events("logout")[-1].actor == user.username
    assert client.get(reverse("start")).status_code == 302


def test_a_failed_sign_in_does_not_say_whether_the_account_exists(
    member: Any,
) -> None:
    user = member("admin")
    pages = []
    for name in (user.username, "nobody-at-all"):
        response = Client().post(
            reverse("sign-in"), {"username": name, "password": "wrong password"}
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "There is a problem" in page
        assert 'class="error-summary"' in page
        pages.append(page.split("There is a problem")[1].split("</ul>")[0])
    assert pages[0] == pages[1]
    failed = registry().events("login_failed")[-2:]
    assert [e.actor for e in failed] == [user.username, "nobody-at-all"]
    assert all(e.outcome == "refused" for e in failed)
    assert failed[0].detail == failed[1].detail
    assert all(e.source == "127.0.0.1" for e in failed)


def test_pages_carry_the_security_headers(transactional_db: None) -> None:
    response = Client().get(reverse("sign-in"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    page = response.content.decode()
    assert "<script" not in page and "style=" not in page
    assert '<label class="label" for="id_username">' in page


def test_passwords_are_hashed_with_argon2(member: Any) -> None:
    assert member("admin").password.startswith("argon2")
