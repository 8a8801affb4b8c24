""" "What left our borough" reads each table from the manifest of the latest
session that published it: what the manifest says of it, as the manifest
says it."""

from __future__ import annotations

import json
from pathlib import Path

from platform_builders import TEST_KEY, allow, ssda903_files

from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.pipeline.data_area import DataArea
from cld.pipeline.manifest import MANIFEST
from cld.pipeline.publish import current_files
from cld.pipeline.registry import Registry
from cld.pipeline.session import process_files
from cld.portal.sharing import SharedTable, shared_tables

KEY = PseudonymKey(TEST_KEY.encode())


def test_each_table_is_what_the_latest_session_published(
    area: DataArea, registry: Registry, synthetic: Path, tmp_path: Path
) -> None:
    allow(registry, "CAM", "pan")
    cam = registry.authority("CAM")
    both = ssda903_files(synthetic, "CAM", 2024, "header", "episodes")
    first = process_files(area, registry, cam, both, by="t", key=KEY)
    (header,) = ssda903_files(synthetic, "CAM", 2024, "header")
    other = tmp_path / header.name  # the header without its last child
    other.write_bytes(b"".join(header.read_bytes().splitlines(True)[:-1]))
    later = process_files(area, registry, cam, [other], by="t", key=KEY)
    assert (first.status, later.status) == ("published", "published")
    from_session = {"episodes": first.session, "header": later.session}

    shared = shared_tables(area, registry, "CAM")

    assert list(shared) == ["pan"]
    assert {t.table: t.session for t in shared["pan"]} == from_session
    expected = []
    for table, session in sorted(from_session.items()):
        stored = json.loads(
            (area.session_dir("CAM", session) / MANIFEST).read_text("utf-8")
        )
        (entry,) = [e for e in stored["published"] if e["table"] == table]
        expected.append(
            SharedTable(
                use_case=entry["use_case"],
                dataset=entry["dataset"],
                year=entry["year"],
                table=entry["table"],
                rows=entry["rows"],
                children=entry["children"],
                columns=tuple(entry["columns"]),
                session=session,
                published_at=stored["finished_at"],
                policy_version=stored["policy"]["version"],
            )
        )
    assert sorted(shared["pan"], key=lambda t: t.table) == expected
    assert all(t.rows > 0 and t.columns and t.policy_version for t in expected)
    assert {f"pan/ssda903/2024/{t}.parquet" for t in from_session} == set(
        current_files(area, "CAM")
    )
