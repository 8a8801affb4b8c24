"""The CIN census schema files say what the Department's XML schemas say.

For every year, against ``shared/reference/specs/cin_census/CIN_schema_YEAR.xsd``
(beside the repository; the tests are skipped where it is not): every element with
a value under ``Child`` is a column; code lists and their documented labels; dates
where the schema has ``xs:date``; mandatory where ``minOccurs`` is 1; the UPN
pattern and the lower bound of ``NumberOfPreviousCPP``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from cld.engine.spec.load import load_spec
from cld.engine.spec.model import (
    CategoryColumn,
    DateColumn,
    IntegerColumn,
    PatternColumn,
    TableSpec,
)

SPECS = Path(__file__).resolve().parents[3].parent / "shared/reference/specs/cin_census"
XS = "{http://www.w3.org/2001/XMLSchema}"
YEARS = range(2017, 2027)

pytestmark = pytest.mark.skipif(
    not SPECS.is_dir(), reason="the Department's CIN XSDs are not beside the repo"
)

LABEL_FIXES = {"(LA SERVICES – early help": "LA SERVICES – early help"}
"""Labels the platform writes differently from the XSD (a stray bracket)."""


@cache
def xsd(year: int) -> etree._Element:
    return etree.parse(str(SPECS / f"CIN_schema_{year}.xsd")).getroot()


def simple_types(year: int) -> dict[str, etree._Element]:
    return {
        t.get("name"): t for t in xsd(year).iter(f"{XS}simpleType") if t.get("name")
    }


def leaf_elements(year: int) -> dict[str, etree._Element]:
    """Every element with a value (a simple or built-in type) inside a Child."""
    root = xsd(year)
    complex_types = {
        t.get("name"): t for t in root.iter(f"{XS}complexType") if t.get("name")
    }
    found: dict[str, etree._Element] = {}

    def walk(complex_type: etree._Element) -> None:
        for element in complex_type.iter(f"{XS}element"):
            kind = element.get("type")
            if kind in complex_types:
                walk(complex_types[kind])
            elif element.find(f"{XS}complexType") is None:
                found.setdefault(element.get("name"), element)

    walk(complex_types["childtype"])
    return found


def enumeration(year: int, element: etree._Element) -> list[tuple[str, str]]:
    kind = element.get("type")
    restriction = simple_types(year)[kind] if kind else element.find(f"{XS}simpleType")
    return [
        (
            e.get("value"),
            " ".join("".join(e.find(f".//{XS}documentation").itertext()).split())
            if e.find(f".//{XS}documentation") is not None
            else "",
        )
        for e in restriction.iter(f"{XS}enumeration")
    ]


def column_of(year: int, name: str) -> tuple[TableSpec, str]:
    """The table whose own column (not a copy) is the element ``name``."""
    for table in load_spec("cin_census", year).tables.values():
        for column_name, column in table.columns.items():
            path = column.path or column_name
            own = not path.startswith("/") and ".." not in path.split("/")
            ends = (
                path.split("/")[-1]
                if path != "."
                else (table.record or ".").split("/")[-1]
            )
            if own and ends == name:
                return table, column_name
    raise AssertionError(f"{year}: no column reads <{name}>")


@pytest.mark.parametrize("year", YEARS)
def test_every_element_is_a_column_with_the_schemas_facts(year: int) -> None:
    for name, element in leaf_elements(year).items():
        table, column_name = column_of(year, name)
        column = table.columns[column_name]
        kind = element.get("type")
        assert column.mandatory == (element.get("minOccurs") == "1"), (year, name)
        if kind == "xs:date":
            assert isinstance(column, DateColumn), (year, name)
            assert column.formats == ("%Y-%m-%d",)
        elif kind == "upntype":
            assert isinstance(column, PatternColumn)
            pattern = simple_types(year)[kind].find(f".//{XS}pattern").get("value")
            assert column.pattern == f"^{pattern}$"
        elif kind == "positiveintegertype":
            assert isinstance(column, IntegerColumn) and column.min == 0
        elif kind == "xs:string":
            assert column.type == "text", (year, name)
        else:
            assert isinstance(column, CategoryColumn), (year, name)
            expected = [
                (code, LABEL_FIXES.get(label, label))
                for code, label in enumeration(year, element)
            ]
            found = [
                (code, " ".join(meta.label.split()))
                for code, meta in column.codes.items()
            ]
            assert found == expected, (year, name)


@pytest.mark.parametrize("year", YEARS)
def test_every_column_reads_an_element_of_the_schema(year: int) -> None:
    elements = set(leaf_elements(year))
    for table in load_spec("cin_census", year).tables.values():
        for column_name, column in table.columns.items():
            path = column.path or column_name
            last = (
                path.split("/")[-1]
                if path != "."
                else (table.record or ".").split("/")[-1]
            )
            assert last in elements, (year, table.name, column_name)


@pytest.mark.parametrize("year", YEARS)
def test_records_are_where_the_schema_nests_them(year: int) -> None:
    text = (SPECS / f"CIN_schema_{year}.xsd").read_text(encoding="utf-8")
    for table in load_spec("cin_census", year).tables.values():
        for step in (s for s in (table.record or ".").split("/") if s != "."):
            assert re.search(rf'name="{step}"', text), (year, table.name, step)
