"""Whether a secret from the environment is fit for production: long enough, not a
value committed in the repository, not guessable from its shape. A weakness is
said by the variable's name and what is wrong, never by the secret's value."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

MIN_DISTINCT = 10
"""Fewer different characters than this (``aaaa…``, ``abab…``) is guessable."""
MAX_RUN = 8
"""A run this long of repeated or consecutive characters (``00000000``,
``01234567``, ``hgfedcba``) is guessable; a random key has none."""
_PACKAGE = Path(__file__).resolve().parents[1]
_TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".html", ".json"}


def weakness(
    name: str, value: str, *, minimum: int, known: Iterable[str] = ()
) -> str | None:
    """Why ``value`` (the variable ``name``) is not a production secret, or None."""
    secret = value.strip()
    if len(secret) < minimum:
        return f"{name} is {len(secret)} characters long; it needs at least {minimum}"
    if secret.startswith("django-insecure-"):
        return f"{name} is a key Django made for development (django-insecure-…)"
    if secret in set(known) or committed_in_repository(secret):
        return (
            f"{name} is a value written in the repository (a development, demo, "
            "test or example key)"
        )
    distinct = len(set(secret))
    if distinct < MIN_DISTINCT:
        return (
            f"{name} uses only {distinct} different characters; a random key uses "
            "many more"
        )
    if _longest_run(secret) >= MAX_RUN:
        return (
            f"{name} has a run of {MAX_RUN} or more repeated or consecutive "
            "characters (such as 00000000 or 01234567); a random key has none"
        )
    if _repeats_a_pattern(secret):
        return f"{name} repeats a short pattern; a random key does not"
    return None


def new_secret_hint() -> str:
    return (
        "make one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
    )


def _longest_run(secret: str) -> int:
    """The longest stretch in which each character is the same as, one more than
    or one less than the one before, the step kept for the stretch."""
    longest = run = 1
    step: int | None = None
    for before, after in zip(secret, secret[1:], strict=False):
        delta = ord(after) - ord(before)
        if abs(delta) <= 1 and (step is None or delta == step):
            run, step = run + 1, delta
        elif abs(delta) <= 1:
            run, step = 2, delta
        else:
            run, step = 1, None
        longest = max(longest, run)
    return longest


def _repeats_a_pattern(secret: str) -> bool:
    """The secret is a piece of at most a third of its length over and over."""
    return any(
        secret[period:] == secret[:-period] for period in range(1, len(secret) // 3 + 1)
    )


def committed_in_repository(secret: str) -> bool:
    """``secret`` appears in a text file of the installed package or, in a source
    checkout, of the repository's docs and tests."""
    return any(secret in text for text in _committed_texts())


@cache
def _committed_texts() -> tuple[str, ...]:
    roots = [_PACKAGE]
    checkout = _PACKAGE.parents[1]  # src/cld → the repository
    if (checkout / "pyproject.toml").is_file():
        roots += [checkout / "docs", checkout / "tests"]
        roots += [p for p in checkout.glob("*.md") if p.is_file()]
    texts = []
    for root in roots:
        files = [root] if root.is_file() else root.rglob("*")
        for path in files:
            if path.suffix in _TEXT_SUFFIXES and path.is_file():
                try:
                    texts.append(path.read_text(encoding="utf-8", errors="ignore"))
                except OSError:  # pragma: no cover - a file removed while read
                    continue
    return tuple(texts)
