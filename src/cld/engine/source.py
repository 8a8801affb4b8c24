"""An uploaded file as the readers see it: its size, its first bytes, its content.

CSV and workbook readers take the whole content; the XML reader streams it, so a
500 MB return is never held whole. The pipeline gives a file on disk (or in object
storage) the same shape as :class:`BytesSource`.
"""

from __future__ import annotations

import io
from typing import BinaryIO, Protocol

SNIFF_BYTES = 8192


class Source(Protocol):
    @property
    def size(self) -> int: ...

    def head(self, n: int = SNIFF_BYTES) -> bytes: ...

    def read(self) -> bytes: ...

    def open(self) -> BinaryIO:
        """A fresh binary stream from the start (the caller closes it)."""
        ...


class BytesSource:
    """A file already in memory."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    @property
    def size(self) -> int:
        return len(self._data)

    def head(self, n: int = SNIFF_BYTES) -> bytes:
        return self._data[:n]

    def read(self) -> bytes:
        return self._data

    def open(self) -> BinaryIO:
        return io.BytesIO(self._data)
