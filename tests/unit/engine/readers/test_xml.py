"""The XML reader: streaming extraction driven by a schema, and hostile input.

The schema here is a small made-up one (not a real return), so every kind of path
is exercised on its own: ``.`` records, paths down, ``..`` up, ``/`` from the unit,
tables outside the units, namespaces, batches and line numbers.
"""

from __future__ import annotations

import io
import os
import re
import textwrap
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from cld.engine.errors import (
    SchemaDefinitionError,
    UnidentifiedFileError,
    UnreadableFileError,
)
from cld.engine.readers import xml
from cld.engine.readers.table import ROW, RawTable
from cld.engine.spec.model import DatasetSpec, XmlLayout

LAYOUT = {
    "root": "Message",
    "unit": "Children/Child",
    "collection": "Header/CollectionDetails/Collection",
    "collection_names": ["CIN"],
    "year": "Header/CollectionDetails/Year",
    "reference_date": "Header/CollectionDetails/ReferenceDate",
    "la": "Header/Source/LEA",
}


def _text(path: str | None = None) -> dict[str, Any]:
    column: dict[str, Any] = {"label": "a value", "type": "text"}
    if path is not None:
        column["path"] = path
    return column


def make_spec(**tables: dict[str, Any]) -> DatasetSpec:
    return DatasetSpec.model_validate(
        {
            "name": "made_up",
            "title": "Made-up return",
            "format": "xml",
            "year": 2024,
            "first_year": 2024,
            "last_year": 2024,
            "xml": LAYOUT,
            "tables": {name: {"name": name, **t} for name, t in tables.items()},
        }
    )


SPEC = make_spec(
    children={
        "title": "Children",
        "record": ".",
        "columns": {
            "ID": _text("Ids/ID"),
            "UPN": _text("Ids/UPN"),
            "Ethnicity": _text("Traits/Ethnicity"),
        },
    },
    visits={
        "title": "Visits (nested in episodes)",
        "record": "Episode/Visit",
        "columns": {
            "ID": _text("/Ids/ID"),
            "Referral": _text("../Referral"),
            "VisitDate": _text(),
            "Note": _text("Detail/Note"),
        },
    },
    codes={
        "title": "Codes (a record that is its own value)",
        "record": "Episode/Visit/Codes/Code",
        "columns": {
            "ID": _text("/Ids/ID"),
            "VisitDate": _text("../../VisitDate"),
            "Code": _text("."),
        },
    },
    sources={
        "title": "Sources (outside the units)",
        "record": "/Header/Source",
        "columns": {
            "LEA": _text(),
            "Collection": _text("/Header/CollectionDetails/Collection"),
        },
    },
)

DOCUMENT = """\
<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header>
    <CollectionDetails>
      <Collection>CIN</Collection>
      <Year>2024</Year>
      <ReferenceDate>2024-03-31</ReferenceDate>
    </CollectionDetails>
    <Source>
      <LEA>202</LEA>
    </Source>
  </Header>
  <Children>
    <Child>
      <Ids>
        <ID> 101 </ID>
        <UPN></UPN>
        <Unread>kept out</Unread>
      </Ids>
      <Traits><Ethnicity>WBRI</Ethnicity></Traits>
      <Episode>
        <Referral>2023-05-01</Referral>
        <Visit>
          <VisitDate>2023-05-02</VisitDate>
          <Codes>
            <Code>A</Code>
            <Code>B</Code>
          </Codes>
        </Visit>
        <Visit>
          <VisitDate>2023-06-02</VisitDate>
          <Detail><Note>seen</Note></Detail>
        </Visit>
      </Episode>
    </Child>
    <Child>
      <Traits><Ethnicity>BAFR</Ethnicity></Traits>
      <Ids><ID>102</ID><UPN>A123</UPN></Ids>
      <Episode>
        <Visit><VisitDate>2024-01-09</VisitDate></Visit>
        <Referral>2024-01-08</Referral>
      </Episode>
    </Child>
  </Children>
</Message>
"""


def line_of(text: str, marker: str, nth: int = 1) -> int:
    """The line (from 1) of the ``nth`` occurrence of ``marker`` in ``text``."""
    at = -1
    for _ in range(nth):
        at = text.index(marker, at + 1)
    return text.count("\n", 0, at) + 1


def rows(raw: RawTable) -> list[dict[str, Any]]:
    names = {RawTable.position_name(i): h for i, h in enumerate(raw.headers)}
    return raw.frame.rename({**names}).to_dicts()


