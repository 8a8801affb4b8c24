"""A published table's path is spelled out and read back in one place."""

from __future__ import annotations

import pytest

from cld.pipeline.published_path import PublishedPath


def test_a_path_reads_back_as_itself() -> None:
    path = PublishedPath("pan", "ssda903", 2024, "episodes")
    assert path.rel == "pan/ssda903/2024/episodes.parquet"
    assert path.under_use_case == "ssda903/2024/episodes.parquet"
    assert PublishedPath.parse(path.rel) == path
    assert str(path) == path.rel


@pytest.mark.parametrize(
    "rel",
    [
        "pan/ssda903/2024",
        "pan/ssda903/2024/episodes.csv",
        "pan/ssda903/year/episodes.parquet",
        "pan/ssda903/2024/.parquet",
        "pan//2024/episodes.parquet",
        "x/pan/ssda903/2024/episodes.parquet",
        "manifest.json",
    ],
)
def test_what_is_not_a_published_table_reads_as_none(rel: str) -> None:
    assert PublishedPath.parse(rel) is None
