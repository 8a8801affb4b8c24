"""A use case's build record, ``outputs/<use case>/manifest.json``: what the build
was made from (the policy, the disclosure rule, the authorities in force, the
snapshot each had published, their last uploads), what it holds (each table's
rows, authorities, years and kind) and the fingerprints a later build compares
(:mod:`.fingerprints`).

:class:`OutputsManifest` is the record; :func:`write_outputs_manifest` the one
writer and :func:`read_outputs_manifest` the one reader (the build, freshness,
the CLI, Dagster and the portal's hub). :func:`read_manifest_document` is the
file as written, for whoever hands the manifest out as it is (the portal's API
and download). The JSON keys are the ones every build so far has written; a
manifest from before snapshots were recorded reads with :attr:`snapshots` None.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cld.pipeline.atomic import write_bytes_atomically
from cld.pipeline.outputs.summaries import TableSummary

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PolicyStamp:
    """The policy version the build followed."""

    version: int
    sha256: str


@dataclass(frozen=True)
class DisclosureStamp:
    """The disclosure rule that protected the build's reports."""

    rule: str
    description: str


@dataclass(frozen=True)
class ReportEntry:
    """One report of the build: what it was made of and the tables it wrote."""

    fingerprint: str
    tables: tuple[str, ...]


@dataclass(frozen=True)
class OutputsManifest:
    use_case: str
    title: str
    policy: PolicyStamp
    disclosure: DisclosureStamp
    fingerprint: str
    """What the whole build depends on (:func:`.fingerprints.build_fingerprint`)."""
    las: tuple[str, ...]
    years: tuple[int, ...]
    tables: Mapping[str, TableSummary]
    last_upload: Mapping[str, str | None] = field(default_factory=dict)
    """When each authority in force last had a session published (ISO time)."""
    snapshots: Mapping[str, str | None] | None = None
    """The snapshot each authority in force had published (None: a manifest
    from before they were recorded)."""
    table_fingerprints: Mapping[str, str] = field(default_factory=dict)
    reports: Mapping[str, ReportEntry] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "use_case": self.use_case,
            "title": self.title,
            "policy": {"version": self.policy.version, "sha256": self.policy.sha256},
            "disclosure": {
                "rule": self.disclosure.rule,
                "description": self.disclosure.description,
            },
            "last_upload": dict(self.last_upload),
            "fingerprint": self.fingerprint,
            "las": list(self.las),
            "years": list(self.years),
            "tables": {n: t.to_json() for n, t in sorted(self.tables.items())},
            "table_fingerprints": dict(sorted(self.table_fingerprints.items())),
            "reports": {
                name: {"fingerprint": r.fingerprint, "tables": list(r.tables)}
                for name, r in self.reports.items()
            },
        }
        if self.snapshots is not None:
            data["snapshots"] = dict(self.snapshots)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> OutputsManifest:
        """The manifest :meth:`to_json` wrote (:class:`ValueError` when ``data``
        is not one)."""
        policy, disclosure = _object(data, "policy"), _object(data, "disclosure")
        snapshots = data.get("snapshots")
        return cls(
            use_case=_text(data, "use_case"),
            title=_text(data, "title"),
            policy=PolicyStamp(_number(policy, "version"), _text(policy, "sha256")),
            disclosure=DisclosureStamp(
                _text(disclosure, "rule"), _text(disclosure, "description")
            ),
            fingerprint=_text(data, "fingerprint"),
            las=tuple(str(la) for la in _list(data, "las")),
            years=tuple(int(str(y)) for y in _list(data, "years")),
            tables={
                str(name): TableSummary.from_json(_as_object(entry, "table"))
                for name, entry in _object(data, "tables").items()
            },
            last_upload=_optional_texts(data.get("last_upload")),
            snapshots=None
            if not isinstance(snapshots, Mapping)
            else _optional_texts(snapshots),
            table_fingerprints={
                str(name): str(sha)
                for name, sha in _mapping(data.get("table_fingerprints")).items()
            },
            reports={
                str(name): ReportEntry(
                    _text(entry, "fingerprint"),
                    tuple(str(t) for t in _list(entry, "tables")),
                )
                for name, entry in _mapping(data.get("reports")).items()
                if isinstance(entry, Mapping)
            },
        )


def write_outputs_manifest(folder: Path, manifest: OutputsManifest) -> Path:
    """Write ``manifest`` as ``folder/manifest.json`` (atomically)."""
    text = json.dumps(manifest.to_json(), indent=2, sort_keys=True, default=str)
    return write_bytes_atomically(folder / MANIFEST, text.encode())


def read_manifest_document(folder: Path | None) -> dict[str, object] | None:
    """``folder/manifest.json`` as written: None when there is none, or it is
    not a JSON object (a build replacing it while it was read)."""
    if folder is None:
        return None
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def manifest_from(document: Mapping[str, object] | None) -> OutputsManifest | None:
    """The manifest ``document`` holds (None: none, or not a build's manifest)."""
    if document is None:
        return None
    try:
        return OutputsManifest.from_json(document)
    except (TypeError, ValueError):
        return None


def read_outputs_manifest(folder: Path | None) -> OutputsManifest | None:
    """The manifest of the build in ``folder`` (None: none there)."""
    return manifest_from(read_manifest_document(folder))


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _as_object(value: object, what: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise ValueError(f"the manifest's {what} is not an object")
    return value


def _object(data: Mapping[str, object], key: str) -> Mapping[str, object]:
    return _as_object(data.get(key), key)


def _list(data: Mapping[str, object], key: str) -> list[object]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ValueError(f"the manifest's {key} is not a list")
    return value


def _text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(f"the manifest's {key} is not text")
    return value


def _number(data: Mapping[str, object], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int):
        raise ValueError(f"the manifest's {key} is not a number")
    return value


def _optional_texts(value: object) -> dict[str, str | None]:
    return {str(k): None if v is None else str(v) for k, v in _mapping(value).items()}
