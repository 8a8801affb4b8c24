"""What a file is, told from its content without reading all of it: the return
(dataset), its table or tables and the collection year, each the way the engine
tells them (:mod:`cld.engine.identify`, :mod:`cld.engine.readers.sniff`). The
portal uses it before queuing an upload, and the orchestrator's drop zone
(:mod:`cld.pipeline.drop_zone`) to know which return each waiting file is.

Only as much is read as identification needs: the first block of a CSV (its header
row), the start of an XML file up to its first child record (its header), and a
workbook's sheets (the zip checked for bombs before anything is unpacked). The
whole file is read and checked later, by the pipeline. A file that cannot be read
or is not a return we know raises the engine's
:class:`~cld.engine.errors.FileRejectedError` with its one-line reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cld.engine.identify import check_name_fits, identify
from cld.engine.identify_returns import identify_workbook, identify_xml
from cld.engine.readers import xlsx
from cld.engine.readers.csv import read_csv
from cld.engine.readers.sniff import sniff_format
from cld.engine.source import SNIFF_BYTES
from cld.pipeline.session_records import JsonObject
from cld.pipeline.validate_files import FileSource

CSV_HEAD_BYTES = 256 * 1024
"""How much of a CSV is read to find its header row."""


@dataclass(frozen=True)
class Identity:
    """What a file is."""

    format: str
    dataset: str
    title: str
    """The return's name as councils know it (``SSDA903``…)."""
    year: int
    year_reason: str
    tables: tuple[str, ...]
    """The table a CSV is; the tables an XML return or a workbook holds."""

    def to_json(self) -> JsonObject:
        return {
            "format": self.format,
            "dataset": self.dataset,
            "title": self.title,
            "year": self.year,
            "year_reason": self.year_reason,
            "tables": list(self.tables),
        }


def identify_file(path: Path, name: str) -> Identity:
    """What the file at ``path``, uploaded as ``name``, is."""
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    file_format = sniff_format(head)
    if file_format == "xml":
        return _xml(path, name)
    if file_format == "xlsx":
        return _workbook(path, name)
    return _csv(path, name)


def _csv(path: Path, name: str) -> Identity:
    with path.open("rb") as stream:
        head = stream.read(CSV_HEAD_BYTES)
        whole = not stream.read(1)
    if not whole and b"\n" in head:
        head = head[: head.rindex(b"\n") + 1]  # whole lines only
    raw = read_csv(head)
    found = identify(raw.headers, name)
    check_name_fits(name, found.dataset)
    return Identity(
        format="csv",
        dataset=found.dataset,
        title=found.spec.title,
        year=found.year,
        year_reason=found.year_reason,
        tables=(found.table,),
    )


def _xml(path: Path, name: str) -> Identity:
    found = identify_xml(name, FileSource(path))
    spec = found.spec
    return Identity(
        "xml", spec.name, spec.title, found.year, found.year_reason, tuple(spec.tables)
    )


def _workbook(path: Path, name: str) -> Identity:
    sheets = xlsx.read_sheets(path.read_bytes())  # checks the zip before unpacking
    found = identify_workbook(name, sheets)
    return Identity(
        "xlsx",
        found.dataset,
        found.title,
        found.year,
        found.year_reason,
        tuple(found.tables),
    )
