"""Keyed pseudonyms: stable, scoped, and useless without the key."""

from __future__ import annotations

import hashlib
import hmac

import polars as pl
import pytest

from cld.engine.errors import KeyMissingError
from cld.engine.spec.model import PersonalData
from cld.engine.transforms.pseudonymise import (
    Pseudonymiser,
    PseudonymKey,
    scope_for,
)

KEY = PseudonymKey(b"k" * 40)
OTHER = PseudonymKey(b"z" * 40)


def test_same_value_same_scope_same_pseudonym_and_blanks_stay_blank() -> None:
    values = pl.Series("CHILD", ["A1", " a1 ", "B2", None, "A1"])
    out = Pseudonymiser(KEY).series(values, "la:CAM").to_list()
    assert out[0] == out[1] == out[4]  # trimmed and case-folded
    assert out[2] != out[0] and out[3] is None
    assert all(len(p) == 32 for p in out if p)
    again = Pseudonymiser(KEY).series(values, "la:CAM").to_list()
    assert again == out


def test_scope_and_key_change_the_pseudonym() -> None:
    series = pl.Series(["A1"])
    here = Pseudonymiser(KEY).series(series, "la:CAM")[0]
    assert Pseudonymiser(KEY).series(series, "la:HAC")[0] != here
    assert Pseudonymiser(OTHER).series(series, "la:CAM")[0] != here


def test_scopes() -> None:
    assert scope_for(PersonalData.IDENTIFIER, "CAM") == "la:CAM"
    assert scope_for(PersonalData.NATIONAL_IDENTIFIER, "CAM") == "national"
    assert scope_for(PersonalData.WORKER_IDENTIFIER, "CAM") == "worker:CAM"


def test_hashing_every_candidate_without_the_key_finds_nothing() -> None:
    """A 5-digit identifier space, tried in full with unkeyed hashes (with and
    without the scope): no pseudonym is found. With the key, every one is."""
    children = [f"{n:05d}" for n in (123, 4567, 89012, 99999)]
    made = set(Pseudonymiser(KEY).series(pl.Series(children), "la:CAM").to_list())
    candidates = [f"{n:05d}" for n in range(100_000)]
    for candidate in candidates:
        for message in (candidate, f"la:CAM\x1f{candidate}"):
            for name in ("sha256", "sha1", "md5", "blake2b"):
                digest = hashlib.new(name, message.encode()).hexdigest()
                assert digest[:32] not in made
    found = {
        hmac.new(b"k" * 40, f"la:CAM\x1f{c}".encode(), "sha256").hexdigest()[:32]
        for c in candidates
    }
    assert made <= found  # the key is what makes them linkable, and only the key


def test_a_short_key_is_refused_and_never_shown() -> None:
    with pytest.raises(KeyMissingError, match="at least 32 bytes"):
        PseudonymKey(b"short")
    assert "k" * 10 not in repr(KEY)
    assert KEY.fingerprint == PseudonymKey(b"k" * 40).fingerprint != OTHER.fingerprint
