"""Signed agreements are checked as they arrive (a capped, sniffed stream) and stored
read-only under their checksum; nothing half-written or refused is left behind."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import stat
from pathlib import Path

import pytest

from cld.engine.errors import UsageError
from cld.pipeline.data_area import DataArea
from cld.pipeline.signed_documents import (
    PARTIAL,
    PdfReceiver,
    Rejection,
    SignedDocumentRejectedError,
    clear_partials,
    document_path,
    documents_dir,
    receive_pdf,
    remove_stored,
    size_text,
    store,
    store_signed_pdf,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def data(tmp_path: Path) -> DataArea:
    area = DataArea(tmp_path / "data")
    area.create()
    return area


def partials(area: DataArea) -> list[Path]:
    folder = documents_dir(area) / PARTIAL
    return list(folder.iterdir()) if folder.is_dir() else []


def test_a_pdf_is_stored_read_only_under_its_checksum(data: DataArea) -> None:
    stored = store_signed_pdf(data, io.BytesIO(PDF), la="ISL", use_case="pan")
    digest = hashlib.sha256(PDF).hexdigest()
    assert stored.sha256 == digest and stored.size == len(PDF) and stored.created
    assert stored.path == data.root / "agreements" / "ISL" / "pan" / f"{digest}.pdf"
    assert stored.path == document_path(data, "ISL", "pan", digest)
    assert stored.path.read_bytes() == PDF
    mode = stat.S_IMODE(stored.path.stat().st_mode)
    assert mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0
    assert partials(data) == []


def test_the_same_document_twice_is_kept_once(data: DataArea) -> None:
    first = store_signed_pdf(data, io.BytesIO(PDF), la="ISL", use_case="pan")
    again = store_signed_pdf(data, io.BytesIO(PDF), la="ISL", use_case="pan")
    assert again.path == first.path and not again.created
    remove_stored(again)  # not created by this call: kept
    assert first.path.is_file()
    assert partials(data) == []
    remove_stored(first)
    assert not first.path.exists()


def test_chunks_of_any_size_are_checked_and_hashed(data: DataArea) -> None:
    body = PDF[:-7] + b"x" * 5000 + PDF[-7:]
    chunks = [body[i : i + 3] for i in range(0, len(body), 3)]
    received = receive_pdf(data, chunks)
    assert received.sha256 == hashlib.sha256(body).hexdigest()
    assert received.path.read_bytes() == body
    assert received.path.parent == documents_dir(data) / PARTIAL


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", Rejection.EMPTY),
        (b"PK\x03\x04 a zip, not a PDF %%EOF", Rejection.NOT_PDF),
        (b"<html>%PDF-1.4 %%EOF</html>", Rejection.NOT_PDF),
        (b"%PDF-1.7\n" + b"0" * 100, Rejection.INCOMPLETE),
        (b"%PDF-1.7\n%%EOF\n" + b" " * 2000, Rejection.INCOMPLETE),
    ],
    ids=["empty", "zip", "html", "truncated", "eof-too-early"],
)
def test_what_is_not_a_whole_pdf_is_refused_and_removed(
    data: DataArea, body: bytes, reason: Rejection
) -> None:
    with pytest.raises(SignedDocumentRejectedError) as refused:
        store_signed_pdf(data, io.BytesIO(body), la="ISL", use_case="pan")
    assert refused.value.reason == reason
    assert partials(data) == []
    assert not (documents_dir(data) / "ISL").exists()


def test_past_the_cap_nothing_more_is_kept(data: DataArea) -> None:
    receiver = PdfReceiver(data, limit=100)
    receiver.write(PDF[:50])
    assert receiver.path.is_file()
    receiver.write(b"0" * 60)
    assert receiver.too_large and not receiver.path.exists()
    receiver.write(b"0" * 1000)  # counted, not kept
    assert receiver.size == 1110
    with pytest.raises(SignedDocumentRejectedError) as refused:
        receiver.finish()
    assert refused.value.reason == Rejection.TOO_LARGE
    assert "100 bytes" in str(refused.value)
    assert partials(data) == []


def test_a_document_of_exactly_the_cap_is_accepted(data: DataArea) -> None:
    body = PDF[:-7] + b"0" * (200 - len(PDF)) + PDF[-7:]
    assert len(body) == 200
    assert receive_pdf(data, [body], limit=200).size == 200
    with pytest.raises(SignedDocumentRejectedError):
        receive_pdf(data, [body + b"\n"], limit=200)


def test_a_finished_or_aborted_receiver_takes_nothing_more(data: DataArea) -> None:
    receiver = PdfReceiver(data)
    receiver.write(PDF)
    receiver.finish()
    with pytest.raises(ValueError, match="finished or aborted"):
        receiver.write(b"more")
    aborted = PdfReceiver(data)
    aborted.abort()
    assert not aborted.path.exists()
    with pytest.raises(ValueError, match="finished or aborted"):
        aborted.finish()


def test_a_failing_source_leaves_nothing_behind(data: DataArea) -> None:
    class Broken(io.RawIOBase):
        def read(self, size: int = -1) -> bytes:
            raise OSError("connection lost")

    with pytest.raises(OSError, match="connection lost"):
        store_signed_pdf(data, Broken(), la="ISL", use_case="pan")  # type: ignore[arg-type]
    assert partials(data) == []


def test_names_cannot_leave_the_agreements_folder(data: DataArea) -> None:
    digest = hashlib.sha256(PDF).hexdigest()
    for la, use_case, sha in (
        ("../x", "pan", digest),
        ("ISL", "..", digest),
        ("ISL", "pan", "../" + digest[3:]),
        (".partial", "pan", digest),
    ):
        with pytest.raises(UsageError):
            document_path(data, la, use_case, sha)


def test_a_received_document_of_another_agreement_is_stored_apart(
    data: DataArea,
) -> None:
    one = store(data, receive_pdf(data, [PDF]), la="ISL", use_case="pan")
    two = store(data, receive_pdf(data, [PDF]), la="ISL", use_case="sufficiency")
    assert one.path != two.path and one.created and two.created


def test_leftovers_of_a_crash_are_cleared_once_old(data: DataArea) -> None:
    fresh = PdfReceiver(data)
    fresh.write(b"%PDF-1.4")
    stale = PdfReceiver(data)
    stale.write(b"%PDF-1.4")
    two_hours_ago = dt.datetime.now().timestamp() - 7200
    os.utime(stale.path, (two_hours_ago, two_hours_ago))
    assert clear_partials(data) == [stale.path]
    assert fresh.path.is_file() and not stale.path.exists()
    fresh.abort()
    stale.abort()  # closes the file the "crashed" receiver held
    assert clear_partials(DataArea(data.root / "nowhere")) == []


def test_sizes_read_as_people_write_them() -> None:
    assert size_text(20 * 1024 * 1024) == "20 MB"
    assert size_text(1536 * 1024) == "1.5 MB"
    assert size_text(300) == "300 bytes"
