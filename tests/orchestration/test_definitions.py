"""The code location loads, and holds what docs/orchestration.md says; without
Dagster, importing it says how to install it."""

from __future__ import annotations

import importlib
import sys

import dagster as dg
import pytest

from cld.engine.spec.load import dataset_names
from cld.governance.authorities import authorities
from cld.governance.policy import default_policy
from cld.orchestration.definitions import defs
from cld.orchestration.partitions import AUTHORITY_DATASETS


def test_the_definitions_load() -> None:
    dg.Definitions.validate_loadable(defs)


def test_the_assets_are_the_authorities_tables_retention_and_each_use_case() -> None:
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    use_cases = sorted(default_policy().use_cases)
    assert keys == {
        "la_current_tables",
        "retention",
        *(f"{u}/{part}" for u in use_cases for part in ("pooled_tables", "reports")),
    }


def test_one_partition_per_authority_and_dataset() -> None:
    assert len(AUTHORITY_DATASETS.get_partition_keys()) == len(authorities()) * len(
        dataset_names()
    )
    assert len(authorities()) == 33


def test_jobs_sensor_and_schedule_are_wired() -> None:
    assert defs.resolve_job_def("process_drop_zone") is not None
    assert defs.resolve_sensor_def("drop_zone_sensor").job_name == "process_drop_zone"
    assert defs.resolve_schedule_def("nightly").job_name == "nightly_outputs"


def test_without_dagster_the_package_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "dagster", None)  # as if not installed
    monkeypatch.delitem(sys.modules, "cld.orchestration")
    with pytest.raises(ImportError, match=r"pip install 'cld\[dagster\]'"):
        importlib.import_module("cld.orchestration")
