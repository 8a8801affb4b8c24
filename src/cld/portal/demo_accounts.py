"""The demo's accounts: one person per role (and an uploader of a second
authority, to show what another borough cannot see), each with a fresh password
printed once by ``cld demo``. Demo data only: synthetic, second factor off."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from cld.governance.authorities import Authority
from cld.pipeline.registry import Registry
from cld.portal.accounts.actions import add_user, checked_member


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    la: str
    use_cases: tuple[str, ...]


def demo_accounts(
    registry: Registry, first: Authority, second: Authority
) -> list[DemoAccount]:
    """Create (or give a new password to) the demo's accounts."""
    use_cases = tuple(sorted(registry.policy()[1].use_cases))
    wanted = [
        ("demo-uploader", "la-uploader", first.code, ()),
        ("demo-governance", "la-governance", first.code, ()),
        ("demo-other-uploader", "la-uploader", second.code, ()),
        ("demo-analyst", "hub-analyst", None, use_cases),
        ("demo-ig-reviewer", "ig-reviewer", None, ()),
        ("demo-admin", "admin", None, ()),
    ]
    users = get_user_model().objects
    made = []
    for username, role, la, cases in wanted:
        password = secrets.token_urlsafe(12)
        existing = users.filter(username=username).first()
        if existing is not None:
            existing.set_password(password)
            existing.save(update_fields=["password"])
            membership = existing.membership
            made.append(
                DemoAccount(
                    username,
                    password,
                    membership.role,
                    membership.la,
                    tuple(membership.use_cases or ()),
                )
            )
            continue
        member = checked_member(
            registry, username=username, role=role, la=la, use_cases=cases
        )
        add_user(registry, member, password=password, by="demo")
        made.append(
            DemoAccount(username, password, member.role, member.la, member.use_cases)
        )
    return made
