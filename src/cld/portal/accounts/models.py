"""A person's membership (role, authority, approved use cases) and their API tokens
(only a sha256 digest is kept; the token itself is shown once; each expires,
after ``DEFAULT_TOKEN_DAYS`` unless asked otherwise)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from cld.portal.accounts.roles import ROLES
from cld.portal.accounts.token_lifetime import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS


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


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Token(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(help_text="After this the token is refused.")

    def __str__(self) -> str:
        return f"API token of {self.user} ({self.created_at:%Y-%m-%d})"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @classmethod
    def issue(
        cls, user: models.Model, *, days: int = DEFAULT_TOKEN_DAYS
    ) -> tuple[Token, str]:
        """A new token for ``user``, valid for ``days`` (1 to ``MAX_TOKEN_DAYS``),
        replacing their others; the secret is returned once and never stored."""
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise ValueError(
                f"an API token lasts 1 to {MAX_TOKEN_DAYS} days, not {days}"
            )
        secret = secrets.token_urlsafe(32)
        cls.objects.filter(user=user).delete()
        now = timezone.now()
        token = cls.objects.create(
            user=user,
            digest=token_digest(secret),
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        return token, secret

    @classmethod
    def find(cls, secret: str) -> Token | None:
        """The token whose digest matches ``secret``, if any (expired or not: the
        caller says which)."""
        if not secret:
            return None
        return (
            cls.objects.select_related("user")
            .filter(digest=token_digest(secret), user__is_active=True)
            .first()
        )
