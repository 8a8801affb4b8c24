"""A use case's built outputs on disk (``DIR/outputs/<use case>/``): its manifest,
its files, and their download. Shared by the outputs pages and the API.

Who may see a use case is the caller's check (``can_see_use_case``); this module
makes sure a name from a URL only ever reaches a file of an outputs folder: a use
case is a policy name (``^[a-z][a-z0-9_-]*$``), a file name has no separator, no
``..`` and no leading dot, and the resolved file must sit directly in the use
case's resolved outputs folder."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils import timezone

from cld.pipeline.outputs.build import BUILDS
from cld.pipeline.outputs.freshness import Freshness, freshness
from cld.pipeline.outputs.outputs_manifest import (
    MANIFEST,
    OutputsManifest,
    manifest_from,
    read_manifest_document,
)
from cld.pipeline.publish import refresh_output
from cld.pipeline.registry.audit_actions import AuditAction
from cld.pipeline.snapshot_leases import held
from cld.portal.accounts.permissions import membership_of
from cld.portal.audit import record
from cld.portal.data_area import data_area, registry

USE_CASE_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
"""A use case's name, as the policy allows it."""
CONTENT_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".parquet": "application/vnd.apache.parquet",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json",
}
"""The content type of each kind of output file (anything else is bytes)."""
FORMATS = {".csv": "CSV", ".parquet": "Parquet", ".xlsx": "Excel", ".json": "JSON"}


@dataclass(frozen=True)
class OutputFile:
    name: str
    stem: str
    format: str
    """``CSV``, ``Parquet``, ``Excel``, ``JSON`` (or the suffix, for another kind)."""
    size: int


def folder_of(use_case: str) -> Path | None:
    """The folder the use case's outputs link points to, or None when it has not
    been built (or the name is not a use case's)."""
    with held_folder(use_case) as folder:
        return folder


@contextmanager
def held_folder(use_case: str) -> Iterator[Path | None]:
    """:func:`folder_of`, kept while the block reads it: a rebuild switching the
    link meanwhile leaves it until the block ends
    (:mod:`cld.pipeline.snapshot_leases`)."""
    if not USE_CASE_NAME.fullmatch(use_case):
        yield None
        return
    area = data_area()
    link = refresh_output(area, use_case, BUILDS)
    with held(link) as folder:
        if folder is None or not folder.is_relative_to(area.outputs.resolve()):
            yield None
        else:
            yield folder


def manifest_of(use_case: str) -> dict[str, object] | None:
    """The ``manifest.json`` of the use case's outputs as written (as the API
    hands it out), None when not built."""
    with held_folder(use_case) as folder:
        return read_manifest_document(folder)


def built_manifest_of(use_case: str) -> OutputsManifest | None:
    """The manifest of the use case's outputs, None when not built."""
    return manifest_from(manifest_of(use_case))


def freshness_of(
    use_case: str, manifest: OutputsManifest | Mapping[str, object] | None
) -> Freshness:
    """Whether the outputs whose manifest is ``manifest`` (the record, or the
    file as written) are up to date, and why not
    (:mod:`cld.pipeline.outputs.freshness`)."""
    built = manifest_from(manifest) if isinstance(manifest, Mapping) else manifest
    return freshness(
        data_area(), registry(), use_case, built, today=timezone.localdate()
    )


def with_freshness(use_case: str, manifest: Mapping[str, object]) -> dict[str, object]:
    """The manifest as the portal and the API hand it out: with ``freshness``
    saying whether the outputs are still up to date, and why not."""
    return {**manifest, "freshness": freshness_of(use_case, manifest).to_json()}


def built_at(use_case: str) -> dt.datetime | None:
    """When the use case's outputs were built (their manifest was written)."""
    path = file_of(use_case, MANIFEST)
    if path is None:
        return None
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC)


def safe_name(name: str) -> bool:
    """A plain file name: no separator, no ``..``, no leading dot, no NUL."""
    return (
        bool(name)
        and "/" not in name
        and "\\" not in name
        and "\x00" not in name
        and ".." not in name
        and not name.startswith(".")
    )


def file_of(use_case: str, name: str) -> Path | None:
    """The file ``name`` of the use case's outputs, or None for anything that is not
    a file directly in that folder."""
    if not safe_name(name):
        return None
    folder = folder_of(use_case)
    if folder is None:
        return None
    path = (folder / name).resolve()
    if path.parent != folder or not path.is_file():
        return None
    return path


def output_files(use_case: str) -> list[OutputFile]:
    """Every file of the use case's outputs (plain names directly in its folder,
    as :func:`file_of` takes them), by name, with its size; read under the
    folder's lease, so a rebuild meanwhile cannot take it away."""
    found = []
    with held_folder(use_case) as folder:
        if folder is None:
            return []
        for entry in sorted(folder.iterdir()):
            if not safe_name(entry.name) or entry.is_symlink() or not entry.is_file():
                continue
            if entry.resolve().parent != folder.resolve():
                continue
            found.append(
                OutputFile(
                    name=entry.name,
                    stem=entry.stem,
                    format=FORMATS.get(entry.suffix, entry.suffix.lstrip(".")),
                    size=entry.stat().st_size,
                )
            )
    return found


def _record_download(request: HttpRequest, use_case: str, name: str, size: int) -> None:
    user = request.user
    membership = membership_of(user)
    record(
        request,
        AuditAction.DOWNLOAD,
        by=user.get_username(),
        la=(membership.la or None) if membership else None,
        use_case=use_case,
        detail={"file": name, "bytes": size},
    )


def download(request: HttpRequest, use_case: str, path: Path) -> FileResponse:
    """Record the download in the audit log and answer with the file as an
    attachment (raises ``OSError`` when it vanished since :func:`file_of`)."""
    handle = path.open("rb")
    try:
        _record_download(request, use_case, path.name, path.stat().st_size)
    except BaseException:
        handle.close()
        raise
    return FileResponse(
        handle,
        as_attachment=True,
        filename=path.name,
        content_type=CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
    )


def download_manifest(request: HttpRequest, use_case: str, path: Path) -> HttpResponse:
    """The manifest as an attachment, with its ``freshness`` (:func:`with_freshness`):
    whoever keeps the file knows whether the outputs were up to date when they
    took it, and why not."""
    manifest = read_manifest_document(path.parent)
    if manifest is None:  # replaced by a rebuild while being read
        raise Http404("no such output file")
    body = json.dumps(with_freshness(use_case, manifest), indent=2, sort_keys=True)
    _record_download(request, use_case, path.name, len(body))
    response = HttpResponse(body, content_type=CONTENT_TYPES[".json"])
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response
