"""A session's issues as the session page shows them: filtered, sorted and one
page at a time, each a Polars query over the session's ``issues.csv`` (a file
can have thousands of issues; only the page shown is ever turned into Python)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from cld.engine.issues import IssueCode
from cld.engine.query import ENGINE

PAGE_SIZE = 100
SORTABLE = ("file", "table", "row", "column", "code", "severity")
FILTERS = ("file", "table", "severity", "column", "code")
_ORDER = "_order"


@dataclass(frozen=True)
class IssueQuery:
    """What the person asked for: exact-value filters, a free-text search of the
    messages, a sort column and direction, and a page (from 1)."""

    filters: dict[str, str]
    text: str = ""
    sort: str | None = None
    descending: bool = False
    page: int = 1


@dataclass(frozen=True)
class IssuePage:
    rows: list[dict[str, Any]]
    total: int
    """Issues matching the filters (on every page)."""
    page: int
    pages: int
    first: int
    """Position of the page's first issue among those matching (from 1)."""

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1


def issue_page(
    issues: pl.LazyFrame, query: IssueQuery, page_size: int = PAGE_SIZE
) -> IssuePage:
    """The page of ``issues`` that ``query`` asks for (the last one when it asks
    for a page past the end)."""
    matching = issues.with_row_index(_ORDER)
    for name, value in query.filters.items():
        if name in FILTERS and value:
            matching = matching.filter(pl.col(name) == value)
    if query.text:
        matching = matching.filter(
            pl.col("message")
            .str.to_lowercase()
            .str.contains(query.text.lower(), literal=True)
        )
    total = int(matching.select(pl.len()).collect(engine=ENGINE).item())
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, query.page), pages)
    if query.sort in SORTABLE:
        matching = matching.sort(
            [query.sort, _ORDER],
            descending=[query.descending, False],
            nulls_last=True,
        )
    start = (page - 1) * page_size
    rows = (
        matching.slice(start, page_size).drop(_ORDER).collect(engine=ENGINE).to_dicts()
    )
    for row in rows:
        row["title"] = code_title(row["code"])
    return IssuePage(rows=rows, total=total, page=page, pages=pages, first=start + 1)


def filter_options(issues: pl.LazyFrame) -> dict[str, list[str]]:
    """The values that occur in each filterable column but ``file`` and
    ``severity`` (the page lists those itself), sorted."""
    names = ("table", "column", "code")
    frames = pl.collect_all(
        [
            issues.select(pl.col(name).drop_nulls().unique().sort()).filter(
                pl.col(name) != ""
            )
            for name in names
        ],
        engine=ENGINE,
    )
    return {
        name: frame.get_column(name).to_list()
        for name, frame in zip(names, frames, strict=True)
    }


def code_title(code: str | None) -> str:
    """The catalogue's title for an issue code (the code itself if unknown)."""
    try:
        return IssueCode(code or "").kind.title
    except ValueError:
        return code or ""


def page_links(page: int, pages: int) -> list[int | None]:
    """The page numbers a pager shows (None for an ellipsis): the first, the
    last, and those either side of the current one."""
    wanted = sorted({1, pages, *range(max(1, page - 1), min(pages, page + 1) + 1)})
    links: list[int | None] = []
    for number in wanted:
        if links and number - (links[-1] or 0) > 1:
            links.append(None)
        links.append(number)
    return links
