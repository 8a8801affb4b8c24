"""The API's lists come a page at a time: ``?page=N`` (from 1) and ``?limit=L``
(at most :data:`MAX_LIMIT`), answered with ``count``, ``page``, ``pages``,
``limit`` and ``next`` / ``previous`` links (None at either end), so no answer
grows with what a session or an authority holds."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class BadPage(ValueError):  # noqa: N818 - a refusal, said in plain English
    """``page`` or ``limit`` is not a whole number in range."""


@dataclass(frozen=True)
class PageRequest:
    page: int
    limit: int

    @property
    def start(self) -> int:
        return (self.page - 1) * self.limit


def page_request(request: HttpRequest) -> PageRequest:
    """The page and limit ``request`` asks for; :class:`BadPage` when either is
    not a whole number from 1 (``limit`` at most :data:`MAX_LIMIT`), or when
    anything else is asked."""
    if set(request.GET) - {"page", "limit"}:
        raise BadPage("only page and limit may be given")
    page = _number(request.GET.get("page"), "page", 1, 10**6)
    limit = _number(request.GET.get("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT)
    return PageRequest(page, limit)


def _number(text: str | None, name: str, default: int, most: int) -> int:
    if text is None or text == "":
        return default
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise BadPage(f"{name} must be a whole number from 1 to {most}")
    return int(text)


def page_links(
    request: HttpRequest, asked: PageRequest, count: int, page: int | None = None
) -> dict[str, Any]:
    """``count``, ``page``, ``pages``, ``limit``, ``next`` and ``previous`` for a
    list of ``count`` things (``page``: the page answered, if not the one
    asked for)."""
    pages = max(1, math.ceil(count / asked.limit))
    shown = asked.page if page is None else page

    def link(number: int) -> str | None:
        if not 1 <= number <= pages:
            return None
        return f"{request.path}?{urlencode({'page': number, 'limit': asked.limit})}"

    return {
        "count": count,
        "page": shown,
        "pages": pages,
        "limit": asked.limit,
        "next": link(shown + 1),
        "previous": link(shown - 1),
    }
