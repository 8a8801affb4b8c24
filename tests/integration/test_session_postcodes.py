"""A session works out placement distance and authority from the full postcodes,
publishes only their districts, and tells the authority of postcodes the ONS
Postcode Directory does not have."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
from platform_builders import TEST_KEY, allow

from cld.engine.transforms.postcodes import postcode_directory
from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry import Registry
from cld.pipeline.session import process_files

EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
    "HOME_POST,PL_POST,URN\n"
)
HOME = "WC1H 9JE"  # Camden Town Hall
PLACED = "ME4 4TR"  # Medway, outside London
UNKNOWN = "ZZ9 9ZZ"  # shaped like a postcode, in no directory


def test_placement_columns_are_published_and_unknown_postcodes_reported(
    area: DataArea, registry: Registry, tmp_path: Path
) -> None:
    allow(registry, "CAM", "sufficiency")
    upload = tmp_path / "episodes_2024.csv"
    upload.write_text(
        EPISODES
        + f"1001,01/04/2023,S,C2,N1,U1,PR1,,,,{HOME},{PLACED},SC123456\n"
        + ",,,,,,,,,,,,\n"  # a blank row (row 3): skipped, and rows still count it
        + f"1002,01/05/2023,S,C2,N1,U1,PR1,,,,{HOME.lower()},{UNKNOWN},SC123456\n"
    )
    result = process_files(
        area,
        registry,
        registry.authority("CAM"),
        [upload],
        by="test",
        key=PseudonymKey(TEST_KEY.encode()),
    )
    assert result.status == "published"

    published = pl.read_parquet(
        area.la_current("CAM") / "sufficiency/ssda903/2024/episodes.parquet"
    ).sort("DECOM")
    assert {"PL_DISTANCE_KM", "PL_LA", "PL_IN_BOROUGH"} <= set(published.columns)
    assert published["HOME_POST"].to_list() == ["WC1H", "WC1H"]
    assert published["PL_POST"].to_list() == ["ME4", "ZZ9"]
    found = postcode_directory().lookup(pl.Series([HOME, PLACED]))
    (e1, e2), (n1, n2) = found["easting"], found["northing"]
    expected = round(math.hypot(e1 - e2, n1 - n2) / 1000, 1)
    assert published["PL_DISTANCE_KM"].to_list() == [expected, None]
    assert published["PL_LA"].to_list() == ["E06000035", None]
    assert published["PL_IN_BOROUGH"].to_list() == [False, None]

    (report,) = result.reports
    unknown = report.issues.filter(pl.col("code") == "unknown_postcode")
    assert unknown.select("table", "row", "column", "severity").rows() == [
        ("episodes", 4, "PL_POST", "warning")
    ]
    assert UNKNOWN not in unknown["message"][0]
    assert report.counts["warning"] == 2  # the blank row and the unknown postcode

    folder = area.session_dir("CAM", result.session)
    issues_csv = (folder / "issues.csv").read_text()
    assert "unknown_postcode" in issues_csv and UNKNOWN not in issues_csv
    conformed = pl.read_parquet(folder / "conformed/ssda903/2024/episodes.parquet")
    assert not any(c.startswith("__") for c in conformed.columns)
