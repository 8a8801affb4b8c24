"""A snapshot's pointer object on the store (``<link>/pointer.json``): the
snapshot it names and every file of it, with its object key, sha256 and size
(:mod:`.mirror`). The mirror keeps a copy beside each link it pulled."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

POINTER_FORMAT = 1


@dataclass(frozen=True)
class StoredFile:
    """One file of a snapshot, as an object on the store."""

    key: str
    sha256: str
    size: int

    def to_json(self) -> dict[str, object]:
        return {"key": self.key, "sha256": self.sha256, "size": self.size}

    @classmethod
    def from_json(cls, data: object) -> StoredFile:
        if not isinstance(data, Mapping):
            raise ValueError("a pointer's file entry is not an object")
        key, sha256, size = data["key"], data["sha256"], data.get("size", 0)
        if not (isinstance(key, str) and isinstance(sha256, str)):
            raise ValueError("a pointer's file entry has no key or sha256")
        return cls(key, sha256, int(size) if isinstance(size, int) else 0)


@dataclass(frozen=True)
class Pointer:
    snapshot: str
    """The snapshot folder's name."""
    written_at: str
    files: Mapping[str, StoredFile]
    """Every file of the snapshot, by its path in it."""
    format: int = POINTER_FORMAT

    def to_json(self) -> dict[str, object]:
        return {
            "format": self.format,
            "snapshot": self.snapshot,
            "written_at": self.written_at,
            "files": {rel: entry.to_json() for rel, entry in self.files.items()},
        }

    def encode(self, *, indent: int | None = None) -> bytes:
        return json.dumps(self.to_json(), indent=indent, sort_keys=True).encode()

    @classmethod
    def decode(cls, data: bytes | str) -> Pointer:
        """A pointer as :meth:`encode` wrote it (:class:`ValueError` or
        :class:`KeyError` when it is not one)."""
        parsed = json.loads(data)
        if not isinstance(parsed, Mapping) or not isinstance(parsed["files"], Mapping):
            raise ValueError("not a snapshot's pointer")
        written_at, form = parsed.get("written_at", ""), parsed.get("format")
        return cls(
            snapshot=str(parsed["snapshot"]),
            written_at=str(written_at),
            files={
                str(rel): StoredFile.from_json(entry)
                for rel, entry in parsed["files"].items()
            },
            format=form if isinstance(form, int) else POINTER_FORMAT,
        )
