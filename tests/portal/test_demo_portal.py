"""The demo's portal: an account for every role (a new password each run), the
second factor off and every page saying so — and neither outside the demo."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import reverse

from cld.portal.accounts.roles import ROLES
from cld.portal.data_area import registry
from cld.portal.demo_accounts import demo_accounts

BANNER = "The second factor (TOTP) is switched off in this demo"


def test_the_demo_has_an_account_for_every_role(transactional_db: None) -> None:
    found = registry()
    cam, hac = found.authority("CAM"), found.authority("HAC")
    first = demo_accounts(found, cam, hac)
    assert {a.role for a in first} == set(ROLES)
    uploaders = {a.la for a in first if a.role == "la-uploader"}
    assert uploaders == {"CAM", "HAC"}
    analyst = next(a for a in first if a.role == "hub-analyst")
    assert set(analyst.use_cases) == set(found.policy()[1].use_cases)
    again = demo_accounts(found, cam, hac)
    assert [a.username for a in again] == [a.username for a in first]
    assert all(a.password != b.password for a, b in zip(first, again, strict=True))
    users = get_user_model().objects
    for account in again:
        assert users.get(username=account.username).check_password(account.password)


@override_settings(CLD_DEMO=True, CLD_REQUIRE_SECOND_FACTOR=False)
def test_in_the_demo_a_password_is_enough_and_the_page_says_so(member: Any) -> None:
    user = member("la-uploader", la="CAM")
    user.totp_device.delete()
    client = Client()
    client.post(
        reverse("sign-in"),
        {"username": user.username, "password": "correct horse battery staple"},
    )
    page = client.get(reverse("start"))
    assert page.status_code == 200
    assert BANNER in page.content.decode()


def test_outside_the_demo_there_is_no_banner_and_a_code_is_needed(
    member: Any,
) -> None:
    user = member("la-uploader", la="CAM")
    client = Client()
    sign_in = client.get(reverse("sign-in")).content.decode()
    assert BANNER not in sign_in
    client.post(
        reverse("sign-in"),
        {"username": user.username, "password": "correct horse battery staple"},
    )
    assert client.get(reverse("start"))["Location"].startswith(reverse("two-factor"))