def read(text: str | bytes, spec: DatasetSpec = SPEC) -> dict[str, RawTable]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return xml.read_tables(io.BytesIO(data), spec)


# --- reading ----------------------------------------------------------------------


def test_root_and_header() -> None:
    assert xml.read_root(io.BytesIO(DOCUMENT.encode())) == "Message"
    header = xml.read_header(io.BytesIO(DOCUMENT.encode()), XmlLayout(**LAYOUT))
    assert header == {
        "collection": "CIN",
        "year": "2024",
        "reference_date": "2024-03-31",
        "la": "202",
    }


def test_header_elements_missing_are_none() -> None:
    text = "<Message><Header><Source><LEA>305</LEA></Source></Header></Message>"
    header = xml.read_header(io.BytesIO(text.encode()), XmlLayout(**LAYOUT))
    assert header == {
        "collection": None,
        "year": None,
        "reference_date": None,
        "la": "305",
    }


def test_root_and_header_read_only_the_start() -> None:
    # Broken after the first unit starts: neither needs to get that far.
    text = DOCUMENT.split("<Child>")[0] + "<Child><Ids><<<< broken"
    assert xml.read_root(io.BytesIO(text.encode())) == "Message"
    header = xml.read_header(io.BytesIO(text.encode()), XmlLayout(**LAYOUT))
    assert header["la"] == "202"


def test_tables_in_schema_order_with_their_headers() -> None:
    tables = read(DOCUMENT)
    assert list(tables) == ["children", "visits", "codes", "sources"]
    assert tables["visits"].headers == ("ID", "Referral", "VisitDate", "Note")
    assert tables["visits"].frame.columns == ["c0", "c1", "c2", "c3", ROW]
    assert all(t.frame.schema[ROW] == pl.Int64 for t in tables.values())


def test_unit_records_paths_down_and_stripped_cells() -> None:
    children = read(DOCUMENT)["children"]
    assert rows(children) == [
        {
            "ID": "101",  # stripped
            "UPN": None,  # an empty element is null
            "Ethnicity": "WBRI",
            ROW: line_of(DOCUMENT, "<Child>", 1),
        },
        {
            "ID": "102",
            "UPN": "A123",
            "Ethnicity": "BAFR",
            ROW: line_of(DOCUMENT, "<Child>", 2),
        },
    ]


def test_paths_up_and_from_the_unit_in_any_order() -> None:
    visits = rows(read(DOCUMENT)["visits"])
    assert visits == [
        {
            "ID": "101",
            "Referral": "2023-05-01",
            "VisitDate": "2023-05-02",
            "Note": None,  # missing element
            ROW: line_of(DOCUMENT, "<Visit>", 1),
        },
        {
            "ID": "101",
            "Referral": "2023-05-01",
            "VisitDate": "2023-06-02",
            "Note": "seen",
            ROW: line_of(DOCUMENT, "<Visit>", 2),
        },
        {
            # the ID comes after Traits, and Referral after the visit: still found
            "ID": "102",
            "Referral": "2024-01-08",
            "VisitDate": "2024-01-09",
            "Note": None,
            ROW: line_of(DOCUMENT, "<Visit>", 3),
        },
    ]


def test_a_record_that_is_its_own_value() -> None:
    codes = rows(read(DOCUMENT)["codes"])
    assert [(c["ID"], c["VisitDate"], c["Code"], c[ROW]) for c in codes] == [
        ("101", "2023-05-02", "A", line_of(DOCUMENT, "<Code>", 1)),
        ("101", "2023-05-02", "B", line_of(DOCUMENT, "<Code>", 2)),
    ]


def test_a_table_outside_the_units() -> None:
    assert rows(read(DOCUMENT)["sources"]) == [
        {"LEA": "202", "Collection": "CIN", ROW: line_of(DOCUMENT, "<Source>")}
    ]


def test_no_units_gives_empty_tables() -> None:
    tables = read("<Message><Children/></Message>")
    assert {name: t.frame.height for name, t in tables.items()} == dict.fromkeys(
        tables, 0
    )
    assert tables["visits"].frame.schema[ROW] == pl.Int64


def test_units_elsewhere_are_not_units() -> None:
    text = "<Message><Other><Child><Ids><ID>9</ID></Ids></Child></Other></Message>"
    assert read(text)["children"].frame.height == 0


