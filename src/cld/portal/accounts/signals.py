"""Signing in, failing to and signing out are written to the registry's audit log
with the client's address. A failed sign-in is recorded the same way whether or not
the account exists."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import receiver
from django.http import HttpRequest

from cld.pipeline.registry.audit import Outcome
from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.accounts.permissions import membership_of
from cld.portal.audit import record


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    membership = membership_of(user)
    record(
        request,
        AuditAction.LOGIN,
        by=user.get_username(),
        la=membership.la or None if membership else None,
        detail={"role": membership.role if membership else None},
    )


@receiver(user_login_failed)
def _failed(
    sender: Any,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **_: Any,
) -> None:
    record_refused_sign_in(
        request,
        AuditAction.LOGIN_FAILED,
        attempted=credentials.get("username"),
        reason="bad username or password",
    )


def record_refused_sign_in(
    request: HttpRequest | None, action: AuditAction, *, attempted: Any, reason: str
) -> None:
    """Record a refused sign-in under the username given (cut to Django's longest,
    "anonymous" when none), whether or not that account exists."""
    by = str(attempted or "")[:150]
    record(
        request,
        action,
        by=by or "anonymous",
        detail={"reason": reason},
        outcome=Outcome.REFUSED,
    )


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    if user is not None:
        record(request, AuditAction.LOGOUT, by=user.get_username())
