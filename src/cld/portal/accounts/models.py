"""A person's membership (role, authority, approved use cases) and their API tokens
(only a sha256 digest is kept; the token itself is shown once)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models

from cld.portal.accounts.roles import ROLES, Role, role_named


class Membership(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(max_length=32, choices=[(r, r) for r in ROLES])
    la = models.CharField(
        max_length=8, blank=True, help_text="The authority's code (LA roles only)."
    )
    use_cases = models.JSONField(
        default=list, blank=True, help_text="Approved use cases (hub analysts)."
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.role}{' ' + self.la if self.la else ''})"

    @property
    def role_class(self) -> type[Role]:
        return role_named(self.role)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Token(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"API token of {self.user} ({self.created_at:%Y-%m-%d})"

    @classmethod
    def issue(cls, user: models.Model) -> tuple[Token, str]:
        """A new token for ``user`` replacing their others; the secret is returned
        once and never stored."""
        secret = secrets.token_urlsafe(32)
        cls.objects.filter(user=user).delete()
        token = cls.objects.create(user=user, digest=token_digest(secret))
        return token, secret

    @classmethod
    def find(cls, secret: str) -> Token | None:
        """The token whose digest matches ``secret``, if any."""
        if not secret:
            return None
        return (
            cls.objects.select_related("user")
            .filter(digest=token_digest(secret), user__is_active=True)
            .first()
        )
