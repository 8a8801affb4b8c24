"""Which return an XML file or a workbook is, and its collection year: read from
the file's own header (XML) or sheets (workbooks). ``cld validate`` and the
portal's check before queuing an upload both use these, so a file is told the
same way everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from cld.engine.errors import UnidentifiedFileError, UsageError
from cld.engine.identify import (
    check_name_fits,
    choose_year,
    format_datasets,
    xml_datasets,
    year_from_header,
)
from cld.engine.readers import xlsx, xml
from cld.engine.readers.table import RawTable
from cld.engine.source import Source
from cld.engine.spec.load import load_spec
from cld.engine.spec.model import DatasetSpec


@dataclass(frozen=True)
class XmlReturn:
    spec: DatasetSpec
    header: dict[str, str | None]
    year: int
    year_reason: str


def identify_xml(
    name: str, source: Source, *, year: int | None = None, folder: str | None = None
) -> XmlReturn:
    """The return an XML file is (from its root element and header's collection
    name) and its year (the header's, else the name's or ``year``)."""
    with source.open() as stream:
        root = xml.read_root(stream)
    chosen = None
    for spec in xml_datasets(root):
        assert spec.xml is not None
        with source.open() as stream:
            header = xml.read_header(stream, spec.xml)
        names = {n.casefold() for n in spec.xml.collection_names}
        collection = (header.get("collection") or "").strip().casefold()
        if not names or collection in names:
            chosen = (spec, header)
            break
    if chosen is None:
        raise UnidentifiedFileError(
            f"this XML file (root element <{root}>) is not a return we know"
        )
    first, header = chosen
    assert first.xml is not None
    check_name_fits(name, first.name)
    stated = year_from_header(header, first.xml)
    if stated is not None:
        chosen_year, reason = stated
        if year is not None and year != chosen_year:
            reason += f" (--year {year} was not used: the file says which year it is)"
    else:
        chosen_year, reason = choose_year(name, given=year, folder=folder)
    try:
        spec = load_spec(first.name, chosen_year)
    except UsageError as exc:
        raise UnidentifiedFileError(f"{exc} (year {reason})") from exc
    return XmlReturn(spec, header, chosen_year, reason)


@dataclass(frozen=True)
class WorkbookReturn:
    dataset: str
    title: str
    tables: dict[str, RawTable]
    sheet_issues: pl.DataFrame
    year: int
    year_reason: str


def identify_workbook(
    name: str,
    sheets: Sequence[xlsx.Sheet],
    *,
    year: int | None = None,
    folder: str | None = None,
) -> WorkbookReturn:
    """The workbook return whose tables most of ``sheets`` are, and its year."""
    candidates = format_datasets("xlsx")
    if not candidates:
        raise UnidentifiedFileError("no workbook return is known to the platform")
    chosen_year, reason = choose_year(name, given=year, folder=folder)
    best: WorkbookReturn | None = None
    for dataset in candidates:
        try:
            spec = load_spec(dataset, chosen_year)
        except UsageError as exc:
            raise UnidentifiedFileError(f"{exc} (year {reason})") from exc
        tables, issues = xlsx.workbook_tables(sheets, spec)
        if tables and (best is None or len(tables) > len(best.tables)):
            best = WorkbookReturn(
                dataset, spec.title, tables, issues, chosen_year, reason
            )
    if best is None:
        raise UnidentifiedFileError(
            "no sheet of this workbook is a table of any return we know"
        )
    check_name_fits(name, best.dataset)
    return best
