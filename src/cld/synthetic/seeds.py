"""Deterministic random streams: one per (seed, authority, year, purpose).

Python's ``hash`` of a string changes between runs, so names are turned into numbers
with CRC-32; the streams come from NumPy's ``SeedSequence``, which mixes them well.
"""

from __future__ import annotations

import zlib

import numpy as np


def stable_number(text: str) -> int:
    """A number for ``text`` that is the same in every run and on every machine."""
    return zlib.crc32(text.encode("utf-8"))


def rng_for(seed: int, *parts: str | int) -> np.random.Generator:
    """The random stream for ``seed`` and ``parts`` (an LA code, a year, a table…)."""
    if seed < 0:
        raise ValueError(f"seed must be 0 or more, not {seed}")
    entropy = [seed, *(p if isinstance(p, int) else stable_number(p) for p in parts)]
    return np.random.default_rng(np.random.SeedSequence(entropy))
