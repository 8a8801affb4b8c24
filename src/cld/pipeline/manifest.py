"""A session's manifest: what arrived, what was done under which policy, and the
checksum of every file in the session's archive folder, so the archive can be
proved unchanged (:func:`verify_session`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from cld.pipeline.atomic import sha256_of, write_bytes_atomically
from cld.pipeline.session_records import SessionManifest

MANIFEST = "manifest.json"
MANIFEST_CHECKSUM = "manifest.json.sha256"


def archive_contents(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` but the manifest itself."""
    return {
        path.relative_to(folder).as_posix(): sha256_of(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in (MANIFEST, MANIFEST_CHECKSUM)
    }


def write_manifest(folder: Path, manifest: SessionManifest) -> SessionManifest:
    """Write ``manifest`` with the checksums of ``folder``'s files, and the
    checksum of the manifest beside it."""
    complete = replace(manifest, contents=archive_contents(folder))
    data = json.dumps(
        complete.to_json(), indent=2, sort_keys=True, default=str
    ).encode()
    write_bytes_atomically(folder / MANIFEST, data)
    digest = sha256_of(folder / MANIFEST)
    write_bytes_atomically(
        folder / MANIFEST_CHECKSUM, f"{digest}  {MANIFEST}\n".encode()
    )
    return complete


def _stored_json(folder: Path) -> object:
    """The manifest in ``folder`` as it is stored (JSON): what
    :func:`verify_session` checks the archive against, and what
    :func:`read_session_manifest` reads."""
    data: object = json.loads((folder / MANIFEST).read_text("utf-8"))
    return data


def read_session_manifest(folder: Path) -> SessionManifest:
    """The manifest of the session archive in ``folder`` (:class:`ValueError`:
    it is not a session's; :class:`OSError`: there is none)."""
    data = _stored_json(folder)
    if not isinstance(data, Mapping):
        raise ValueError(f"{MANIFEST} is not a session's manifest")
    return SessionManifest.from_json(data)


def verify_session(folder: Path) -> list[str]:
    """Every way the archive in ``folder`` differs from its manifest (none: intact)."""
    if not (folder / MANIFEST).is_file():
        return [f"{folder.name}: no {MANIFEST}"]
    problems: list[str] = []
    stated = (
        (folder / MANIFEST_CHECKSUM).read_text("utf-8").split()[0]
        if (folder / MANIFEST_CHECKSUM).is_file()
        else None
    )
    if stated != sha256_of(folder / MANIFEST):
        problems.append(f"{MANIFEST} does not match its checksum")
    try:
        data = _stored_json(folder)
    except ValueError:
        data = None
    listed = data.get("contents") if isinstance(data, Mapping) else None
    if not isinstance(listed, Mapping):
        return [*problems, f"{MANIFEST} cannot be read"]
    found = archive_contents(folder)
    for rel, digest in listed.items():
        if rel not in found:
            problems.append(f"{rel}: missing")
        elif found[rel] != digest:
            problems.append(f"{rel}: changed (checksum differs)")
    problems.extend(f"{rel}: not in the manifest" for rel in found if rel not in listed)
    return problems
