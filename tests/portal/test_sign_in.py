"""Signing in and out: password, then the second factor (TOTP); audited with the
client's address; a failed sign-in looks the same whether or not the account
exists; five failures lock the username out from that address; security headers
on every page."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cld.portal.data_area import registry

PASSWORD = "correct horse battery staple"


def test_sign_in_and_out_are_recorded(member: Any) -> None:
    user = member("la-uploader", la="CAM")
    client = Client()
    response = client.post(
        reverse("sign-in"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("start")
    second = client.get(reverse("start"))
    assert second.status_code == 302
    assert second["Location"].startswith(reverse("two-factor"))
    assert client.get(second["Location"]).status_code == 200
    code = f"{totp(user.totp_device.bin_key):06d}"
    given = client.post(reverse("two-factor"), {"code": code, "next": "/"})
    assert given.status_code == 302 and given["Location"] == "/"
    assert registry().events("second_factor_given")[-1].actor == user.username
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
        assert 'class="govuk-error-summary"' in page
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
    assert "style=" not in page
    scripts = page.count("<script")
    assert scripts == page.count('<script type="module" src="/static/')
    assert 'for="id_username">' in page and 'class="govuk-input"' in page


def test_a_wrong_code_is_refused_and_recorded(member: Any) -> None:
    user = member("hub-analyst", use_cases=("pan",))
    client = Client()
    client.post(reverse("sign-in"), {"username": user.username, "password": PASSWORD})
    right = totp(user.totp_device.bin_key)
    response = client.post(
        reverse("two-factor"), {"code": f"{(right + 1) % 1_000_000:06d}"}
    )
    assert response.status_code == 400
    assert "The code is not right" in response.content.decode()
    assert registry().events("second_factor_failed")[-1].outcome == "refused"
    assert client.get(reverse("start")).status_code == 302


def test_the_first_sign_in_sets_up_an_authenticator(member: Any) -> None:
    user = member("la-governance", la="CAM")
    TOTPDevice.objects.filter(user=user).delete()
    client = Client()
    client.post(reverse("sign-in"), {"username": user.username, "password": PASSWORD})
    page = client.get(reverse("two-factor"))
    text = page.content.decode()
    assert "Set up your second factor" in text and "<svg" in text
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = f"{totp(device.bin_key):06d}"
    assert client.post(reverse("two-factor"), {"code": code}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert registry().events("second_factor_enrolled")[-1].actor == user.username
    assert client.get(reverse("start")).status_code == 200


def test_five_failures_lock_the_username_out(member: Any) -> None:
    user = member("la-uploader", la="HAC")
    client = Client()
    for _ in range(5):
        client.post(reverse("sign-in"), {"username": user.username, "password": "no"})
    locked = client.post(
        reverse("sign-in"), {"username": user.username, "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    event = registry().events("login_locked_out")[-1]
    assert (event.actor, event.outcome) == (user.username, "refused")
    other = member("la-uploader", la="HAC")
    fine = Client().post(
        reverse("sign-in"), {"username": other.username, "password": PASSWORD}
    )
    assert fine.status_code == 302


def test_passwords_are_hashed_with_argon2(member: Any) -> None:
    assert member("admin").password.startswith("argon2")