def test_repeated_element_first_with_text_counts() -> None:
    text = (
        "<Message><Children><Child><Ids><ID/><ID>7</ID><ID>8</ID></Ids>"
        "</Child></Children></Message>"
    )
    assert rows(read(text)["children"])[0]["ID"] == "7"


def test_a_default_namespace_is_followed() -> None:
    text = (
        '<Message xmlns="urn:example"><Children><Child><Ids><ID>5</ID></Ids>'
        "<Episode><Referral>r</Referral><Visit><VisitDate>d</VisitDate></Visit>"
        "</Episode></Child></Children></Message>"
    )
    assert xml.read_root(io.BytesIO(text.encode())) == "Message"
    visits = rows(read(text)["visits"])
    assert [(v["ID"], v["Referral"], v["VisitDate"]) for v in visits] == [
        ("5", "r", "d")
    ]


def test_utf16_file() -> None:
    text = DOCUMENT.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    tables = read(text.encode("utf-16"))
    assert rows(tables["children"])[1]["ID"] == "102"
    assert tables["children"].encoding == "utf-16"


def test_many_batches_and_lines_past_65535(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xml, "BATCH_ROWS", 7)
    child = "<Child>\n<Ids>\n<ID>{}</ID>\n</Ids>\n</Child>\n"
    text = (
        "<Message>\n<Children>\n"
        + "".join(child.format(i) for i in range(20_000))
        + "</Children>\n</Message>\n"
    )
    children = read(text)["children"]
    assert children.frame.height == 20_000
    assert children.frame["c0"].to_list() == [str(i) for i in range(20_000)]
    assert children.frame[ROW].to_list() == [3 + 5 * i for i in range(20_000)]
    assert children.frame[ROW].to_list()[-1] > 65_535  # libxml2's 16-bit lines


