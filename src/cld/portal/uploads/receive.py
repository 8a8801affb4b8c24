"""Receiving uploaded files, trusting nothing about them.

Django's own settings cap form fields, not file bodies, so the portal installs
:class:`CappedUploadHandler` on an upload request before its body is read
(:func:`install_upload_handler`): each file streams, a chunk at a time, to a
private folder under the data area's ``incoming/.portal/`` with a temporary name,
counted and hashed as it arrives, and the request is refused as soon as one file,
or all of them together, pass the platform's cap (:func:`max_upload_bytes`).

:func:`receive` then moves (or, for files Django received some other way, copies
under the same cap) each file into the upload's own private folder, under the
name it arrived with, and identifies it from its content
(:mod:`cld.pipeline.identify_files`) in a child process of its own
(:mod:`cld.pipeline.isolation`): a reader that dies on a hostile file refuses
the upload ("the file could not be read: the reader stopped unexpectedly") and
the server goes on. A file that is empty, too large, not
what its name says (binary posing as CSV) or not a return we know stops the
upload with :class:`UploadRefused`, naming the file; the folder is removed, so
nothing is half-written and nothing stored before is touched.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, cast

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest

from cld.engine.validate import max_upload_bytes
from cld.pipeline.atomic import CHUNK, copy_stream
from cld.pipeline.data_area import DataArea
from cld.pipeline.identify_files import Identity
from cld.pipeline.isolation import ReaderStoppedError, run_in_child
from cld.pipeline.leftovers import PORTAL
from cld.pipeline.upload_steps import NotIdentified, identify_files

PORTAL_INCOMING = PORTAL
"""The folder of ``incoming/`` where the portal's uploads wait (never an
authority's code, so a session clearing its authority's folder leaves it be)."""
FORM_ALLOWANCE = 2**20
"""What a request may carry beside its files (form fields, multipart headers)."""
_NAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
_NAME_LENGTH = 120


class UploadRefused(Exception):  # noqa: N818 - the name others call it by
    """An upload the portal will not take: ``message`` says why in plain English
    (naming the file), ``status`` is the HTTP status to answer with, and
    ``problems`` lists one message per refused file; ``la`` is the authority the
    upload was for, when it is known and not the person's own."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        problems: Sequence[str] = (),
        la: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.problems = tuple(problems) or (message,)
        self.la = la


@dataclass(frozen=True)
class ReceivedFile:
    """One file of an upload, in the upload's private folder."""

    name: str
    """The name it arrived with (made safe to store)."""
    path: Path
    size: int
    sha256: str
    identity: Identity

    def to_json(self, folder: Path) -> dict[str, Any]:
        return {
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "stored_as": self.path.relative_to(folder).as_posix(),
            **self.identity.to_json(),
        }


def size_text(size: float) -> str:
    """``size`` bytes in words people read (``1.5 MB``, ``900 KB``)."""
    if size >= 2**20:
        return f"{size / 2**20:,.1f} MB".replace(".0 MB", " MB")
    return f"{max(size / 2**10, 1):,.0f} KB"


def too_large_for_one(name: str, limit: int) -> UploadRefused:
    return UploadRefused(
        f"{name} is larger than {size_text(limit)}, the most one upload may be",
        status=413,
    )


def too_large_together(limit: int) -> UploadRefused:
    return UploadRefused(
        f"The files together are larger than {size_text(limit)}, the most one "
        "upload may be: upload them a few at a time",
        status=413,
    )


def portal_incoming(area: DataArea) -> Path:
    folder = area.incoming / PORTAL_INCOMING
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def private_folder(area: DataArea, prefix: str) -> Path:
    """A new folder only this process's user may open, under ``incoming/``,
    named ``<prefix><this process's id>-…`` (so start-up knows whether the
    process that made it is gone: :mod:`cld.portal.uploads.leftovers`)."""
    return Path(
        tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=portal_incoming(area))
    )


