"""The audit log's key comes from the environment (``CLD_AUDIT_KEY``), never from the
registry's database, so whoever can write to the database cannot make a changed event
look intact: each event's hash is an HMAC-SHA256 under this key (``audit.py``).

Without it, production (``CLD_ENV=production``) writes and checks no event at all;
anywhere else the chain is keyed with :data:`DEVELOPMENT_AUDIT_KEY`, which is
published here and so protects nothing (the demo, development and tests)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from cld.engine.errors import KeyMissingError

AUDIT_KEY_ENV = "CLD_AUDIT_KEY"
MIN_LENGTH = 32
DEVELOPMENT_AUDIT_KEY = "insecure-development-only-audit-key-never-use-in-production"
"""The key outside production when ``CLD_AUDIT_KEY`` is not set: it says what it is."""


@dataclass(frozen=True)
class AuditKey:
    """The secret the chain's hashes are made with."""

    secret: bytes = field(repr=False)
    development: bool
    """True for :data:`DEVELOPMENT_AUDIT_KEY`: anyone can rewrite such a chain."""


def audit_key(env: Mapping[str, str] = os.environ) -> AuditKey:
    """The audit key: ``CLD_AUDIT_KEY``; outside production, the development key
    when it is not set. Refuses (:class:`KeyMissingError`) a key under 32
    characters, and production without one."""
    text = env.get(AUDIT_KEY_ENV, "")
    if text.strip():
        if len(text) < MIN_LENGTH:
            raise KeyMissingError(
                f"{AUDIT_KEY_ENV} is {len(text)} characters long: the audit log's "
                f"key must be a secret of at least {MIN_LENGTH} characters"
            )
        return AuditKey(text.encode("utf-8"), development=False)
    if env.get("CLD_ENV", "").strip() == "production":
        raise KeyMissingError(
            f"{AUDIT_KEY_ENV} is not set: in production (CLD_ENV=production) the "
            "platform neither writes nor checks the audit log without its key (a "
            f"secret of at least {MIN_LENGTH} characters, kept outside the registry's "
            "database and the repository)"
        )
    return AuditKey(DEVELOPMENT_AUDIT_KEY.encode("utf-8"), development=True)
