"""Retention deletes exactly what the use cases' periods no longer allow."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import cast

from platform_builders import TEST_KEY, allow, files_of, ssda903_files

from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.pipeline.data_area import DataArea
from cld.pipeline.publish import current_files
from cld.pipeline.registry import Registry
from cld.pipeline.retention import apply_retention
from cld.pipeline.session import process_files

KEY = PseudonymKey(TEST_KEY.encode())
D = dt.date


def _cin(synthetic: Path, la: str, year: int) -> list[Path]:
    return [p for p in files_of(synthetic, la, year) if p.suffix == ".xml"]


def _setup(area: DataArea, registry: Registry, synthetic: Path) -> tuple[str, str]:
    allow(registry, "CAM", "pan", "equalities")  # pan keeps 7 years, equalities 5
    cam = registry.authority("CAM")
    for year in (2023, 2024):
        files = ssda903_files(synthetic, "CAM", year, "header") + _cin(
            synthetic, "CAM", year
        )
        process_files(area, registry, cam, files, by="t", key=KEY)
    unshared = process_files(
        area,
        registry,
        registry.authority("HAC"),
        ssda903_files(synthetic, "HAC", 2024, "header"),
        by="t",
        key=KEY,
    )
    assert unshared.status == "archived"
    return registry.sessions("CAM")[0].id, unshared.session


def test_retention_deletes_exactly_what_it_should(
    area: DataArea, registry: Registry, synthetic: Path
) -> None:
    first, unshared = _setup(area, registry, synthetic)
    received = registry.sessions("CAM")[0].received_at.date()
    tables = set(current_files(area, "CAM"))
    assert {
        "pan/ssda903/2023/header.parquet",
        "equalities/cin_census/2023/children.parquet",
    } <= tables

    def deleted(on: dt.date) -> tuple[set[str], set[str]]:
        result = apply_retention(area, registry, today=on, by="t", dry_run=True)
        return set(result.tables), set(result.sessions)

    # 31 March 2023 + 5 years is the last day equalities keeps its 2023 tables
    kept_tables, gone_sessions = deleted(D(2028, 3, 31))
    assert kept_tables == set()
    assert gone_sessions == {f"HAC/{unshared}"}  # its 90 days are long over
    on_day = deleted(D(2028, 4, 1))[0]
    assert on_day == {
        f"CAM/{t}" for t in tables if t.startswith("equalities/") and "/2023/" in t
    }
    # and 7 years for pan: by April 2031 every table of both years has gone
    assert deleted(D(2031, 4, 1))[0] == {f"CAM/{t}" for t in tables}
    # a session that shared nothing is kept 90 days for its issue report
    hac = f"HAC/{unshared}"
    assert hac not in deleted(received + dt.timedelta(days=90))[1]
    assert hac in deleted(received + dt.timedelta(days=91))[1]
    # a session that fed pan is kept 7 years from the day it arrived
    cam_sessions = {f"CAM/{s.id}" for s in registry.sessions("CAM")}
    seven = D(received.year + 7, received.month, min(received.day, 28))
    assert not deleted(seven - dt.timedelta(days=1))[1] & cam_sessions
    assert deleted(seven + dt.timedelta(days=3))[1] >= cam_sessions
    assert len(current_files(area, "CAM")) == len(tables)  # dry runs changed nothing

    result = apply_retention(area, registry, today=D(2028, 4, 1), by="officer")
    assert set(result.tables) == on_day
    assert set(current_files(area, "CAM")) == tables - {t[4:] for t in on_day}
    assert area.session_dir("CAM", first).is_dir()
    events = registry.events("retention_applied")
    assert events[-1].actor == "officer"
    assert set(cast("list[str]", events[-1].detail["tables"])) == on_day
    result = apply_retention(area, registry, today=D(2034, 1, 1), by="officer")
    assert current_files(area, "CAM") == {}
    assert not any((area.sessions / "CAM").iterdir())
    assert {s.status for s in registry.sessions()} == {"deleted"}


def test_a_use_case_dropped_from_the_policy_keeps_nothing(
    area: DataArea, registry: Registry, synthetic: Path
) -> None:
    _setup(area, registry, synthetic)
    _, policy = registry.policy()
    document = policy.document()
    del document["use_cases"]["equalities"]
    from cld.governance.policy import policy_from_document

    registry.set_policy(policy_from_document(document), by="admin", reason="ended")
    result = apply_retention(area, registry, today=dt.date.today(), by="t")
    assert result.tables and all(t.startswith("CAM/equalities/") for t in result.tables)
    assert not any(r.startswith("equalities/") for r in current_files(area, "CAM"))


def test_retention_removes_leftovers_of_crashes_older_than_a_day(
    area: DataArea, registry: Registry
) -> None:
    def leave(path: Path, *names: str, days: float = 0) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        for name in names:
            (path / name).write_bytes(b"CHILD\n1\n")
        when = time.time() - days * 86400
        for item in [path, *path.rglob("*")]:
            os.utime(item, (when, when))
        return path

    portal = area.incoming / ".portal"
    old = [
        leave(portal / f".receiving-{os.getpid()}-a", "1.part", "2.part", days=2),
        leave(portal / ".accepting-1-20250101T000000Z-CAM-0a0a0a", "a.csv", days=2),
        leave(area.incoming / "CAM" / "20250101T000000Z-CAM-0b0b0b", "a.csv", days=2),
    ]
    fresh = [
        leave(portal / f".receiving-{os.getpid()}-b", "1.part"),
        leave(area.incoming / "HAC" / "20250101T000000Z-HAC-0c0c0c", "a.csv"),
    ]
    accepted = leave(portal / "20250101T000000Z-CAM-0d0d0d", "a.csv", days=2)
    drop_zone = leave(area.incoming / "new" / "CAM", "waiting.csv", days=2)

    seen = apply_retention(area, registry, today=dt.date.today(), by="t", dry_run=True)
    assert seen.leftovers == {"receiving": 2, "accepting": 1, "session": 1}
    assert all(path.exists() for path in old)

    result = apply_retention(area, registry, today=dt.date.today(), by="officer")
    assert result.to_json()["leftovers"] == {
        "accepting": 1,
        "receiving": 2,
        "session": 1,
    }
    assert not any(path.exists() for path in old)
    assert all(path.exists() for path in [*fresh, accepted, drop_zone])
    events = registry.events("leftovers_removed")
    assert {e.detail["kind"]: e.detail["files"] for e in events} == result.leftovers
    assert all(e.actor == "officer" for e in events)