def safe_name(name: str | None) -> str:
    """A file name as sent, without path parts or characters no disk takes,
    shortened (keeping its suffix) when very long."""
    base = _NAME_UNSAFE.sub("_", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = base.strip(" .") or "upload"
    if len(base) > _NAME_LENGTH:
        stem, dot, suffix = base.rpartition(".")
        keep = suffix[:10] if dot else ""
        base = (stem if dot else base)[: _NAME_LENGTH - len(keep) - 1] + (
            f".{keep}" if keep else ""
        )
    return base


# --- while the request body is read -----------------------------------------------


if TYPE_CHECKING:
    _Upload = UploadedFile[bytes]
else:  # django-stubs makes it generic; Django's class is not subscriptable
    _Upload = UploadedFile


class StreamedFile(_Upload):
    """A file :class:`CappedUploadHandler` wrote to disk while it arrived, already
    counted and hashed."""

    def __init__(
        self, path: Path, name: str, size: int, sha256: str, content_type: str
    ) -> None:
        super().__init__(path.open("rb"), name, content_type, size)
        self.path = path
        self.sha256 = sha256

    def temporary_file_path(self) -> str:
        return str(self.path)


class CappedUploadHandler(FileUploadHandler):
    """Streams each file of a request to a private folder, refusing past the cap
    (per file and for all together) as soon as the bytes say so."""

    chunk_size = CHUNK

    def __init__(self, request: HttpRequest, *, folder: Path, limit: int) -> None:
        super().__init__(request)
        self.folder = folder
        self.limit = limit
        self.total = 0
        self.count = 0
        self._out: IO[bytes] | None = None
        self._path: Path | None = None
        self._size = 0
        self._digest = hashlib.sha256()

    def handle_raw_input(
        self,
        input_data: IO[bytes],
        META: dict[str, str],  # noqa: N803 - Django's name
        content_length: int,
        boundary: str,
        encoding: str | None = None,
    ) -> None:
        if content_length and content_length > self.limit + FORM_ALLOWANCE:
            raise too_large_together(self.limit)

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.count += 1
        self._path = self.folder / f"{self.count}.part"
        self._out = self._path.open("xb")
        self._size = 0
        self._digest = hashlib.sha256()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        assert self._out is not None
        self._size += len(raw_data)
        self.total += len(raw_data)
        if self._size > self.limit:
            self._abandon()
            raise too_large_for_one(safe_name(self.file_name), self.limit)
        if self.total > self.limit:
            self._abandon()
            raise too_large_together(self.limit)
        self._digest.update(raw_data)
        self._out.write(raw_data)

    def file_complete(self, file_size: int) -> StreamedFile:
        assert self._out is not None and self._path is not None
        self._out.close()
        self._out = None
        return StreamedFile(
            self._path,
            safe_name(self.file_name),
            self._size,
            self._digest.hexdigest(),
            self.content_type or "application/octet-stream",
        )

    def upload_interrupted(self) -> None:
        self._abandon()

    def _abandon(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)

    def discard(self) -> None:
        """Remove whatever this request left in its folder."""
        self._abandon()
        shutil.rmtree(self.folder, ignore_errors=True)


def install_upload_handler(request: HttpRequest, area: DataArea) -> CappedUploadHandler:
    """Make ``request``'s files stream to a private folder under the cap; call it
    before anything reads ``request.POST`` or ``request.FILES`` (the view must
    be ``csrf_exempt`` and check the token itself), and
    :meth:`~CappedUploadHandler.discard` when done."""
    handler = CappedUploadHandler(
        request,
        folder=private_folder(area, ".receiving-"),
        limit=max_upload_bytes(),
    )
    request.upload_handlers = [handler]
    return handler


@contextmanager
def capped_body(request: HttpRequest, area: DataArea) -> Iterator[None]:
    """Read ``request``'s body through :func:`install_upload_handler` (nothing may
    have read it yet) and keep its files until the block ends. Every way the body
    can be too much is an :class:`UploadRefused`: too large (413), too many files
    (400), too much besides the files (413)."""
    handler = install_upload_handler(request, area)
    try:
        try:
            request.POST  # noqa: B018 - reads the body through the capped handler
        except TooManyFilesSent:
            raise UploadRefused(
                f"Upload at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files at "
                "a time",
                status=400,
            ) from None
        except RequestDataTooBig:
            raise UploadRefused(
                "The form sent too much besides its files", status=413
            ) from None
        yield
    finally:
        handler.discard()


# --- after the request body is read -----------------------------------------------


def receive(files: Sequence[UploadedFile[Any]], folder: Path) -> list[ReceivedFile]:
    """Put ``files`` in ``folder`` (made here, private) each under its own name,
    and identify each one. :class:`UploadRefused` when any is refused; the folder
    is then removed."""
    if not files:
        raise UploadRefused("Choose one or more files to upload")
    limit = max_upload_bytes()
    folder.mkdir(mode=0o700, parents=True)
    try:
        stored = _store(files, folder, limit)
        return _identify(stored)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _store(
    files: Sequence[UploadedFile[Any]], folder: Path, limit: int
) -> list[tuple[str, Path, int, str]]:
    stored = []
    total = 0
    for number, upload in enumerate(files, start=1):
        name = safe_name(upload.name)
        target = folder / str(number) / name
        target.parent.mkdir(mode=0o700)
        if isinstance(upload, StreamedFile):
            upload.close()
            size, digest = upload.size or 0, upload.sha256
            if size > limit:
                raise too_large_for_one(name, limit)
            os.replace(upload.path, target)
        else:
            if upload.seekable():
                upload.seek(0)
            try:
                size, digest = copy_stream(
                    cast(BinaryIO, upload), target, limit=limit - total
                )
            except OverflowError:
                if (upload.size or 0) > limit or total == 0:
                    raise too_large_for_one(name, limit) from None
                raise too_large_together(limit) from None
        total += size
        if total > limit:
            raise too_large_together(limit)
        stored.append((name, target, size, digest))
    return stored


IDENTIFY = identify_files
"""The step run in a child to identify an upload's files (a test puts another
here to make the child die)."""
IDENTIFY_SECONDS = 120.0
"""How long identifying one upload's files may take before its child is stopped
(it reads only the start of each file: seconds at most)."""


def _identify(stored: list[tuple[str, Path, int, str]]) -> list[ReceivedFile]:
    """Identify the files in a child process (:mod:`cld.pipeline.isolation`): a
    reader that dies on a hostile file refuses the upload, naming the file,
    and the server goes on."""
    reading: list[int] = []
    wanted = [(path, name) for name, path, size, _ in stored if size]
    try:
        found = (
            run_in_child(
                IDENTIFY,
                wanted,
                on_message=reading.append,
                timeout=IDENTIFY_SECONDS,
                reuse=True,  # a warm child: no start-up for each upload
            )
            if wanted
            else []
        )
    except ReaderStoppedError as stopped:
        name = wanted[reading[-1] if reading else 0][1]
        raise UploadRefused(f"{name}: {stopped}", status=415) from None
    identities = iter(found)
    received = []
    problems: list[str] = []
    status = 400
    for name, path, size, digest in stored:
        if size == 0:
            problems.append(f"{name} is empty")
            continue
        identity = next(identities)
        if isinstance(identity, NotIdentified):
            problems.append(f"{name}: {identity.reason}")
            if identity.unreadable:
                status = 415
            continue
        received.append(ReceivedFile(name, path, size, digest, identity))
    if problems:
        message = (
            problems[0]
            if len(problems) == 1
            else f"{len(problems)} files were not accepted: {'; '.join(problems)}"
        )
        raise UploadRefused(message, status=status, problems=problems)
    return received
