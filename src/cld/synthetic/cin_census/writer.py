"""Write a CIN census return as councils' systems do: one element per line, indented.

The elements follow the XML schema's order (``ChildIdentifiers``,
``ChildCharacteristics``, then each ``CINdetails`` with its assessments, CIN plans,
section 47 enquiries, ``ReferralNFA`` and child protection plans). An element whose
value is null is left out; an empty string is written as an empty element.

The text is made a block of children at a time, so memory stays modest however
many children there are, and the line of every record's start tag is kept: it is
the row the validator reports an issue on. Every entry of a block's list of text
is exactly one line, so a line number is the count of entries before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from cld.engine.spec.model import DatasetSpec, TableSpec
from cld.governance.authorities import Authority
from cld.synthetic.cin_census.journeys import Records, own_columns, parent_table

BLOCK_CHILDREN = 10_000

_HEADER = """\
<?xml version="1.0" encoding="utf-8"?>
<Message>
  <Header>
    <CollectionDetails>
      <Collection>{collection}</Collection>
      <Year>{year}</Year>
      <ReferenceDate>{reference}</ReferenceDate>
    </CollectionDetails>
    <Source>
      <SourceLevel>L</SourceLevel>
      <LEA>{lea:03d}</LEA>
      <SoftwareCode>Local Authority</SoftwareCode>
      <Release>ver 3.1.21</Release>
      <SerialNo>001</SerialNo>
      <DateTime>{year}-05-02T10:00:00</DateTime>
    </Source>
  </Header>
  <Children>
"""
_FOOTER = "  </Children>\n</Message>\n"

_LISTED = {"assessments": "assessment_factors", "child_protection_plans": "reviews"}
"""Records of an episode with a list of another table's records in them, after
their own values: table → the table listed."""

Elements = tuple[tuple[str, str], ...]
"""(element, column) pairs of a record's own values, in the schema's order."""


def _tag(table: TableSpec) -> str:
    """The element of one record of ``table`` (last step of its record path)."""
    return (table.record or ".").split("/")[-1]


def _elements(table: TableSpec, *, within: str = "") -> Elements:
    """The (element, column) pairs of ``table``'s own columns under ``within``."""
    found = []
    for column in own_columns(table):
        path = table.columns[column].path or column
        if path.startswith(within):
            found.append((path.split("/")[-1], column))
    return tuple(found)


@dataclass
class _Block:
    """The values of one table's records for a block of children."""

    start: int
    values: dict[str, list[str | None]]

    def text(self, column: str, record: int) -> str | None:
        return self.values[column][record - self.start]


