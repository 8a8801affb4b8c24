"""Signed agreements: the PDF of each Data Protection Agreement an authority signs,
kept in the data area as the evidence behind the registry's record.

::

    DIR/agreements/<LA>/<use case>/<sha256>.pdf   read-only, named by its checksum
    DIR/agreements/.partial/                       documents being received

The registry stores the sha256 with the agreement (``Registry.sign(...,
document_sha256=...)``), so :func:`document_path` finds the file from the record, and
anyone can check the file is the one that was signed.

A PDF sent to the platform is hostile until checked. :class:`PdfReceiver` takes it in
chunks: it counts the bytes against a cap (and stops keeping any past it), computes
the sha256 as it writes to a temporary file in ``.partial/`` (the same file system as
the final place, so moving it there is one rename), and checks that it looks like a
PDF: it begins ``%PDF-`` and has the ``%%EOF`` marker near its end. :func:`store`
then makes it read-only and renames it into place; a crash at any moment leaves the
document whole or absent, never half-written (a leftover in ``.partial/`` is removed
by :func:`clear_partials`). The document's content is never parsed or rendered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from cld.engine.errors import FileRejectedError, UsageError
from cld.pipeline.atomic import CHUNK
from cld.pipeline.data_area import DataArea

FOLDER = "agreements"
PARTIAL = ".partial"
MAX_BYTES = 20 * 1024 * 1024
"""The largest signed agreement accepted (20 MiB)."""
EOF_WINDOW = 1024
"""How near the end the ``%%EOF`` marker must be (trailing newlines and padding
written by some PDF tools come after it)."""
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP
_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class Rejection(StrEnum):
    """Why a document was refused."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    NOT_PDF = "not_pdf"
    INCOMPLETE = "incomplete"


