"""Keyword-only actions on accounts, each recorded in the audit log: adding a
person with a role, and issuing an API token. The CLI and (later) the admin pages
call these; Django must be set up (``cld.portal.configure``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from cld.engine.errors import UsageError
from cld.pipeline.registry import Registry
from cld.portal.accounts.models import Membership, Token
from cld.portal.accounts.roles import ROLES, Scope


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


def add_user(registry: Registry, member: NewMember, *, password: str, by: str) -> None:
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
        "user_added",
        by=by,
        la=member.la or None,
        detail={
            "username": member.username,
            "role": member.role,
            "use_cases": list(member.use_cases),
        },
    )


def issue_token(registry: Registry, username: str, *, by: str) -> str:
    """A new API token for ``username`` (replacing any earlier one); the secret is
    returned once, only its digest is kept."""
    users = get_user_model()
    user = users.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise UsageError(f"no active user {username!r}")
    _, secret = Token.issue(user)
    registry.record("api_token_issued", by=by, detail={"username": username})
    return secret
