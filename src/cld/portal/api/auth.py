"""Bearer-token authentication for the API: ``Authorization: Bearer TOKEN``.

No token, a bad one, an expired one (saying when it expired), or one of a
deactivated person or of someone without a role answers 401 (with
``WWW-Authenticate: Bearer``); a role without the permission
answers 403. Each refusal is recorded as refused. Sessions and cookies play no
part, so the API needs no CSRF token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.accounts.access import ACCESS
from cld.portal.accounts.models import Token
from cld.portal.accounts.permissions import can_do, membership_of
from cld.portal.accounts.roles import Permission
from cld.portal.errors import record_refusal

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
API_MARK = "api:"
"""Prefix of an API view's access mark: ``api:<permission>`` or ``api:public``."""


def problem(status: int, message: str, **headers: str) -> JsonResponse:
    """An error answer: ``{"error": message}`` with ``status``."""
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def api_public(view: View) -> View:
    setattr(view, ACCESS, f"{API_MARK}public")
    return view


def api_requires(permission: Permission) -> Callable[[View], View]:
    def mark(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def guarded(
            request: HttpRequest, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            user = _bearer_user(request)
            if isinstance(user, Refusal):
                request.user = AnonymousUser()  # a session cookie counts not
                record_refusal(request, AuditAction.API_REFUSED, reason=user.reason)
                return problem(401, user.message, WWW_Authenticate='Bearer realm="cld"')
            request.user = user
            if not can_do(user, permission):
                record_refusal(
                    request, AuditAction.API_REFUSED, reason=f"needs {permission}"
                )
                return problem(403, "your role does not allow this")
            return view(request, *args, **kwargs)

        setattr(guarded, ACCESS, f"{API_MARK}{permission}")
        return guarded  # type: ignore[return-value]

    return mark


@dataclass(frozen=True)
class Refusal:
    reason: str
    """For the audit log."""
    message: str
    """For the caller."""


NO_VALID_TOKEN = Refusal(
    "no valid token", "give a valid API token: Authorization: Bearer TOKEN"
)


def _bearer_user(request: HttpRequest) -> Any:
    """The token's user, or the :class:`Refusal` saying why there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return NO_VALID_TOKEN
    token = Token.find(secret.strip())
    if token is None or membership_of(token.user) is None:
        return NO_VALID_TOKEN
    if token.expired:
        when = f"{token.expires_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
        return Refusal(
            "expired token",
            f"this API token expired on {when}; ask an administrator for a new "
            "one (cld users token, or the person's page)",
        )
    Token.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
