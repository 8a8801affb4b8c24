"""Receive: copy each upload into the authority's private incoming area
(streamed, size capped, checksummed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cld.engine.validate import max_upload_bytes
from cld.pipeline.atomic import copy_stream


@dataclass(frozen=True)
class Received:
    name: str
    """The name the file arrived with."""
    path: Path
    """Its copy in the incoming area."""
    size: int
    """Bytes; 0 for a file that was not there, -1 for one over the limit."""
    sha256: str
    """Empty when it was not received."""

    @property
    def too_large(self) -> bool:
        return self.size < 0


def receive(
    paths: Sequence[Path], incoming: Path, max_bytes: int | None
) -> list[Received]:
    """Each of ``paths`` copied into ``incoming``, in upload order (two files of
    one name are told apart by their place in the upload)."""
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    received = []
    taken: set[str] = set()
    for number, path in enumerate(paths, start=1):
        name = path.name if path.name not in taken else f"{number}-{path.name}"
        taken.add(name)
        target = incoming / name
        if not path.is_file():
            received.append(Received(str(path), target, 0, ""))
            continue
        try:
            with path.open("rb") as stream:
                size, digest = copy_stream(stream, target, limit=limit)
        except OverflowError:
            received.append(Received(str(path), target, -1, ""))
            continue
        received.append(Received(str(path), target, size, digest))
    return received
