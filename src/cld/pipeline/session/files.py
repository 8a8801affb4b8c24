"""Each file's entry (:class:`~cld.pipeline.session_records.FileEntry`): what
was found in it, beside what became of it. The archive's manifest and the
registry's summary both list them; re-processing matches on them
(:mod:`cld.pipeline.session.reuse`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from cld.engine.validate import FileReport
from cld.pipeline.session.receive import Received
from cld.pipeline.session_records import FileEntry, PublishedTable


def file_entries(
    received: Sequence[Received],
    reports: Iterable[FileReport],
    *,
    published: Sequence[PublishedTable] = (),
    superseded: frozenset[str] = frozenset(),
    unchanged: Mapping[str, str],
) -> tuple[FileEntry, ...]:
    """The entry of each file ``received`` (in upload order, as its report):
    the tables ``published`` from it, whether a later file of the upload
    ``superseded`` one of its tables, and the earlier session it was
    ``unchanged`` since (name → session)."""
    return tuple(
        FileEntry(
            name=item.name,
            stored_as=f"raw/{item.path.name}"
            if not item.too_large and item.name not in unchanged
            else None,
            size=item.size,
            sha256=item.sha256 or None,
            dataset=report.dataset,
            year=report.year,
            year_reason=report.year_reason,
            term=report.term,
            dfe_rules=report.rules,
            tables=dict(report.tables),
            issues=report.counts,
            error=report.error,
            published=tuple(p.path for p in published if p.file == report.file),
            superseded=report.file in superseded,
            unchanged_since=unchanged.get(report.file),
        )
        for item, report in zip(received, reports, strict=True)
    )
