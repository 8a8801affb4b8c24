"""Permissions as data: what a person may do is a :class:`Permission`; a role is a
plain class naming its permissions and how far it reaches (one authority, the use
cases someone is approved for, or everything)."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class Permission(StrEnum):
    UPLOAD_FILES = "upload_files"
    VIEW_OWN_SESSIONS = "view_own_sessions"
    VIEW_SHARED_TABLES = "view_shared_tables"
    """"What left our borough": the tables, columns and rows sent to use cases."""
    MANAGE_OWN_AGREEMENTS = "manage_own_agreements"
    VIEW_HUB_DASHBOARD = "view_hub_dashboard"
    VIEW_OUTPUTS = "view_outputs"
    REVIEW_DPIAS = "review_dpias"
    READ_AUDIT_LOG = "read_audit_log"
    ADMINISTER = "administer"


class Scope(StrEnum):
    AUTHORITY = "authority"
    """One authority's data only (the membership's LA)."""
    USE_CASES = "use_cases"
    """The outputs of the use cases the person is approved for; no authority's."""
    PLATFORM = "platform"
    """Every authority and use case."""


class Role:
    name: ClassVar[str]
    title: ClassVar[str]
    scope: ClassVar[Scope]
    permissions: ClassVar[frozenset[Permission]]


class LaUploader(Role):
    name = "la-uploader"
    title = "Local authority uploader"
    scope = Scope.AUTHORITY
    permissions = frozenset(
        {
            Permission.UPLOAD_FILES,
            Permission.VIEW_OWN_SESSIONS,
            Permission.VIEW_SHARED_TABLES,
        }
    )


class LaGovernance(Role):
    name = "la-governance"
    title = "Local authority governance officer"
    scope = Scope.AUTHORITY
    permissions = frozenset(
        {Permission.MANAGE_OWN_AGREEMENTS, Permission.VIEW_SHARED_TABLES}
    )


class HubAnalyst(Role):
    name = "hub-analyst"
    title = "Hub analyst"
    scope = Scope.USE_CASES
    permissions = frozenset({Permission.VIEW_HUB_DASHBOARD, Permission.VIEW_OUTPUTS})


class IgReviewer(Role):
    name = "ig-reviewer"
    title = "Information governance reviewer"
    scope = Scope.PLATFORM
    permissions = frozenset(
        {
            Permission.REVIEW_DPIAS,
            Permission.READ_AUDIT_LOG,
            Permission.VIEW_SHARED_TABLES,
        }
    )


class Admin(Role):
    name = "admin"
    title = "Platform administrator"
    scope = Scope.PLATFORM
    permissions = frozenset(Permission)


ROLES: dict[str, type[Role]] = {
    role.name: role
    for role in (LaUploader, LaGovernance, HubAnalyst, IgReviewer, Admin)
}


def role_named(name: str) -> type[Role]:
    try:
        return ROLES[name]
    except KeyError:
        raise ValueError(
            f"unknown role {name!r}; the roles are {', '.join(ROLES)}"
        ) from None
