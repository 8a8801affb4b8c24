"""The pseudonym key comes from the environment (``CLD_PSEUDONYM_KEY``), never from
the repository or the data area. Nothing is processed without it, except by the
demo, which uses a key that says it is one."""

from __future__ import annotations

import os

from cld.engine.errors import KeyMissingError
from cld.engine.transforms.pseudonymise import PseudonymKey

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
    return PseudonymKey(secret.encode("utf-8"))
