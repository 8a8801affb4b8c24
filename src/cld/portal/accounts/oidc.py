"""Signing in through a council's own identity provider (OpenID Connect, off by
default: ``CLD_OIDC=on`` and the ``OIDC_*`` settings in ``environment.py``).

The provider proves who someone is; the platform still decides what they may do.
Only a person an administrator has already added, whose username is the e-mail
address the provider asserts, signs in; nobody is created from a claim. The
second factor still applies."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from mozilla_django_oidc.auth import OIDCAuthenticationBackend


class CouncilOidcBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        email = str(claims.get("email") or "").strip()
        users = get_user_model().objects
        if not email or not claims.get("email_verified", True):
            return users.none()
        return users.filter(username__iexact=email, is_active=True)

    def create_user(self, claims: dict[str, Any]) -> None:
        """Nobody is created from a provider's claims."""
        return None

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> Any:
        user_info = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(user_info):
            return None
        found = list(self.filter_users_by_claims(user_info)[:2])
        return found[0] if len(found) == 1 else None
