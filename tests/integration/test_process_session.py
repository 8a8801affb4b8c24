"""Processing sessions end to end on synthetic returns: what reaches each use case,
and that nothing personal does unprotected."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import cast

import polars as pl
import pytest
from platform_builders import SIGNED_ON, TEST_KEY, allow, files_of, ssda903_files

from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.governance.agreements import DpiaStatus
from cld.pipeline.data_area import DataArea
from cld.pipeline.manifest import read_session_manifest, verify_session
from cld.pipeline.publish import current_files
from cld.pipeline.registry import Registry
from cld.pipeline.session import SessionResult, process_files

KEY = PseudonymKey(TEST_KEY.encode())
FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$", re.IGNORECASE)


def process(
    area: DataArea,
    registry: Registry,
    la: str,
    paths: list[Path],
    key: PseudonymKey = KEY,
    **options: object,
) -> SessionResult:
    return process_files(
        area,
        registry,
        registry.authority(la),
        paths,
        by="test",
        key=key,
        **options,  # type: ignore[arg-type]
    )


def test_a_session_publishes_each_use_case_only_its_columns(
    area: DataArea, registry: Registry, synthetic: Path
) -> None:
    allow(registry, "CAM", "pan", "sufficiency")
    result = process(area, registry, "CAM", files_of(synthetic, "CAM", 2024))
    assert result.status == "published"
    assert result.use_cases == {"pan", "sufficiency"}
    assert all(r.error is None for r in result.reports)
    current = area.la_current("CAM")
    pan = pl.read_parquet(current / "pan/ssda903/2024/header.parquet")
    assert pan.columns == [
        "LA",
        "YEAR",
        "CHILD",
        "SEX",
        "DOB",
        "ETHNIC",
        "UPN",
        "MOTHER",
        "MC_DOB",
        "AGE",
    ]
    assert set(pan["LA"]) == {"CAM"} and set(pan["YEAR"]) == {2024}
    sufficiency = pl.read_parquet(current / "sufficiency/ssda903/2024/header.parquet")
    assert sufficiency.columns == ["LA", "YEAR", "CHILD", "SEX", "ETHNIC", "AGE"]
    assert sufficiency.height == pan.height
    assert not (current / "equalities").exists()
    assert not (current / "sufficiency" / "cin_census").exists()  # not in its policy
    assert (current / "pan/cin_census/2024/children.parquet").is_file()
    record = registry.sessions("CAM")[-1]
    assert (record.id, record.status, record.policy_version) == (
        result.session,
        "published",
        1,
    )
    manifest = read_session_manifest(area.session_dir("CAM", result.session))
    assert manifest.under is not None
    assert manifest.under.policy_version == 1
    assert manifest.under.pseudonym_key == KEY.fingerprint
    assert {p.path for p in manifest.published} == set(current_files(area, "CAM"))
    assert verify_session(area.session_dir("CAM", result.session)) == []


def _no_pan(registry: Registry) -> None:
    pass


def _signed_only(registry: Registry) -> None:
    registry.sign("CAM", "pan", on=SIGNED_ON, by="t")


def _dpia_only(registry: Registry) -> None:
    registry.set_dpia(
        "CAM",
        status=DpiaStatus.APPROVED,
        covers=frozenset({"pan"}),
        reviewer="IG",
        on=SIGNED_ON,
        by="t",
    )


def _dpia_draft(registry: Registry) -> None:
    _signed_only(registry)
    registry.set_dpia(
        "CAM",
        status=DpiaStatus.DRAFT,
        covers=frozenset({"pan"}),
        on=SIGNED_ON,
        by="t",
    )


def _dpia_covers_another(registry: Registry) -> None:
    _signed_only(registry)
    registry.sign("CAM", "sufficiency", on=SIGNED_ON, by="t")
    registry.set_dpia(
        "CAM",
        status=DpiaStatus.APPROVED,
        covers=frozenset({"sufficiency"}),
        reviewer="IG",
        on=SIGNED_ON,
        by="t",
    )


def _expired(registry: Registry) -> None:
    allow(registry, "CAM", "pan", on=dt.date(2019, 1, 1))
    registry.sign(
        "CAM", "pan", on=dt.date(2019, 1, 1), by="t", expires_on=dt.date(2020, 12, 31)
    )


def _signed_for_later(registry: Registry) -> None:
    allow(registry, "CAM", "pan", on=dt.date.today() + dt.timedelta(days=30))


def _other_authority(registry: Registry) -> None:
    allow(registry, "HAC", "pan")


@pytest.mark.parametrize(
    "governance",
    [
        _no_pan,
        _signed_only,
        _dpia_only,
        _dpia_draft,
        _dpia_covers_another,
        _expired,
        _signed_for_later,
        _other_authority,
    ],
)
def test_no_data_reaches_a_use_case_without_a_signed_dpa_and_approved_dpia(
    area: DataArea, registry: Registry, synthetic: Path, governance: object
) -> None:
    governance(registry)  # type: ignore[operator]
    result = process(
        area, registry, "CAM", ssda903_files(synthetic, "CAM", 2024, "header")
    )
    assert "pan" not in result.use_cases
    assert not any(rel.startswith("pan/") for rel in current_files(area, "CAM"))
    assert not any(p.use_case == "pan" for p in result.published)
    conformed = area.session_dir("CAM", result.session) / "conformed"
    if not result.use_cases:
        assert result.status == "archived"
        assert not conformed.exists()  # nothing past the raw archive


def test_withdrawal_deletes_the_published_tables_and_stops_future_flow(
    area: DataArea, registry: Registry, synthetic: Path
) -> None:
    from cld.pipeline.governance_actions import withdraw_agreement

    allow(registry, "CAM", "pan", "sufficiency")
    files = ssda903_files(synthetic, "CAM", 2024, "header", "episodes")
    process(area, registry, "CAM", files)
    assert any(r.startswith("pan/") for r in current_files(area, "CAM"))
    _, removed = withdraw_agreement(
        area, registry, "CAM", "pan", on=dt.date.today(), by="test"
    )
    assert sorted(removed) == [
        "pan/ssda903/2024/episodes.parquet",
        "pan/ssda903/2024/header.parquet",
    ]
    assert sorted(current_files(area, "CAM")) == [
        "sufficiency/ssda903/2024/episodes.parquet",
        "sufficiency/ssda903/2024/header.parquet",
    ]
    again = process(area, registry, "CAM", files)
    assert again.use_cases == {"sufficiency"}
    assert not any(r.startswith("pan/") for r in current_files(area, "CAM"))
    assert [e.action for e in registry.events("published_tables_deleted")] == [
        "published_tables_deleted"
    ]


def _csv(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text.strip() + "\n")
    return path


HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
    "HOME_POST,PL_POST,URN\n"
)


def test_pseudonyms_stable_within_an_authority_and_upn_links_across_authorities(
    area: DataArea, registry: Registry, tmp_path: Path
) -> None:
    allow(registry, "CAM", "pan")
    allow(registry, "HAC", "pan")
    cam = [
        _csv(
            tmp_path / "cam",
            "header_2024.csv",
            HEADER + "1001,1,17/05/2010,WBRI,A123456789012,,\n",
        ),
        _csv(
            tmp_path / "cam",
            "episodes_2024.csv",
            EPISODES + "1001,01/04/2023,S,C2,N1,U1,PR1,,,,N7 8JJ,SE15 4AA,SC123456\n",
        ),
    ]
    hac = [
        _csv(
            tmp_path / "hac",
            "header_2024.csv",
            HEADER + "1001,1,17/05/2010,WBRI,A123456789012,,\n"
            "2002,2,01/02/2012,WBRI,B987654321098,,\n",
        ),
    ]
    process(area, registry, "CAM", cam)
    process(area, registry, "HAC", hac)
    read = pl.read_parquet
    cam_header = read(area.la_current("CAM") / "pan/ssda903/2024/header.parquet")
    cam_episodes = read(area.la_current("CAM") / "pan/ssda903/2024/episodes.parquet")
    hac_header = read(area.la_current("HAC") / "pan/ssda903/2024/header.parquet")
    assert cam_header["CHILD"][0] == cam_episodes["CHILD"][0]  # same child, same LA
    assert cam_header["CHILD"][0] != hac_header["CHILD"][0]  # same number, other LA
    assert cam_header["UPN"][0] == hac_header["UPN"][0]  # a UPN follows the child
    assert cam_header["DOB"][0] == dt.date(2010, 5, 1)
    assert cam_header["AGE"][0] == 13
    assert (cam_episodes["HOME_POST"][0], cam_episodes["PL_POST"][0]) == ("N7", "SE15")
    again = process(area, registry, "CAM", cam)  # the same file, a new session
    assert read(area.la_current("CAM") / "pan/ssda903/2024/header.parquet").equals(
        cam_header
    )
    other = process(area, registry, "CAM", cam, key=PseudonymKey(b"x" * 40))
    changed = read(area.la_current("CAM") / "pan/ssda903/2024/header.parquet")
    assert changed["CHILD"][0] != cam_header["CHILD"][0]
    assert again.session != other.session


def _raw_values(area: DataArea, la: str) -> tuple[set[str], set[dt.date], set[str]]:
    """Every identifier, date of birth and postcode the authority sent, read from
    the conformed tables of its session archives."""
    ids: set[str] = set()
    births: set[dt.date] = set()
    postcodes: set[str] = set()
    for path in (area.sessions / la).rglob("conformed/**/*.parquet"):
        frame = pl.read_parquet(path)
        for name in frame.columns:
            if name in ("CHILD", "UPN", "LAchildID", "FormerUPN", "SW_ID"):
                ids.update(frame[name].drop_nulls().str.to_uppercase().to_list())
            if name in ("DOB", "PersonBirthDate", "MC_DOB", "ExpectedPersonBirthDate"):
                births.update(frame[name].drop_nulls().to_list())
            if name in ("HOME_POST", "PL_POST"):
                postcodes.update(frame[name].drop_nulls().to_list())
    return ids, births, postcodes


def test_published_tables_hold_no_raw_identifier_full_birth_date_or_postcode(
    area: DataArea, registry: Registry, synthetic: Path
) -> None:
    allow(registry, "CAM", "pan", "sufficiency", "equalities")
    for year in (2023, 2024):
        process(area, registry, "CAM", files_of(synthetic, "CAM", year))
    ids, births, postcodes = _raw_values(area, "CAM")
    assert len(ids) > 50 and len(births) > 20 and len(postcodes) > 20
    exact_births = {d for d in births if d.day != 1}
    published = current_files(area, "CAM")
    assert len(published) > 30
    for rel, path in published.items():
        frame = pl.read_parquet(path)
        for name, dtype in frame.schema.items():
            values = frame[name].drop_nulls()
            if dtype == pl.String:
                text = set(values.str.to_uppercase().to_list())
                assert not text & ids, f"{rel}.{name} holds a raw identifier"
                assert not any(FULL_POSTCODE.match(v) for v in text), (
                    f"{rel}.{name} holds a full postcode"
                )
                assert not text & {p.upper() for p in postcodes}
            if dtype == pl.Date and name in ("DOB", "PersonBirthDate", "MC_DOB"):
                assert set(values.dt.day().to_list()) <= {1}, f"{rel}.{name}"
                assert not set(values.to_list()) & exact_births
    registry_bytes = (
        area.registry_file.read_bytes() if area.registry_file.exists() else b""
    )
    upns = [i for i in ids if len(i) == 13]
    assert upns and not [u for u in upns if u.encode() in registry_bytes]


def test_the_manifest_proves_the_archive_and_any_change_is_found(
    area: DataArea, registry: Registry, synthetic: Path
) -> None:
    allow(registry, "CAM", "pan")
    result = process(
        area, registry, "CAM", ssda903_files(synthetic, "CAM", 2024, "header")
    )
    folder = area.session_dir("CAM", result.session)
    manifest = read_session_manifest(folder)
    assert set(manifest.contents) == {
        "issues.csv",
        "raw/ssda903 2324 header.csv",
        "conformed/ssda903/2024/header.parquet",
        "degraded/pan/ssda903/2024/header.parquet",
    }
    assert manifest.files[0].sha256 == manifest.contents["raw/ssda903 2324 header.csv"]
    assert verify_session(folder) == []
    raw = folder / "raw/ssda903 2324 header.csv"
    raw.chmod(0o644)
    raw.write_bytes(raw.read_bytes() + b"tampered\n")
    (folder / "extra.txt").write_text("x")
    problems = verify_session(folder)
    assert "raw/ssda903 2324 header.csv: changed (checksum differs)" in problems
    assert "extra.txt: not in the manifest" in problems
    (folder / "manifest.json").chmod(0o644)
    (folder / "manifest.json").write_text("{}")
    assert verify_session(folder) == [
        "manifest.json does not match its checksum",
        "manifest.json cannot be read",
    ]
    (folder / "manifest.json").write_text("not JSON")
    assert "manifest.json cannot be read" in verify_session(folder)


def test_a_bad_file_is_reported_and_the_good_ones_still_go_in(
    area: DataArea, registry: Registry, synthetic: Path, tmp_path: Path
) -> None:
    allow(registry, "CAM", "pan")
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01\x02 not a table")
    other_la = [p for p in files_of(synthetic, "HAC", 2024) if p.suffix == ".xml"]
    files = [junk, *ssda903_files(synthetic, "CAM", 2024, "header"), *other_la]
    result = process(area, registry, "CAM", files)
    entries = cast("list[dict[str, object]]", result.to_json()["files"])
    assert entries[0]["error"] and entries[1]["error"] is None
    assert result.notes[str(junk)].startswith("not read:")
    assert result.notes[str(other_la[0])] == "the file names another authority"
    assert sorted(current_files(area, "CAM")) == ["pan/ssda903/2024/header.parquet"]
