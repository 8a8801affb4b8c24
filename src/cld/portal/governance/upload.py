"""Receiving a signed agreement's PDF as the request is read: a Django upload
handler that streams the one file field into
:class:`cld.pipeline.signed_documents.PdfReceiver` (capped, hashed and sniffed as it
arrives, in the data area's ``agreements/.partial/``), so no copy is held in memory
or in the system's temporary folder, and nothing past the cap is kept.

Upload handlers must be set before anything reads ``request.POST``, and Django's
CSRF middleware reads it before the view runs; the view is therefore
``csrf_exempt`` and checks the token itself with ``csrf_protect`` once the handler
is in place (Django's documented way, "Modifying upload handlers on the fly")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

from cld.pipeline.data_area import DataArea
from cld.pipeline.signed_documents import (
    MAX_BYTES,
    PdfReceiver,
    ReceivedDocument,
    SignedDocumentRejectedError,
    discard,
)

FORM_ALLOWANCE = 1024 * 1024
"""Room in a request body for the form's other fields and the multipart framing
(Django caps those at ``DATA_UPLOAD_MAX_MEMORY_SIZE``, 1 MiB)."""


if TYPE_CHECKING:
    _Upload = UploadedFile[bytes]
else:  # django-stubs makes it generic; Django's class is not subscriptable
    _Upload = UploadedFile


class ReceivedPdfUpload(_Upload):
    """What the form sees of the file: the received document, or why it was
    refused. It has no content of its own (the document is on disk)."""

    def __init__(
        self,
        name: str,
        size: int,
        *,
        document: ReceivedDocument | None = None,
        rejection: SignedDocumentRejectedError | None = None,
    ) -> None:
        super().__init__(
            file=None, name=name, content_type="application/pdf", size=size
        )
        self.document = document
        self.rejection = rejection


class SignedPdfUploadHandler(FileUploadHandler):
    """Receive the file of ``field`` (one file; any other is skipped unread) and
    refuse it past ``limit`` bytes. Call :meth:`cleanup` when the request is done:
    it removes what was received unless it was stored."""

    def __init__(
        self,
        request: HttpRequest,
        *,
        area: DataArea,
        field: str,
        limit: int = MAX_BYTES,
    ) -> None:
        super().__init__(request)
        self.area = area
        self.field = field
        self.limit = limit
        self.receiver: PdfReceiver | None = None
        self.received: ReceivedDocument | None = None

    def new_file(
        self,
        field_name: str,
        file_name: str,
        content_type: str,
        content_length: int | None,
        charset: str | None = None,
        content_type_extra: dict[str, bytes] | None = None,
    ) -> None:
        super().new_file(
            field_name,
            file_name,
            content_type,
            content_length,
            charset,
            content_type_extra,
        )
        if field_name != self.field or self.receiver is not None:
            raise SkipFile()
        self.receiver = PdfReceiver(self.area, limit=self.limit)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        assert self.receiver is not None  # new_file made it
        self.receiver.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> UploadedFile[bytes] | None:
        receiver = self.receiver
        assert receiver is not None
        name = self.file_name or "document.pdf"
        try:
            self.received = receiver.finish()
        except SignedDocumentRejectedError as error:
            return ReceivedPdfUpload(name, receiver.size, rejection=error)
        return ReceivedPdfUpload(name, receiver.size, document=self.received)

    def upload_interrupted(self) -> None:
        """The request ended inside a file: drop what arrived of it. (Django also
        calls this when the last file part was skipped: a document received
        whole before it is kept.)"""
        if self.receiver is not None:
            self.receiver.abort()  # does nothing once the document is finished

    def release(self) -> None:
        """The received document was stored: :meth:`cleanup` leaves it alone."""
        self.receiver = None
        self.received = None

    def cleanup(self) -> None:
        if self.receiver is not None:
            self.receiver.abort()
        if self.received is not None:
            discard(self.received)
        self.release()


def declared_too_large(request: HttpRequest, limit: int = MAX_BYTES) -> bool:
    """The request says its body is larger than a document of ``limit`` bytes and
    the form could be: refuse it without reading it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # Django reads no body it cannot size
    return length > limit + FORM_ALLOWANCE
