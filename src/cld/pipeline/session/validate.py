"""Validate: identify, parse and conform each file of the upload (as ``cld
validate`` does), and say which files nothing may be published of."""

from __future__ import annotations

from dataclasses import dataclass, replace

from cld.engine.errors import UploadTooLargeError
from cld.engine.issues import IssueCode
from cld.engine.rules.returns import apply_rules
from cld.engine.validate import FileReport, Lap, ValidateOptions, max_upload_bytes
from cld.pipeline.session.context import SessionContext
from cld.pipeline.session.receive import Received
from cld.pipeline.session.reuse import Unchanged, notes_of
from cld.pipeline.validate_files import validate_path


@dataclass(frozen=True)
class Validated:
    reports: tuple[FileReport, ...]
    """Each file's report, in upload order."""
    unchanged: Unchanged
    """The files not read again (their reports are their earlier sessions')."""
    notes: dict[str, str]
    """Per file nothing of which may be published: why."""


def validate(
    context: SessionContext, received: list[Received], unchanged: Unchanged
) -> Validated:
    """Each file's report, in upload order. An unchanged file is not read (its
    report is what its earlier session found) unless a file before it in this
    upload is the same return and year: it must then be read, to win over that
    one as the later file of the upload does (it is no longer unchanged)."""
    context.stage("identify")
    reports: list[FileReport] = []
    reused = dict(unchanged)

    def lap(name: str) -> None:
        context.stage("parse" if name == "read" else name)

    for item in received:
        earlier = reused.get(item.name)
        if earlier is not None:
            same = (earlier.report.dataset, earlier.report.year)
            if not any(
                (r.dataset, r.year) == same
                for r in reports
                if r.file not in reused and r.dataset is not None
            ):
                reports.append(earlier.report_as(item.name))
                continue
            del reused[item.name]
        reports.append(_read(item, context, lap))
    # the DfE's rules of each return, over the files read now (as cld validate)
    apply_rules(reports, keep_tables=True)
    return Validated(
        reports=tuple(reports),
        unchanged=reused,
        notes={**_unpublishable(reports), **notes_of(reused)},
    )


def _read(item: Received, context: SessionContext, lap: Lap) -> FileReport:
    if item.too_large:
        limit = f"{max_upload_bytes() / 2**20:,.0f} MiB"
        error = UploadTooLargeError(f"the file is over the upload limit ({limit})")
        return FileReport(file=item.name, error=str(error))
    if not item.path.exists():
        return FileReport(file=item.name, error="no such file")
    options = ValidateOptions(
        la=str(context.authority.dfe),
        spill_dir=item.path.parent,  # the session's own folder: removed with it
    )
    report = validate_path(item.path, options, on_stage=lap)
    return replace(report, file=item.name)


def _unpublishable(reports: list[FileReport]) -> dict[str, str]:
    """Files nothing of which may be published, and why."""
    notes = {}
    for report in reports:
        if report.error is not None:
            notes[report.file] = f"not read: {report.error}"
        elif report.issues.height and IssueCode.LA_MISMATCH.value in set(
            report.issues.get_column("code").to_list()
        ):
            notes[report.file] = "the file names another authority"
    return notes
