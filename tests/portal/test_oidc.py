"""Signing in through a council's identity provider: off unless configured,
refusing to start half-configured, and only ever signing in people an
administrator has added (never creating one from a provider's claims)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from cld.portal.environment import OIDC_NEEDS, oidc

CONFIGURED = {name: f"https://idp.example.test/{name.lower()}" for name in OIDC_NEEDS}


def test_it_is_off_by_default() -> None:
    assert oidc({}) == {}
    assert oidc({"CLD_OIDC": "off"}) == {}


def test_switched_on_without_its_settings_start_up_stops_naming_them() -> None:
    with pytest.raises(ImproperlyConfigured) as refused:
        oidc({"CLD_OIDC": "on", "OIDC_RP_CLIENT_ID": "portal"})
    message = str(refused.value)
    assert "OIDC_RP_CLIENT_SECRET" in message and "OIDC_OP_JWKS_ENDPOINT" in message
    assert "OIDC_RP_CLIENT_ID" not in message
    with pytest.raises(ImproperlyConfigured, match="use on or off"):
        oidc({"CLD_OIDC": "maybe"})


def test_switched_on_it_gives_the_library_its_settings() -> None:
    found = oidc({"CLD_OIDC": "on", **CONFIGURED})
    assert {k: found[k] for k in OIDC_NEEDS} == CONFIGURED
    assert found["OIDC_RP_SIGN_ALGO"] == "RS256"


def test_only_people_already_added_sign_in(member: Any, settings: Any) -> None:
    for name, value in CONFIGURED.items():
        setattr(settings, name, value)
    from cld.portal.accounts.oidc import CouncilOidcBackend

    backend = CouncilOidcBackend()
    user = member("la-uploader", la="CAM")
    user.username = "ann@camden.gov.uk"
    user.save()
    found = backend.filter_users_by_claims({"email": "Ann@Camden.gov.uk"})
    assert list(found) == [user]
    assert not backend.filter_users_by_claims({"email": "eve@example.test"}).exists()
    assert not backend.filter_users_by_claims(
        {"email": "ann@camden.gov.uk", "email_verified": False}
    ).exists()
    backend.create_user({"email": "eve@example.test"})
    assert not get_user_model().objects.filter(username="eve@example.test").exists()
    user.is_active = False
    user.save()
    assert not backend.filter_users_by_claims({"email": "ann@camden.gov.uk"}).exists()
