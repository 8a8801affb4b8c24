"""What a session keeps of itself, as typed records with one reader and one writer.

- :class:`FileEntry`: what was found in one file and what became of it (the
  manifest's ``files`` and, shorter, the registry summary's ``files``);
- :class:`PublishedTable`: one table a session published;
- :class:`ProcessedUnder`: the policy, pseudonym key and use cases in force;
- :class:`SessionSummary`: what the registry keeps of a finished (or failed)
  session;
- :class:`SessionManifest`: the archive's ``manifest.json``.

Each reads itself from JSON (``from_json``: archives and registries written by
earlier versions, with fewer keys, read too: a key missing is None, or empty) and
writes itself to it (``to_json``); nothing else builds or parses these shapes
(``docs/adr/0011-typed-session-records-and-the-recipe.md``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

import polars as pl

from cld.engine.issues import empty_issues
from cld.engine.rules.run import RulesSummary
from cld.engine.validate import FileReport
from cld.pipeline.published_path import PublishedPath

JsonObject: TypeAlias = dict[str, object]
"""A record as JSON, for ``json.dumps`` or a JSON column."""


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _counts(value: object) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): n for k, n in value.items() if _number(n) is not None}


def _texts(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class FileEntry:
    """One file of a session: what was found in it (as ``cld validate`` said)
    and what became of it. The manifest keeps it whole; the registry's summary
    keeps it without the archive's facts (:meth:`to_json` ``brief``), under
    ``file`` rather than ``name``."""

    name: str
    """The name the file arrived with."""
    dataset: str | None = None
    year: int | None = None
    tables: Mapping[str, int] = field(default_factory=dict)
    """Rows of each table read."""
    issues: Mapping[str, int] = field(default_factory=dict)
    """Issues by severity."""
    error: str | None = None
    """Why it could not be read at all."""
    sha256: str | None = None
    published: tuple[str, ...] | None = None
    """The paths under ``current/<LA>/`` of the tables published from it (None:
    an entry from before this was kept, never taken as unchanged)."""
    superseded: bool | None = None
    """Whether a later file of the upload replaced one of its tables."""
    unchanged_since: str | None = None
    """The earlier session that processed the same file (it was not read)."""
    stored_as: str | None = None
    """Where the archive keeps it (``raw/…``; the manifest's only)."""
    size: int | None = None
    """Bytes received (-1: over the upload limit; the manifest's only)."""
    year_reason: str | None = None
    """How its year was told (the manifest's only)."""
    term: str | None = None
    """The census term (the manifest's only)."""
    dfe_rules: RulesSummary | None = None
    """What its return's DfE rules found in it, when they ran (the manifest's
    only)."""

    @property
    def processed(self) -> bool:
        """Whether the session read it (it was not unchanged since an earlier
        one)."""
        return not self.unchanged_since

    def as_report(
        self, issues: pl.DataFrame | None = None, *, file: str | None = None
    ) -> FileReport:
        """The report it records, with ``issues`` (some or all of the file's;
        none when not given) and named ``file`` (its own name unless given)."""
        return FileReport(
            file=self.name if file is None else file,
            dataset=self.dataset,
            year=self.year,
            year_reason=self.year_reason,
            term=self.term,
            tables=dict(self.tables),
            error=self.error,
            issues=empty_issues() if issues is None else issues,
            rules=self.dfe_rules,
        )

    def to_json(self, *, brief: bool = False) -> JsonObject:
        """The manifest's entry; ``brief``: the registry summary's."""
        if brief:
            return {
                "file": self.name,
                "dataset": self.dataset,
                "year": self.year,
                "tables": dict(self.tables),
                "issues": dict(self.issues),
                "error": self.error,
                **self._outcome(),
            }
        return {
            "name": self.name,
            "stored_as": self.stored_as,
            "size": self.size,
            "sha256": self.sha256,
            "dataset": self.dataset,
            "year": self.year,
            "year_reason": self.year_reason,
            "term": self.term,
            "tables": dict(self.tables),
            "issues": dict(self.issues),
            "error": self.error,
            "dfe_rules": None if self.dfe_rules is None else self.dfe_rules.to_json(),
            **self._outcome(),
        }

    def _outcome(self) -> JsonObject:
        return {
            "sha256": self.sha256,
            "published": None if self.published is None else list(self.published),
            "superseded": self.superseded,
            "unchanged_since": self.unchanged_since,
        }

    @classmethod
    def from_json(cls, data: object) -> FileEntry:
        """Either entry (the manifest's or the registry's), of any version."""
        found = data if isinstance(data, Mapping) else {}
        name = found.get("name", found.get("file"))
        superseded = found.get("superseded")
        return cls(
            name=str(name) if name is not None else "",
            dataset=_text(found.get("dataset")),
            year=_number(found.get("year")),
            tables=_counts(found.get("tables")),
            issues=_counts(found.get("issues")),
            error=_text(found.get("error")),
            sha256=_text(found.get("sha256")) or None,
            published=_texts(found.get("published")),
            superseded=superseded if isinstance(superseded, bool) else None,
            unchanged_since=_text(found.get("unchanged_since")) or None,
            stored_as=_text(found.get("stored_as")),
            size=_number(found.get("size")),
            year_reason=_text(found.get("year_reason")),
            term=_text(found.get("term")),
            dfe_rules=RulesSummary.from_json(found.get("dfe_rules")),
        )


@dataclass(frozen=True)
class PublishedTable:
    """One table a session published for a use case."""

    where: PublishedPath
    rows: int
    children: int | None
    """Distinct children (or workers) in it; None when it names none."""
    columns: tuple[str, ...]
    file: str = ""
    """The file of the upload it came from (not kept: the file's entry lists
    its tables)."""

    @property
    def use_case(self) -> str:
        return self.where.use_case

    @property
    def dataset(self) -> str:
        return self.where.dataset

    @property
    def year(self) -> int:
        return self.where.year

    @property
    def table(self) -> str:
        return self.where.table

    @property
    def path(self) -> str:
        """Where it is under ``current/<LA>/`` (and the archive's
        ``degraded/``)."""
        return self.where.rel

    def to_json(self) -> JsonObject:
        return {
            "use_case": self.use_case,
            "dataset": self.dataset,
            "year": self.year,
            "table": self.table,
            "rows": self.rows,
            "children": self.children,
            "columns": list(self.columns),
            "path": self.path,
        }

    @classmethod
    def from_json(cls, data: object) -> PublishedTable | None:
        """The table an entry names; None for one that names none."""
        found = data if isinstance(data, Mapping) else {}
        where = PublishedPath.parse(str(found.get("path", "")))
        if where is None:
            return None
        return cls(
            where=where,
            rows=_number(found.get("rows")) or 0,
            children=_number(found.get("children")),
            columns=_texts(found.get("columns")) or (),
        )


@dataclass(frozen=True)
class ProcessedUnder:
    """What a session's files were processed under: the policy version, the
    pseudonym key (its fingerprint) and the use cases in force. A file processed
    before under the same is not processed again."""

    policy_version: int
    policy_sha256: str
    pseudonym_key: str
    use_cases: tuple[str, ...]
    """In alphabetical order."""

    def to_json(self, *, use_cases_key: str = "use_cases") -> JsonObject:
        """The summary's keys (the manifest names the use cases
        ``use_cases_in_force``)."""
        return {
            "policy": {"version": self.policy_version, "sha256": self.policy_sha256},
            "pseudonym_key": self.pseudonym_key,
            use_cases_key: list(self.use_cases),
        }

    @classmethod
    def from_json(
        cls, data: Mapping[str, object], *, use_cases_key: str = "use_cases"
    ) -> ProcessedUnder | None:
        """None when ``data`` does not say (a summary from before it was kept)."""
        policy = data.get("policy")
        policy = policy if isinstance(policy, Mapping) else {}
        version, sha256 = _number(policy.get("version")), _text(policy.get("sha256"))
        key = _text(data.get("pseudonym_key"))
        use_cases = _texts(data.get(use_cases_key))
        if version is None or sha256 is None or key is None or use_cases is None:
            return None
        return cls(version, sha256, key, use_cases)


@dataclass(frozen=True)
class SessionSummary:
    """What the registry keeps of a session: for one that finished, what it was
    processed ``under``, each file's entry, the tables published and why files
    were not shared (``notes``); for one that failed, only the ``error`` (an
    exception's name, never a value from a file)."""

    under: ProcessedUnder | None = None
    files: tuple[FileEntry, ...] = ()
    published: tuple[PublishedTable, ...] = ()
    notes: Mapping[str, str] = field(default_factory=dict)
    """Per file: why nothing of it was published, when nothing was."""
    error: str | None = None

    @classmethod
    def failed(cls, error: str) -> SessionSummary:
        return cls(error=error)

    def to_json(self) -> JsonObject:
        data: JsonObject = {}
        if self.under is not None:
            data.update(self.under.to_json())
            data["files"] = [entry.to_json(brief=True) for entry in self.files]
            data["published"] = [table.to_json() for table in self.published]
            data["notes"] = dict(self.notes)
        if self.error is not None:
            data["error"] = self.error
        return data

    @classmethod
    def from_json(cls, data: object) -> SessionSummary:
        """Any summary the registry holds (an empty one for none)."""
        found = data if isinstance(data, Mapping) else {}
        files = found.get("files")
        published = found.get("published")
        notes = found.get("notes")
        return cls(
            under=ProcessedUnder.from_json(found),
            files=tuple(
                FileEntry.from_json(f)
                for f in (files if isinstance(files, list) else [])
                if isinstance(f, Mapping)
            ),
            published=tuple(
                table
                for p in (published if isinstance(published, list) else [])
                if (table := PublishedTable.from_json(p)) is not None
            ),
            notes={
                str(k): str(v)
                for k, v in (notes if isinstance(notes, Mapping) else {}).items()
            },
            error=_text(found.get("error")),
        )


@dataclass(frozen=True)
class SessionManifest:
    """A session archive's ``manifest.json``: whose session, when, under what,
    each file's entry and the tables published; ``contents`` (the checksum of
    every file of the archive) is added as it is written
    (:func:`cld.pipeline.manifest.write_manifest`)."""

    session: str
    la: str
    submitted_by: str
    received_at: dt.datetime
    under: ProcessedUnder | None
    notes: Mapping[str, str]
    finished_at: dt.datetime
    files: tuple[FileEntry, ...]
    published: tuple[PublishedTable, ...]
    contents: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> JsonObject:
        under = {} if self.under is None else self.under.to_json(use_cases_key=IN_FORCE)
        return {
            "session": self.session,
            "la": self.la,
            "submitted_by": self.submitted_by,
            "received_at": self.received_at.isoformat(),
            **under,
            "notes": dict(self.notes),
            "finished_at": self.finished_at.isoformat(),
            "files": [entry.to_json() for entry in self.files],
            "published": [table.to_json() for table in self.published],
            "contents": dict(self.contents),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> SessionManifest:
        """A manifest of any version; :class:`ValueError` for one that is not a
        session's."""
        files, published = data.get("files"), data.get("published")
        notes, contents = data.get("notes"), data.get("contents")
        if not isinstance(files, list):
            raise ValueError("not a session's manifest: it lists no files")
        return cls(
            session=str(data.get("session", "")),
            la=str(data.get("la", "")),
            submitted_by=str(data.get("submitted_by", "")),
            received_at=dt.datetime.fromisoformat(str(data["received_at"])),
            under=ProcessedUnder.from_json(data, use_cases_key=IN_FORCE),
            notes={
                str(k): str(v)
                for k, v in (notes if isinstance(notes, Mapping) else {}).items()
            },
            finished_at=dt.datetime.fromisoformat(str(data["finished_at"])),
            files=tuple(FileEntry.from_json(f) for f in files),
            published=tuple(
                table
                for p in (published if isinstance(published, list) else [])
                if (table := PublishedTable.from_json(p)) is not None
            ),
            contents={
                str(k): str(v)
                for k, v in (contents if isinstance(contents, Mapping) else {}).items()
            },
        )


IN_FORCE = "use_cases_in_force"
"""The manifest's name for the use cases in force."""