def test_values_of_a_wider_scope_whatever_the_batches(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A value from the unit (``/``) or an ancestor (``..``) reaches every row
    opened inside its element, however the rows are cut into batches, in memory
    or spilled."""
    start, end = DOCUMENT.index("<Child>"), DOCUMENT.index("</Children>")
    units = DOCUMENT[start:end]
    many = (
        DOCUMENT[:start]
        + "".join(units.replace("10", f"{n:02d}") for n in range(40))
        + DOCUMENT[end:]
    )
    whole = {name: table.frame for name, table in read(many).items()}
    assert whole["visits"].height == 3 * 40
    assert whole["visits"]["c0"].to_list()[:3] == ["001", "001", "002"]
    for batch in (1, 3, 50):
        monkeypatch.setattr(xml, "BATCH_ROWS", batch)
        for name, table in read(many).items():
            assert table.frame.equals(whole[name]), (batch, name)
        folder = tmp_path / f"batch-{batch}"
        folder.mkdir()
        spilled = xml.spill_tables(io.BytesIO(many.encode()), SPEC, folder)
        for name, on_disk in spilled.items():
            assert on_disk.lazy().collect().equals(whole[name]), (batch, name)


def test_a_batch_that_cannot_be_written_fails_the_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Batches are written on a thread of their own: a failure there (a full
    disk) is raised by the read, never lost, and the read waits for every batch."""
    monkeypatch.setattr(xml, "BATCH_ROWS", 1)
    write = xml._write_batch
    calls: list[Path] = []

    def failing(batch: Any, path: Path) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        write(batch, path)

    monkeypatch.setattr(xml, "_write_batch", failing)
    with pytest.raises(OSError, match="No space left"):
        xml.spill_tables(io.BytesIO(DOCUMENT.encode()), SPEC, tmp_path)
    assert len(calls) >= 3


def _lines_of(text: str, marker: str) -> list[int]:
    """The line (from 1) of every occurrence of ``marker`` in ``text``."""
    found, at = [], text.find(marker)
    line, counted = 1, 0
    while at >= 0:
        line += text.count("\n", counted, at)
        counted = at
        found.append(line)
        at = text.find(marker, at + 1)
    return found


def test_lines_of_records_past_65535_when_pretty_printed() -> None:
    unit = textwrap.dedent(
        """\
        <Child>
          <Ids>
            <ID>7</ID>
          </Ids>
          <Episode>
            <Visit>
              <VisitDate>d</VisitDate>
              <Codes>
                <Code></Code>
                <Code>A</Code>
              </Codes>
            </Visit>
          </Episode>
        </Child>
        """
    )
    text = "<Message>\n<Children>\n" + unit * 6_000 + "</Children>\n</Message>\n"
    tables = read(text)
    assert tables["children"].frame[ROW].to_list() == _lines_of(text, "<Child>")
    assert tables["visits"].frame[ROW].to_list() == _lines_of(text, "<Visit>")
    assert tables["codes"].frame[ROW].to_list() == _lines_of(text, "<Code>")
    assert tables["codes"].frame[ROW].to_list()[-1] > 65_535


def test_units_are_cleared_as_they_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Units are unlinked once read: the tree holds at most the units of the block
    of the file lxml has parsed, however long the file. Memory is flat."""
    held: list[int] = []
    walk = xml._walk

    def spy(plan: Any, anchor: Any, root: Any) -> None:
        held.append(len(anchor.getparent()))
        walk(plan, anchor, root)

    monkeypatch.setattr(xml, "_walk", spy)
    units = 40_000  # about 1.6 MB
    text = "<Message><Children>" + "<Child><Ids><ID>1</ID></Ids></Child>" * units
    assert read(text + "</Children></Message>")["children"].frame.height == units
    assert len(held) == units
    assert max(held) < units / 10


def test_a_stream_that_cannot_seek() -> None:
    class OneWay(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self._inner.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    stream = io.BufferedReader(OneWay(DOCUMENT.encode()))
    assert not stream.seekable()
    assert rows(xml.read_tables(stream, SPEC)["children"])[0]["ID"] == "101"


def test_another_root_is_not_this_return() -> None:
    with pytest.raises(UnidentifiedFileError, match="root element is <Workbook>"):
        read("<Workbook><Children/></Workbook>")


@pytest.mark.parametrize(
    ("record", "path"),
    [("Episode/../Visit", "VisitDate"), ("Episode", "../../Up")],
)
def test_paths_the_reader_cannot_follow(record: str, path: str) -> None:
    spec = make_spec(t={"title": "T", "record": record, "columns": {"A": _text(path)}})
    with pytest.raises(SchemaDefinitionError):
        read(DOCUMENT, spec)


# --- hostile and broken input -----------------------------------------------------

DTD_REFUSED = "document type declaration"

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE Message [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n<Message><Children><Child><Ids><ID>&lol9;</ID></Ids></Child>"
    "</Children></Message>\n"
)


def _all_readers(data: bytes) -> list[Any]:
    return [
        lambda: xml.read_root(io.BytesIO(data)),
        lambda: xml.read_header(io.BytesIO(data), XmlLayout(**LAYOUT)),
        lambda: xml.read_tables(io.BytesIO(data), SPEC),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "<!DOCTYPE Message>\n<Message><Children/></Message>",
        '<!DOCTYPE Message SYSTEM "http://example.invalid/cin.dtd">\n<Message/>',
        '<!DOCTYPE Message PUBLIC "-//X//Y" "cin.dtd">\n<Message/>',
        "<!DOCTYPE Message [<!ELEMENT Message ANY>]>\n<Message/>",
        BILLION_LAUGHS,
        '<?xml version="1.0"?>\n<!-- exported -->\n<?pi x?>\n'
        + BILLION_LAUGHS.split("\n", 1)[1],
    ],
    ids=[
        "bare",
        "external-system",
        "external-public",
        "internal-subset",
        "laughs",
        "laughs-after-comment",
    ],
)
def test_any_dtd_is_refused(text: str) -> None:
    for reader in _all_readers(text.encode()):
        started = time.perf_counter()
        with pytest.raises(UnreadableFileError, match=DTD_REFUSED):
            reader()
        assert time.perf_counter() - started < 5  # refused, never expanded


@pytest.mark.parametrize(
    ("encoding", "declared"), [("utf-8-sig", "UTF-8"), ("utf-16", "UTF-16")]
)
def test_a_dtd_is_refused_for_itself_whatever_the_encoding(
    encoding: str, declared: str
) -> None:
    """The refusal names the DTD whichever way the XML parser of the day would
    have reported it (libxml2 2.14 stops a billion laughs as a syntax error)."""
    data = BILLION_LAUGHS.replace('"1.0"', f'"1.0" encoding="{declared}"')
    for reader in _all_readers(data.encode(encoding)):
        with pytest.raises(UnreadableFileError, match=DTD_REFUSED):
            reader()


def _atime_is_kept(folder: Path) -> bool:
    """Whether reading a file moves its access time here (else it can't be told)."""
    probe = folder / "probe.txt"
    probe.write_text("x")
    os.utime(probe, (1_000_000, 2_000_000))
    probe.read_text()
    return probe.stat().st_atime != 1_000_000


@pytest.mark.parametrize("kind", ["general", "parameter", "external-dtd"])
def test_xxe_never_reads_the_file(tmp_path: Path, kind: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    os.utime(secret, (1_000_000, 2_000_000))  # accessed before modified
    uri = secret.as_uri()
    text = {
        "general": f'<!DOCTYPE Message [<!ENTITY x SYSTEM "{uri}">]>\n'
        "<Message><Children><Child><Ids><ID>&x;</ID></Ids></Child></Children></Message>",
        "parameter": f'<!DOCTYPE Message [<!ENTITY % p SYSTEM "{uri}"> %p;]>\n'
        "<Message/>",
        "external-dtd": f'<!DOCTYPE Message SYSTEM "{uri}">\n<Message/>',
    }[kind]
    for reader in _all_readers(text.encode()):
        with pytest.raises(UnreadableFileError, match=DTD_REFUSED) as raised:
            reader()
        assert "TOP-SECRET" not in str(raised.value)
    if _atime_is_kept(tmp_path):
        assert secret.stat().st_atime == 1_000_000, "the file was read"


def test_truncated_file_names_the_line() -> None:
    text = DOCUMENT[: DOCUMENT.index("<Visit>", DOCUMENT.index("<Visit>") + 1)]
    last_line = text.count("\n") + 1
    with pytest.raises(UnreadableFileError, match=r"malformed at line (\d+)") as raised:
        read(text)
    assert f"line {last_line}" in str(raised.value) or f"line {last_line - 1}" in str(
        raised.value
    )


def test_mismatched_tags_name_the_line() -> None:
    text = DOCUMENT.replace("<Referral>2024-01-08</Referral>", "<Referral>x</Refer>")
    line = line_of(text, "</Refer>")
    with pytest.raises(UnreadableFileError, match=f"malformed at line {line}: "):
        read(text)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\t ", "the file is empty"),
        (b"CHILD,SEX\n1,2\n", "this is not an XML file"),
        (b"\x00\x01PK\x03\x04junk", "this is not an XML file"),
        (b"<", "malformed at line 1"),
    ],
)
def test_broken_or_not_xml(data: bytes, message: str) -> None:
    for reader in _all_readers(data):
        with pytest.raises(UnreadableFileError, match=message):
            reader()


def test_a_file_that_stops_after_its_root() -> None:
    data = b"<Message>\n<Children>\n"
    assert xml.read_root(io.BytesIO(data)) == "Message"  # only the start is read
    for reader in _all_readers(data)[1:]:
        with pytest.raises(UnreadableFileError, match="malformed at line 3"):
            reader()


def test_errors_say_nothing_of_the_cells() -> None:
    text = DOCUMENT.replace("<ID>102</ID>", "<ID>10&2</ID>")
    with pytest.raises(UnreadableFileError) as raised:
        read(text)
    assert "10&2" not in str(raised.value)
    assert "\n" not in str(raised.value)


def test_module_has_no_dataset_names() -> None:
    source = Path(xml.__file__).read_text()
    for name in ("CIN", "CINdetails", "LAchildID", "ssda903", "CSWW"):
        assert re.search(rf"\b{name}\b", source) is None, name


def test_every_cell_is_text(tmp_path: Path) -> None:
    path = tmp_path / "return.xml"
    path.write_text(textwrap.dedent(DOCUMENT))
    with path.open("rb") as stream:
        tables = xml.read_tables(stream, SPEC)
    for table in tables.values():
        for name in table.frame.columns:
            if name != ROW:
                assert table.frame.schema[name] == pl.String


@pytest.mark.parametrize(
    "broken",
    [
        "<ID><![CDATA[A123456789012 14/07/2011",  # libxml2 repeats the section
        "<ID>&A123456789012;</ID>",  # and an entity's name
        "<ID>\xe914/07/2011 A123456789012</ID>",  # and the bytes of bad UTF-8
    ],
)
def test_libxml2_messages_quoting_the_document_are_cut(broken: str) -> None:
    text = DOCUMENT.replace("<ID>102</ID>", broken)
    data = text.encode("utf-8").replace("\xe9".encode(), b"\xe9")
    with pytest.raises(UnreadableFileError, match="malformed") as raised:
        xml.read_tables(io.BytesIO(data), SPEC)
    message = str(raised.value)
    assert "A123456789012" not in message and "14/07" not in message
    assert "0x31" not in message  # the bytes of "14/07" as libxml2 writes them
