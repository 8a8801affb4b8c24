"""The audit log's key: from the environment, refused when short, refused when
missing in production, the published development key anywhere else; and the hash
it makes (HMAC-SHA256, so the key changes every hash)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest

from cld.engine.errors import KeyMissingError
from cld.pipeline.registry.audit import canonical, event_hash, unkeyed_hash
from cld.pipeline.registry.audit_key import (
    AUDIT_KEY_ENV,
    DEVELOPMENT_AUDIT_KEY,
    AuditKey,
    audit_key,
)

SECRET = "unit-test-audit-key-not-a-secret-0123456789"
ROW = {
    "at": dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC),
    "actor": "a",
    "action": "x",
    "la": None,
    "use_case": None,
    "source": "cli",
    "outcome": "refused",
    "detail": {},
}


def test_the_key_comes_from_the_environment() -> None:
    key = audit_key({AUDIT_KEY_ENV: SECRET, "CLD_ENV": "production"})
    assert key == AuditKey(SECRET.encode(), development=False)
    assert SECRET not in repr(key)


@pytest.mark.parametrize("env", ["production", "development", "test", ""])
def test_a_short_key_is_refused_everywhere(env: str) -> None:
    with pytest.raises(KeyMissingError, match="31 characters long: .* at least 32"):
        audit_key({AUDIT_KEY_ENV: "k" * 31, "CLD_ENV": env})


def test_production_refuses_to_run_without_the_key() -> None:
    for missing in ({}, {AUDIT_KEY_ENV: "  "}):
        with pytest.raises(KeyMissingError, match="CLD_AUDIT_KEY is not set"):
            audit_key({**missing, "CLD_ENV": "production"})


@pytest.mark.parametrize("env", [{}, {"CLD_ENV": "development"}, {"CLD_ENV": "test"}])
def test_elsewhere_the_development_key_says_what_it_is(env: dict[str, str]) -> None:
    key = audit_key(env)
    assert key.development and key.secret == DEVELOPMENT_AUDIT_KEY.encode()
    assert "never-use-in-production" in DEVELOPMENT_AUDIT_KEY


def test_the_hash_is_an_hmac_under_the_key() -> None:
    key = audit_key({AUDIT_KEY_ENV: SECRET})
    text = ("0" * 64 + canonical(ROW)).encode()
    assert event_hash("0" * 64, ROW, key) == (
        hmac.new(SECRET.encode(), text, hashlib.sha256).hexdigest()
    )
    assert unkeyed_hash("0" * 64, ROW) == hashlib.sha256(text).hexdigest()
    other = audit_key({AUDIT_KEY_ENV: SECRET + "!"})
    assert len({event_hash("0" * 64, ROW, key), event_hash("0" * 64, ROW, other)}) == 2
