"""Keyword-only actions on accounts, each recorded in the audit log: adding a
person with a role, changing their role, authority or use cases, deactivating and
reactivating them, and issuing an API token. The CLI and the admin pages call
these; Django must be set up (``cld.portal.configure``).

The account tables and the audit log are written through different connections
(Django's and the registry's), so an action commits its change first and records
it straight after; a failure to record is raised, never swallowed. ``source`` is
where the action came from (the portal passes the client's address; the CLI
leaves it, and the log says "cli")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from cld.engine.errors import UsageError
from cld.pipeline.registry import Registry
from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.accounts.models import Membership, Token
from cld.portal.accounts.roles import ROLES, Admin, Scope
from cld.portal.accounts.token_lifetime import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS

ADMIN = Admin.name


@dataclass(frozen=True)
class NewMember:
    username: str
    role: str
    la: str
    use_cases: tuple[str, ...]


def checked_member(
    registry: Registry,
    *,
    username: str,
    role: str,
    la: str | None,
    use_cases: Sequence[str],
) -> NewMember:
    """The membership asked for, or a :class:`UsageError` saying what is wrong:
    LA roles need an authority the registry knows, hub analysts use cases the
    policy has; nobody else takes either."""
    name = username.strip()
    if not name or len(name) > 150:
        raise UsageError("give a username of 1 to 150 characters")
    if role not in ROLES:
        raise UsageError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
    scope = ROLES[role].scope
    code = ""
    if scope is Scope.AUTHORITY:
        if not la:
            raise UsageError(f"--la is needed for the role {role}")
        code = registry.authority(la).code
    elif la:
        raise UsageError(f"the role {role} is not tied to one authority; drop --la")
    names: tuple[str, ...] = ()
    if scope is Scope.USE_CASES:
        if not use_cases:
            raise UsageError(f"--use-case is needed for the role {role}")
        policy = registry.policy()[1]
        try:
            names = tuple(sorted({policy.use_case(u).name for u in use_cases}))
        except Exception as exc:
            raise UsageError(str(exc)) from None
    elif use_cases:
        raise UsageError(f"the role {role} is not approved per use case; drop it")
    return NewMember(username=name, role=role, la=code, use_cases=names)


def add_user(
    registry: Registry,
    member: NewMember,
    *,
    password: str,
    by: str,
    source: str | None = None,
) -> None:
    """Create the account and its membership, and record it."""
    users = get_user_model()
    if users.objects.filter(username=member.username).exists():
        raise UsageError(f"there is already a user {member.username!r}")
    candidate = users(username=member.username)
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        raise UsageError(
            "the password is too weak: " + " ".join(exc.messages)
        ) from None
    with transaction.atomic():
        user = users.objects.create_user(username=member.username, password=password)
        Membership.objects.create(
            user=user, role=member.role, la=member.la, use_cases=list(member.use_cases)
        )
    registry.record(
        AuditAction.USER_ADDED,
        by=by,
        la=member.la or None,
        detail={
            "username": member.username,
            "role": member.role,
            "use_cases": list(member.use_cases),
        },
        source=source,
    )


@dataclass(frozen=True)
class IssuedToken:
    """A new API token: its secret (shown once, never stored) and when it stops
    working."""

    secret: str
    expires_at: dt.datetime


def issue_token(
    registry: Registry,
    username: str,
    *,
    by: str,
    days: int = DEFAULT_TOKEN_DAYS,
    source: str | None = None,
) -> IssuedToken:
    """A new API token for ``username`` (replacing any earlier one), valid for
    ``days``; the secret is returned once, only its digest is kept."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise UsageError(f"an API token lasts 1 to {MAX_TOKEN_DAYS} days, not {days}")
    users = get_user_model()
    user = users.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise UsageError(f"no active user {username!r}")
    token, secret = Token.issue(user, days=days)
    registry.record(
        AuditAction.API_TOKEN_ISSUED,
        by=by,
        detail={"username": username, "expires": token.expires_at.isoformat()},
        source=source,
    )
    return IssuedToken(secret=secret, expires_at=token.expires_at)


def change_member(
    registry: Registry,
    username: str,
    *,
    role: str,
    la: str | None,
    use_cases: Sequence[str],
    reason: str,
    by: str,
    source: str | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Give ``username`` the role, authority and use cases asked for (checked as
    :func:`checked_member` checks a new one) and record what changed
    (``user_changed``, with each earlier value and the reason). Returns the
    changes, each as (before, after); nothing is recorded when nothing changes.

    A role change needs a reason, and nobody takes the administrator role from
    themselves (so an administrator always remains)."""
    user = _user(username)
    member = checked_member(
        registry, username=username, role=role, la=la, use_cases=use_cases
    )
    membership = Membership.objects.filter(user=user).first()
    before: dict[str, Any] = {
        "role": membership.role if membership else None,
        "la": membership.la if membership else "",
        "use_cases": list(membership.use_cases or []) if membership else [],
    }
    after: dict[str, Any] = {
        "role": member.role,
        "la": member.la,
        "use_cases": list(member.use_cases),
    }
    changes = {k: (before[k], after[k]) for k in after if before[k] != after[k]}
    if not changes:
        return {}
    if "role" in changes:
        if username == by and before["role"] == ADMIN:
            raise UsageError(
                "you cannot take the administrator role from yourself: ask another "
                "administrator"
            )
        if not reason.strip():
            raise UsageError("say why the role changes")
    Membership.objects.update_or_create(user=user, defaults=after)
    detail: dict[str, Any] = {"username": username}
    for name, (was, value) in changes.items():
        detail[name] = value
        detail[f"previous_{name}"] = was
    if reason.strip():
        detail["reason"] = reason.strip()
    registry.record(
        AuditAction.USER_CHANGED,
        by=by,
        la=member.la or before["la"] or None,
        detail=detail,
        source=source,
    )
    return changes


def deactivate_user(
    registry: Registry,
    username: str,
    *,
    reason: str,
    by: str,
    source: str | None = None,
) -> None:
    """Stop ``username`` signing in (their API tokens are revoked) and record it
    (``user_deactivated``) with the reason, which is required. Nobody deactivates
    themselves."""
    user = _user(username)
    if not user.is_active:
        raise UsageError(f"{username!r} is deactivated already")
    if username == by:
        raise UsageError("you cannot deactivate yourself: ask another administrator")
    if not reason.strip():
        raise UsageError("say why the account is deactivated")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        revoked, _ = Token.objects.filter(user=user).delete()
    registry.record(
        AuditAction.USER_DEACTIVATED,
        by=by,
        la=_la_of(user),
        detail={
            "username": username,
            "reason": reason.strip(),
            "api_tokens_revoked": revoked,
        },
        source=source,
    )


def reactivate_user(
    registry: Registry,
    username: str,
    *,
    reason: str = "",
    by: str,
    source: str | None = None,
) -> None:
    """Let a deactivated ``username`` sign in again (with their old password; no
    API token comes back) and record it (``user_reactivated``)."""
    user = _user(username)
    if user.is_active:
        raise UsageError(f"{username!r} is active already")
    user.is_active = True
    user.save(update_fields=["is_active"])
    detail = {"username": username}
    if reason.strip():
        detail["reason"] = reason.strip()
    registry.record(
        AuditAction.USER_REACTIVATED,
        by=by,
        la=_la_of(user),
        detail=detail,
        source=source,
    )


def _user(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise UsageError(f"no user {username!r}")
    return user


def _la_of(user: Any) -> str | None:
    membership = Membership.objects.filter(user=user).first()
    return (membership.la or None) if membership else None
