"""The Dagster code location run in-process (``materialize``, sensor and schedule
contexts) on a temporary data area: small synthetic returns of one authority
dropped into its drop zone."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest
from platform_builders import allow

from cld.governance.authorities import find_authority
from cld.orchestration.resources import DATA_AREA_ENV, PlatformResource
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry import Registry
from cld.synthetic.generate import write_synthetic

LA = "CAM"
YEAR = 2024


@pytest.fixture(scope="session")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One year of CAM's SSDA903 files and CIN census (synthetic, never real)."""
    out = tmp_path_factory.mktemp("returns")
    write_synthetic(
        out,
        [find_authority(LA)],
        [YEAR],
        children=8,
        seed=5,
        datasets=("ssda903", "cin_census"),
    )
    return out / LA


@pytest.fixture
def ssda903(returns: Path) -> list[Path]:
    """CAM's SSDA903 files (one CSV per table)."""
    return sorted(p for p in returns.iterdir() if p.name.startswith("ssda903"))


@pytest.fixture
def cin_census(returns: Path) -> list[Path]:
    """CAM's CIN census (one XML file)."""
    return sorted(p for p in returns.iterdir() if p.suffix == ".xml")


Drop = Callable[..., list[Path]]


@pytest.fixture
def drop(area: DataArea) -> Drop:
    """``drop(files, la="CAM")`` leaves copies of ``files`` in ``la``'s drop zone,
    as a transfer would, and returns where they are."""

    def leave(files: list[Path], la: str = LA) -> list[Path]:
        folder = area.drop_zone(la)
        folder.mkdir(parents=True, exist_ok=True)
        return [Path(shutil.copy2(f, folder / f.name)) for f in files]

    return leave


@pytest.fixture(autouse=True)
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Nothing of Dagster's own is written outside the test's folder."""
    home = tmp_path / "dagster"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def platform(
    area: DataArea, registry: Registry, pseudonym_key: str
) -> PlatformResource:
    """The resource on the test's data area, CAM sharing with two use cases."""
    allow(registry, LA, "pan", "sufficiency")
    return PlatformResource(data_area=str(area.root), actor="dagster-test")


@pytest.fixture
def platform_env(
    platform: PlatformResource, monkeypatch: pytest.MonkeyPatch
) -> PlatformResource:
    """The data area in the environment, where the code location's own resource
    reads it."""
    monkeypatch.setenv(DATA_AREA_ENV, platform.data_area)
    return platform


@pytest.fixture
def instance(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    """An instance in memory (its few files in the test's folder): the runs, run
    keys and events of one test only."""
    with dg.DagsterInstance.ephemeral(tempdir=str(dagster_home)) as found:
        yield found
