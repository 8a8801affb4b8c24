"""The pseudonym key comes from the environment (``CLD_PSEUDONYM_KEY``), never from
the repository or the data area. Nothing is processed without it, except by the
demo, which uses a key that says it is one. In production (``CLD_ENV=production``)
a key that is short, committed in the repository or guessable from its shape is
refused before anything is read."""

from __future__ import annotations

import os

from cld.engine.errors import KeyMissingError
from cld.engine.transforms.pseudonymise import MIN_KEY_BYTES, PseudonymKey
from cld.pipeline.secret_strength import new_secret_hint, weakness

KEY_ENV = "CLD_PSEUDONYM_KEY"
DEMO_KEY_TEXT = "demo-only-pseudonym-key-never-use-for-real-data"
DEMO_KEY = PseudonymKey(DEMO_KEY_TEXT.encode("utf-8"))
"""Only for `cld demo` on synthetic data: pseudonyms made with it are not secret."""


def key_from_environment() -> PseudonymKey:
    secret = os.environ.get(KEY_ENV, "")
    if not secret.strip():
        raise KeyMissingError(
            f"{KEY_ENV} is not set: the platform refuses to process data without "
            "its pseudonym key (a secret of at least 32 characters, kept outside "
            "the data area and the repository)"
        )
    if os.environ.get("CLD_ENV", "").strip() == "production":
        problem = production_key_weakness(secret)
        if problem:
            raise KeyMissingError(f"{problem}: {new_secret_hint()}")
    return PseudonymKey(secret.encode("utf-8"))


def production_key_weakness(secret: str) -> str | None:
    """Why ``secret`` will not do as production's pseudonym key, or None."""
    return weakness(KEY_ENV, secret, minimum=MIN_KEY_BYTES, known=(DEMO_KEY_TEXT,))
