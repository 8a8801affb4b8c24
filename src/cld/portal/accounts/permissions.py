"""Who may do what and see whose data: paired ``check_*`` (raises
``PermissionDenied``) and ``can_*`` (returns a bool). Anyone without a membership,
an inactive account or an anonymous visitor may do nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied

from cld.portal.accounts.models import Membership
from cld.portal.accounts.roles import Permission, Role, Scope, role_named


def membership_of(user: Any) -> Membership | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    try:
        membership: Membership = user.membership
    except Membership.DoesNotExist:
        return None
    return membership


def role_of(user: Any) -> type[Role] | None:
    membership = membership_of(user)
    return role_named(membership.role) if membership else None


def can_do(user: Any, permission: Permission) -> bool:
    """The user's role grants ``permission``."""
    role = role_of(user)
    return role is not None and permission in role.permissions


def check_do(user: Any, permission: Permission) -> None:
    if not can_do(user, permission):
        raise PermissionDenied(f"needs {permission}")


def _sees(user: Any, scope: Scope, within: Callable[[Membership], bool]) -> bool:
    """Platform roles see everything; a role of ``scope`` sees what ``within``
    admits of its membership; any other role, and no membership, nothing."""
    membership = membership_of(user)
    if membership is None:
        return False
    held = role_named(membership.role).scope
    return held is Scope.PLATFORM or (held is scope and within(membership))


def can_see_authority(user: Any, la: str) -> bool:
    """The user may see authority ``la``'s own data (sessions, issue reports, what
    it shared): LA roles only their own authority, hub analysts none, IG reviewers
    and admins every one."""
    return _sees(user, Scope.AUTHORITY, lambda m: bool(m.la) and m.la == la)


def check_see_authority(user: Any, la: str) -> None:
    if not can_see_authority(user, la):
        raise PermissionDenied("another authority's data")


def can_see_use_case(user: Any, use_case: str) -> bool:
    """The user may see ``use_case``'s outputs and reports: hub analysts only the
    use cases they are approved for; IG reviewers and admins all. LA roles see
    what their own authority sent to it (:func:`can_see_authority`), not the
    pooled outputs."""
    return _sees(user, Scope.USE_CASES, lambda m: use_case in (m.use_cases or []))


def check_see_use_case(user: Any, use_case: str) -> None:
    if not can_see_use_case(user, use_case):
        raise PermissionDenied("a use case the user is not approved for")