@dataclass
class ReturnWriter:
    """Writes one return and remembers the line of every record."""

    spec: DatasetSpec
    records: dict[str, Records]
    authority: Authority
    copies: dict[str, frozenset[int]] = field(default_factory=dict)
    """Records written twice, by table (planted duplicates)."""
    lines: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)
    """The line of each record's start tag, by table."""
    copy_lines: dict[str, dict[int, int]] = field(default_factory=dict)
    """The line of each copy's start tag, by table and record."""
    rows: int = 0
    """Records written, copies included."""
    _parents: dict[str, str] = field(default_factory=dict, init=False)
    _offsets: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict, init=False)
    _own: dict[str, Elements] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for name, found in self.records.items():
            self.lines[name] = np.zeros(found.size, dtype=np.int64)
            self.copy_lines[name] = {}
            self._own[name] = _elements(self.spec.tables[name])
            parent = parent_table(self.spec, name)
            if parent is not None:
                self._parents[name] = parent
                self._offsets[name] = np.searchsorted(
                    found.parent, np.arange(self.records[parent].size + 1)
                ).astype(np.int64)

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes, a block of children at a time."""
        spec = self.spec
        assert spec.xml is not None
        header = _HEADER.format(
            collection=spec.xml.collection_names[0],
            year=spec.year,
            reference=dt.date(spec.year, 3, 31).isoformat(),
            lea=self.authority.dfe,
        )
        yield header.encode("utf-8")
        written = header.count("\n")
        children = self.records["children"].size
        for low in range(0, children, BLOCK_CHILDREN):
            out: list[str] = []
            self._block(low, min(children, low + BLOCK_CHILDREN), out, written)
            written += len(out)
            yield "".join(out).encode("utf-8")
        yield _FOOTER.encode("utf-8")

    def _spans(self, low: int, high: int) -> dict[str, tuple[int, int]]:
        """The records of children ``low`` to ``high``, in each table."""
        spans = {"children": (low, high)}
        while len(spans) < len(self.records):
            for name, parent in self._parents.items():
                if name not in spans and parent in spans:
                    first, last = spans[parent]
                    offsets = self._offsets[name]
                    spans[name] = (int(offsets[first]), int(offsets[last]))
        return spans

    def _block(self, low: int, high: int, out: list[str], written: int) -> None:
        spans = self._spans(low, high)
        blocks = {
            name: _Block(
                start,
                {
                    column: frame[column].slice(start, stop - start).to_list()
                    for column in frame.columns
                },
            )
            for name, (start, stop) in spans.items()
            for frame in (self.records[name].frame,)
        }
        children = self.spec.tables["children"]
        identifiers = _elements(children, within="ChildIdentifiers/")
        characteristics = _elements(children, within="ChildCharacteristics/")
        episodes = self._offsets["cin_episodes"]
        lines = self.lines["children"]
        put = out.append
        for child in range(low, high):
            lines[child] = written + len(out) + 1
            put("    <Child>\n")
            put("      <ChildIdentifiers>\n")
            _values(blocks["children"], child, identifiers, "        ", out)
            put("      </ChildIdentifiers>\n")
            put("      <ChildCharacteristics>\n")
            _values(blocks["children"], child, characteristics, "        ", out)
            self._list("disabilities", child, blocks, out, written, 8)
            put("      </ChildCharacteristics>\n")
            for episode in range(episodes[child], episodes[child + 1]):
                self._episode(episode, blocks, out, written)
            put("    </Child>\n")
        self.rows += sum(stop - start for start, stop in spans.values())
        self.rows += sum(
            1
            for name, (start, stop) in spans.items()
            for record in self.copies.get(name, ())
            if start <= record < stop
        )

    def _record(
        self,
        name: str,
        record: int,
        blocks: dict[str, _Block],
        out: list[str],
        written: int,
        indent: int,
    ) -> None:
        """One record of ``name``, written again right after if it is a planted
        duplicate: an element holding its value when its own column is the element
        itself (``Disability``), else an element of value elements (``Section47``)
        and then any list nested in it (:data:`_LISTED`)."""
        tag = _tag(self.spec.tables[name])
        pad = " " * indent
        own = self._own[name]
        first = len(out)
        self.lines[name][record] = written + first + 1
        if own[0][0] == ".":
            value = blocks[name].text(own[0][1], record)
            out.append(f"{pad}<{tag}>{'' if value is None else value}</{tag}>\n")
        else:
            out.append(f"{pad}<{tag}>\n")
            _values(blocks[name], record, own, pad + "  ", out)
            if name in _LISTED:
                self._list(_LISTED[name], record, blocks, out, written, indent + 2)
            out.append(f"{pad}</{tag}>\n")
        if record in self.copies.get(name, ()):
            self.copy_lines[name][record] = written + len(out) + 1
            out.extend(out[first:])

    def _list(
        self,
        name: str,
        parent: int,
        blocks: dict[str, _Block],
        out: list[str],
        written: int,
        indent: int,
    ) -> None:
        """The records of ``name`` under ``parent`` (a record of its parent table)
        in their list element (``Disabilities``), if there are any."""
        records = self._children_of(name, parent)
        if records:
            pad = " " * indent
            wrapper = (self.spec.tables[name].record or "").split("/")[-2]
            out.append(f"{pad}<{wrapper}>\n")
            for record in records:
                self._record(name, record, blocks, out, written, indent + 2)
            out.append(f"{pad}</{wrapper}>\n")

    def _children_of(self, name: str, parent: int) -> range:
        offsets = self._offsets.get(name)
        if offsets is None:
            return range(0)
        return range(offsets[parent], offsets[parent + 1])

    def _episode(
        self, episode: int, blocks: dict[str, _Block], out: list[str], written: int
    ) -> None:
        episodes = self._own["cin_episodes"]
        head = tuple(pair for pair in episodes if pair[1] != "ReferralNFA")
        tail = tuple(pair for pair in episodes if pair[1] == "ReferralNFA")
        self.lines["cin_episodes"][episode] = written + len(out) + 1
        out.append("      <CINdetails>\n")
        _values(blocks["cin_episodes"], episode, head, " " * 8, out)
        for assessment in self._children_of("assessments", episode):
            self._record("assessments", assessment, blocks, out, written, 8)
        for plan in self._children_of("cin_plans", episode):
            self._record("cin_plans", plan, blocks, out, written, 8)
        for enquiry in self._children_of("section47", episode):
            self._record("section47", enquiry, blocks, out, written, 8)
        _values(blocks["cin_episodes"], episode, tail, " " * 8, out)
        for plan in self._children_of("child_protection_plans", episode):
            self._record("child_protection_plans", plan, blocks, out, written, 8)
        out.append("      </CINdetails>\n")


def _values(
    block: _Block, record: int, elements: Elements, pad: str, out: list[str]
) -> None:
    """One line per element of ``elements`` that has a value."""
    at = record - block.start
    for tag, column in elements:
        value = block.values[column][at]
        if value is not None:
            out.append(f"{pad}<{tag}>{value}</{tag}>\n")