class SignedDocumentRejectedError(FileRejectedError):
    """The document sent is not an acceptable signed PDF; ``reason`` says why."""

    def __init__(self, reason: Rejection, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ReceivedDocument:
    """A checked PDF in ``.partial/``, waiting for :func:`store` or :func:`discard`."""

    path: Path
    sha256: str
    size: int


@dataclass(frozen=True)
class StoredDocument:
    path: Path
    sha256: str
    size: int
    created: bool
    """False when the same document was stored for the agreement already."""


def documents_dir(area: DataArea) -> Path:
    return area.root / FOLDER


def document_path(area: DataArea, la: str, use_case: str, sha256: str) -> Path:
    """Where the signed agreement of ``la`` for ``use_case`` with checksum
    ``sha256`` is kept."""
    for what, value, pattern in (
        ("authority code", la, _NAME),
        ("use case", use_case, _NAME),
        ("sha256", sha256, _SHA256),
    ):
        if not pattern.fullmatch(value):
            raise UsageError(f"{value!r} is not a valid {what}")
    return documents_dir(area) / la / use_case / f"{sha256}.pdf"


class PdfReceiver:
    """Receive one document in chunks: ``write`` each, then ``finish`` (which checks
    it) or ``abort``. Past ``limit`` bytes nothing more is kept, the temporary file
    is removed, and ``finish`` refuses the document."""

    def __init__(self, area: DataArea, *, limit: int = MAX_BYTES) -> None:
        folder = documents_dir(area) / PARTIAL
        folder.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=folder, prefix="signed-", suffix=".pdf")
        self.path = Path(name)
        self._out: BinaryIO | None = os.fdopen(handle, "wb")
        self.limit = limit
        self.size = 0
        self._digest = hashlib.sha256()
        self._head = b""
        self._tail = b""
        self._finished = False

    @property
    def too_large(self) -> bool:
        return self.size > self.limit

    def write(self, chunk: bytes) -> None:
        if self._out is None and not self.too_large:
            raise ValueError("the document has been finished or aborted")
        self.size += len(chunk)
        if self.too_large:
            self._remove()
            return
        assert self._out is not None
        self._digest.update(chunk)
        self._out.write(chunk)
        if len(self._head) < 8:
            self._head = (self._head + chunk)[:8]
        self._tail = (self._tail + chunk)[-EOF_WINDOW:]

    def finish(self) -> ReceivedDocument:
        """The received document, checked and flushed to disk; raises
        :class:`SignedDocumentRejectedError` (and removes it) if it is refused."""
        if self._out is None and not self.too_large:
            raise ValueError("the document has been finished or aborted")
        try:
            self._check()
        except SignedDocumentRejectedError:
            self._remove()
            raise
        assert self._out is not None
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        self._out = None
        self._finished = True
        return ReceivedDocument(
            path=self.path, sha256=self._digest.hexdigest(), size=self.size
        )

    def abort(self) -> None:
        """Remove what was received (nothing, once ``finish`` has handed it on)."""
        if not self._finished:
            self._remove()

    def _check(self) -> None:
        if self.too_large:
            raise SignedDocumentRejectedError(
                Rejection.TOO_LARGE,
                f"the document is larger than {size_text(self.limit)}",
            )
        if self.size == 0:
            raise SignedDocumentRejectedError(Rejection.EMPTY, "the document is empty")
        if not _HEADER.match(self._head):
            raise SignedDocumentRejectedError(
                Rejection.NOT_PDF, "the document is not a PDF (it does not begin %PDF-)"
            )
        if b"%%EOF" not in self._tail:
            raise SignedDocumentRejectedError(
                Rejection.INCOMPLETE,
                "the PDF is incomplete: it has no end-of-file marker (%%EOF)",
            )

    def _remove(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        self.path.unlink(missing_ok=True)


def receive_pdf(
    area: DataArea, chunks: Iterable[bytes], *, limit: int = MAX_BYTES
) -> ReceivedDocument:
    """Receive a whole document from ``chunks`` (see :class:`PdfReceiver`)."""
    receiver = PdfReceiver(area, limit=limit)
    try:
        for chunk in chunks:
            receiver.write(chunk)
            if receiver.too_large:
                break
        return receiver.finish()
    except BaseException:
        receiver.abort()
        raise


def store(
    area: DataArea, document: ReceivedDocument, *, la: str, use_case: str
) -> StoredDocument:
    """Make the received document read-only and rename it into its place for
    ``la``'s ``use_case`` agreement (the same document twice is kept once)."""
    target = document_path(area, la, use_case, document.sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file():
        discard(document)
        return StoredDocument(target, document.sha256, document.size, created=False)
    document.path.chmod(READ_ONLY)
    os.replace(document.path, target)
    _sync_folder(target.parent)
    area.store(target)
    return StoredDocument(target, document.sha256, document.size, created=True)


def store_signed_pdf(
    area: DataArea,
    source: BinaryIO,
    *,
    la: str,
    use_case: str,
    limit: int = MAX_BYTES,
) -> StoredDocument:
    """Receive, check and store the signed agreement read from ``source``."""
    document = receive_pdf(area, iter(lambda: source.read(CHUNK), b""), limit=limit)
    return store(area, document, la=la, use_case=use_case)


def discard(document: ReceivedDocument) -> None:
    document.path.unlink(missing_ok=True)


def remove_stored(document: StoredDocument) -> None:
    """Undo :func:`store` of a document it created (when recording the agreement
    failed afterwards)."""
    if document.created:
        document.path.unlink(missing_ok=True)


def clear_partials(
    area: DataArea, *, older_than: dt.timedelta = dt.timedelta(hours=1)
) -> list[Path]:
    """Remove what a crash left in ``.partial/`` (documents received more than
    ``older_than`` ago); the paths removed."""
    folder = documents_dir(area) / PARTIAL
    if not folder.is_dir():
        return []
    cutoff = time.time() - older_than.total_seconds()
    removed = []
    for path in folder.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:  # another request cleared it first
            continue
    return removed


def size_text(size: int) -> str:
    """A size as people read it: ``20 MB``, ``1.5 MB``, ``300 bytes``."""
    if size < 1024 * 1024:
        return f"{size} bytes"
    return f"{size / (1024 * 1024):.3g} MB"


def _sync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
