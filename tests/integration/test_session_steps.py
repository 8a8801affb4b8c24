"""The steps of a session take and give typed records, and never change the
engine's reports: an issue found after validation goes into a new report."""

from __future__ import annotations

from pathlib import Path

from platform_builders import TEST_KEY, allow

from cld.engine.issues import IssueCode
from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry import Registry
from cld.pipeline.session.context import session_context
from cld.pipeline.session.protect import EMPTY_FILE_NOTE, minimise_and_protect
from cld.pipeline.session.receive import receive
from cld.pipeline.session.validate import validate


def test_minimising_leaves_the_validated_reports_as_they_were(
    area: DataArea, registry: Registry, tmp_path: Path
) -> None:
    allow(registry, "CAM", "pan")
    header_only = tmp_path / "SSDA903_2024_uasc.csv"
    header_only.write_text("CHILD,SEX,DOB,DUC\n")
    context = session_context(
        area,
        registry,
        registry.authority("CAM"),
        by="t",
        key=PseudonymKey(TEST_KEY.encode()),
        today=None,
        on_stage=None,
        session_id=None,
    )
    received = receive([header_only], tmp_path / "incoming", None)
    validated = validate(context, received, {})
    (before,) = validated.reports
    issues_before = before.issues.clone()

    protected = minimise_and_protect(context, validated)

    (after,) = protected.reports
    assert after is not before
    assert before.issues.equals(issues_before)  # the engine's report unchanged
    added = after.issues.filter(code=IssueCode.EMPTY_TABLE_KEPT.value)
    assert added.height == 1 and after.issues.height == before.issues.height + 1
    assert protected.notes == {after.file: EMPTY_FILE_NOTE}
    assert protected.tables == ()
