"""Tell a file's format from its first bytes, never from its name."""

from __future__ import annotations

import codecs
from typing import Literal

from cld.engine.errors import UnreadableFileError

Format = Literal["csv", "xml", "xlsx"]

_ZIP = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PDF = b"%PDF"


def sniff_format(head: bytes) -> Format:
    """``csv``, ``xml`` or ``xlsx`` for a file starting with ``head``."""
    if not head or head.isspace():
        raise UnreadableFileError("the file is empty")
    if head.startswith((_ZIP, _EMPTY_ZIP)):
        return "xlsx"
    if head.startswith(_OLE):
        raise UnreadableFileError(
            "this is an old .xls workbook (or another Office file); save it as "
            ".xlsx or CSV and upload that"
        )
    if head.startswith(_PDF):
        raise UnreadableFileError("this is a PDF, not a data file")
    text = head
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if text.startswith(bom):
            text = text[len(bom) :]
            if bom != codecs.BOM_UTF8:
                text = text.decode("utf-16", errors="ignore").encode("utf-8")
            break
    if text.lstrip().startswith(b"<"):
        return "xml"
    return "csv"
