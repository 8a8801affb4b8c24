"""Synthetic returns made once for the integration tests (never real data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_builders import SYNTH_LAS, SYNTH_YEARS

from cld.cli.app import run


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SSDA903 and CIN census returns of two authorities for two years."""
    out = tmp_path_factory.mktemp("synthetic")
    code = run(
        [
            "synth",
            "--out",
            str(out),
            "--la",
            ",".join(SYNTH_LAS),
            "--years",
            ",".join(str(year) for year in SYNTH_YEARS),
            "--datasets",
            "ssda903,cin_census",
            "--children",
            "40",
            "--seed",
            "7",
        ]
    )
    assert code == 0
    return out
