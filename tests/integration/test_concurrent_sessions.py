"""Many uploads at once (results day): every authority's session runs in parallel
with the others, two sessions of one authority wait for each other, and nothing is
lost — each authority's tables published, every session recorded, the audit log's
chain intact without gaps. On SQLite here, on PostgreSQL in CI."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from platform_builders import TEST_KEY, allow, ssda903_files

from cld.cli.app import run
from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.governance.authorities import authorities
from cld.pipeline.data_area import DataArea
from cld.pipeline.publish import current_files
from cld.pipeline.registry import Registry
from cld.pipeline.registry.audit import verify_chain
from cld.pipeline.session import SessionResult, process_files

KEY = PseudonymKey(TEST_KEY.encode())
LAS = [a.code for a in authorities()]
assert len(LAS) == 33


@pytest.fixture(scope="module")
def every_authority(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small SSDA903 returns of every London authority for 2023 and 2024."""
    out = tmp_path_factory.mktemp("every-authority")
    code = run(
        [
            "synth",
            "--out",
            str(out),
            "--years",
            "2023,2024",
            "--datasets",
            "ssda903",
            "--children",
            "6",
            "--seed",
            "11",
        ]
    )
    assert code == 0
    return out


def _process(
    area: DataArea, registry: Registry, la: str, paths: list[Path]
) -> SessionResult:
    return process_files(
        area,
        registry,
        registry.authority(la),
        paths,
        by=f"uploader-{la}",
        key=KEY,
        today=dt.date.today(),
    )


def test_33_authorities_upload_at_once(
    area: DataArea, registry: Registry, every_authority: Path
) -> None:
    for la in LAS:
        allow(registry, la, "pan")
    uploads = {
        la: ssda903_files(every_authority, la, 2024, "header", "episodes") for la in LAS
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = dict(
            zip(
                LAS,
                pool.map(lambda la: _process(area, registry, la, uploads[la]), LAS),
                strict=True,
            )
        )
    assert {la: r.status for la, r in results.items()} == dict.fromkeys(
        LAS, "published"
    )
    for la in LAS:
        assert set(current_files(area, la)) == {
            "pan/ssda903/2024/header.parquet",
            "pan/ssda903/2024/episodes.parquet",
        }
    sessions = registry.sessions()
    assert sorted(s.la for s in sessions) == sorted(LAS)
    assert all(s.status == "published" for s in sessions)
    assert verify_chain(registry) == []
    ids = [event.id for event in registry.events()]
    assert ids == list(range(ids[0], ids[0] + len(ids)))


def test_two_sessions_of_one_authority_wait_for_each_other(
    area: DataArea, registry: Registry, every_authority: Path
) -> None:
    allow(registry, "CAM", "pan")
    years = (2023, 2024)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda year: _process(
                    area,
                    registry,
                    "CAM",
                    ssda903_files(every_authority, "CAM", year, "header"),
                ),
                years,
            )
        )
    assert [r.status for r in results] == ["published", "published"]
    # neither session's switch lost the other's table
    assert set(current_files(area, "CAM")) == {
        f"pan/ssda903/{year}/header.parquet" for year in years
    }
    started = [e for e in registry.events("session_started") if e.la == "CAM"]
    finished = [e for e in registry.events("session_published") if e.la == "CAM"]
    assert len(started) == len(finished) == 2
    # one ran after the other: the second started once the first had finished
    assert started[1].id > finished[0].id
    assert verify_chain(registry) == []
