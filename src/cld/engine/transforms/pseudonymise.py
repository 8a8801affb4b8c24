"""Keyed pseudonyms: HMAC-SHA256 of an identifier with the platform's secret.

A plain hash of a child identifier is reversible by hashing every candidate (a
7-digit space takes seconds); an HMAC without the key is not. The pseudonym's
*scope* is part of the message: an LA's own identifier (CHILD, LAchildID) is scoped
to that LA, so the same child gets the same pseudonym in every dataset of the LA;
a national identifier (UPN) is scoped nationally, so a child who moves between
authorities keeps one pseudonym; a worker's identifier has a scope of its own.

Vectorised over the distinct values of a column: each distinct identifier is
hashed once (and once per session, through :class:`Pseudonymiser`'s memo), then
the column is mapped in one Polars pass.
"""

from __future__ import annotations

import hashlib
import hmac

import polars as pl

from cld.engine.errors import KeyMissingError
from cld.engine.spec.model import PersonalData

MIN_KEY_BYTES = 32
PSEUDONYM_CHARS = 32
"""Hex characters kept of the HMAC (128 bits: no collisions among England's
children in any practical sense)."""


class PseudonymKey:
    """The platform's secret. Never printed: ``repr`` shows only its fingerprint."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_KEY_BYTES:
            raise KeyMissingError(
                f"the pseudonym key must be at least {MIN_KEY_BYTES} bytes long "
                f"(it is {len(secret)}); generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        self._secret = secret

    @property
    def fingerprint(self) -> str:
        """Names the key in manifests without revealing it (an HMAC of a fixed
        message: the same key always gives the same fingerprint)."""
        digest = hmac.new(self._secret, b"cld key fingerprint", hashlib.sha256)
        return digest.hexdigest()[:16]

    def hmac(self) -> hmac.HMAC:
        return hmac.new(self._secret, digestmod=hashlib.sha256)

    def __repr__(self) -> str:
        return f"PseudonymKey(fingerprint={self.fingerprint})"


def scope_for(personal: PersonalData | None, la: str) -> str:
    """The pseudonym scope of an identifier column of authority ``la``."""
    match personal:
        case PersonalData.NATIONAL_IDENTIFIER:
            return "national"
        case PersonalData.WORKER_IDENTIFIER:
            return f"worker:{la}"
        case _:
            return f"la:{la}"


class Pseudonymiser:
    """Pseudonyms under one key, remembered for the life of one session."""

    def __init__(self, key: PseudonymKey) -> None:
        self._base = key.hmac()
        self._memo: dict[tuple[str, str], str] = {}

    def one(self, value: str, scope: str) -> str:
        found = self._memo.get((scope, value))
        if found is None:
            digest = self._base.copy()
            digest.update(f"{scope}\x1f{value}".encode())
            found = digest.hexdigest()[:PSEUDONYM_CHARS]
            self._memo[(scope, value)] = found
        return found

    def series(self, values: pl.Series, scope: str) -> pl.Series:
        """``values`` (identifiers, compared trimmed and upper-cased) as pseudonyms;
        blanks stay blank."""
        text = values.cast(pl.String).str.strip_chars().str.to_uppercase()
        distinct = text.drop_nulls().unique()
        mapping = {v: self.one(v, scope) for v in distinct.to_list()}
        return text.replace_strict(mapping, default=None, return_dtype=pl.String).alias(
            values.name
        )
