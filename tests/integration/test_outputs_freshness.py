"""Outputs say when they are out of date, and why, until the next build: an
authority whose agreement and DPIA come into force or end, new data shared, a
policy change (``cld.pipeline.outputs.freshness``, ``cld outputs --check``)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from platform_builders import allow, files_of, process_as, process_synthetic

from cld.cli.app import run
from cld.governance.policy import policy_from_document
from cld.pipeline.data_area import DataArea
from cld.pipeline.governance_actions import withdraw_agreement, withdraw_year
from cld.pipeline.outputs.build import build_outputs, built_manifest
from cld.pipeline.outputs.freshness import freshness
from cld.pipeline.registry import Registry


@pytest.fixture
def built(area: DataArea, registry: Registry, synthetic: Path) -> DataArea:
    """CAM in force for pan, HAC's returns processed but not in force; CAM's 2024
    returns not sent yet; pan built."""
    allow(registry, "CAM", "pan")
    process_synthetic(area, registry, synthetic, ("CAM",), (2023,))
    process_synthetic(area, registry, synthetic, ("HAC",), (2023,))
    build_outputs(area, registry, use_case="pan")
    return area


def _pan(area: DataArea, registry: Registry) -> tuple[str, ...]:
    state = freshness(area, registry, "pan", built_manifest(area, "pan"))
    assert state.built
    return state.reasons


def test_built_outputs_are_up_to_date(built: DataArea, registry: Registry) -> None:
    assert _pan(built, registry) == ()
    state = freshness(built, registry, "sufficiency", None)
    assert not state.built and not state.up_to_date


def test_an_authority_coming_into_force_makes_them_out_of_date(
    built: DataArea, registry: Registry
) -> None:
    allow(registry, "HAC", "pan")
    (reason,) = _pan(built, registry)
    assert reason.startswith("Hackney may now share data for this use case")
    build_outputs(built, registry, use_case="pan")
    assert _pan(built, registry) == ()


def test_a_withdrawal_makes_them_out_of_date_saying_its_data_is_still_in(
    built: DataArea, registry: Registry
) -> None:
    withdraw_agreement(built, registry, "CAM", "pan", on=dt.date.today(), by="dpo")
    (reason,) = _pan(built, registry)
    assert reason.startswith("Camden no longer has an agreement and approved DPIA")
    assert "its data is still in them until the next build" in reason


def test_new_or_withdrawn_data_makes_them_out_of_date(
    built: DataArea, registry: Registry, synthetic: Path
) -> None:
    process_as(built, registry, "CAM", files_of(synthetic, "CAM", 2024))
    (reason,) = _pan(built, registry)
    assert reason == "Camden has shared new data, or withdrawn some, since the build"
    build_outputs(built, registry, use_case="pan")
    assert _pan(built, registry) == ()
    withdraw_year(built, registry, "CAM", "ssda903", 2024, by="dpo")
    assert _pan(built, registry) == (reason,)


def test_a_policy_change_makes_them_out_of_date(
    built: DataArea, registry: Registry
) -> None:
    _, policy = registry.policy()
    document = policy.document()
    del document["use_cases"]["pan"]["datasets"]["ssda903"]["oc3"]
    registry.set_policy(policy_from_document(document), by="dpo", reason="less")
    (reason,) = _pan(built, registry)
    assert "the policy has changed since they were built" in reason
    assert "version 2 is in force" in reason


def test_cld_outputs_check_says_what_is_out_of_date(
    built: DataArea, registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["outputs", "--data-dir", str(built.root), "--check"]
    assert run(args) == 0
    printed = capsys.readouterr().out
    assert "pan: up to date" in printed and "equalities: not built yet" in printed
    allow(registry, "HAC", "pan")
    assert run([*args, "--use-case", "pan", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["pan"]["up_to_date"] is False
    assert found["pan"]["reasons"][0].startswith("Hackney may now share data")
    assert run([*args, "--use-case", "pan"]) == 0
    assert "pan: out of date until the next build:\n  - Hackney" in (
        capsys.readouterr().out
    )
