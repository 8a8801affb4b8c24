"""What a received file is, told from its content before it is queued: the
return (dataset), its table or tables and the collection year, each the way the
engine tells them (:mod:`cld.engine.identify`, :mod:`cld.engine.readers.sniff`).

Only as much is read as identification needs: the first block of a CSV (its header
row), the start of an XML file up to its first child record (its header), and a
workbook's sheets (the zip checked for bombs before anything is unpacked). The
whole file is read and checked later, off the request thread, by the pipeline. A
file that cannot be read or is not a return we know raises the engine's
:class:`~cld.engine.errors.FileRejectedError` with its one-line reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cld.engine.errors import UnidentifiedFileError, UsageError
from cld.engine.identify import (
    check_name_fits,
    choose_year,
    format_datasets,
    identify,
    xml_datasets,
    year_from_header,
)
from cld.engine.readers import xlsx, xml
from cld.engine.readers.csv import read_csv
from cld.engine.readers.sniff import sniff_format
from cld.engine.source import SNIFF_BYTES
from cld.engine.spec.load import load_spec

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

    def to_json(self) -> dict[str, Any]:
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
    with path.open("rb") as stream:
        root = xml.read_root(stream)
    for first in xml_datasets(root):
        assert first.xml is not None
        with path.open("rb") as stream:
            header = xml.read_header(stream, first.xml)
        names = {n.casefold() for n in first.xml.collection_names}
        collection = (header.get("collection") or "").strip().casefold()
        if names and collection not in names:
            continue
        check_name_fits(name, first.name)
        stated = year_from_header(header, first.xml)
        year, reason = stated if stated is not None else choose_year(name)
        try:
            spec = load_spec(first.name, year)
        except UsageError as exc:
            raise UnidentifiedFileError(f"{exc} (year {reason})") from exc
        return Identity("xml", spec.name, spec.title, year, reason, tuple(spec.tables))
    raise UnidentifiedFileError(
        f"this XML file (root element <{root}>) is not a return we know"
    )


def _workbook(path: Path, name: str) -> Identity:
    data = path.read_bytes()
    sheets = xlsx.read_sheets(data)  # checks the zip before unpacking anything
    year, reason = choose_year(name)
    best: tuple[str, str, tuple[str, ...]] | None = None
    for dataset in format_datasets("xlsx"):
        try:
            spec = load_spec(dataset, year)
        except UsageError as exc:
            raise UnidentifiedFileError(f"{exc} (year {reason})") from exc
        found, _ = xlsx.workbook_tables(sheets, spec)
        if found and (best is None or len(found) > len(best[2])):
            best = (dataset, spec.title, tuple(found))
    if best is None:
        raise UnidentifiedFileError(
            "no sheet of this workbook is a table of any return we know"
        )
    dataset, title, tables = best
    check_name_fits(name, dataset)
    return Identity("xlsx", dataset, title, year, reason, tables)
