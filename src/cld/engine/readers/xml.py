"""Read an XML return as tables, streaming, driven by the dataset's schema.

Nothing here names a dataset: the schema's :class:`~cld.engine.spec.model.XmlLayout`
says where the header facts and the *units* (``Children/Child``) are, and each
table's ``record`` and columns' ``path`` say where its rows and cells are.

The file is never held whole. lxml's ``iterparse`` builds the tree a block of the
file at a time; as each unit ends its rows are taken out of it and the unit is
cleared and unlinked, so the tree stays as small as a block however large the file.
Rows are gathered in batches and turned into Polars frames of strings, so millions
of rows are not held as Python strings. :func:`read_tables` keeps the batches in
memory, so the tables it returns grow with the file; :func:`spill_tables` writes
each batch to a Parquet file in a folder as it is made, so reading holds one batch
of each table whatever the file's size, and each table is loaded on its own
afterwards.

Line numbers are the line of each record's start tag. libxml2 keeps an element's
line in 16 bits, so past line 65535 it is worked out from the text around it.

Hostile input is refused, never expanded: entities are not resolved, no DTD is
loaded, nothing is fetched from the network, and a document with a document type
declaration (DTD) at all is refused as soon as its root element starts. Broken XML is an
:class:`~cld.engine.errors.UnreadableFileError` naming the line where it broke.
"""

from __future__ import annotations

import codecs
import gc
import re
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import IO, Any, BinaryIO

import polars as pl
from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from cld.engine.errors import (
    SchemaDefinitionError,
    UnidentifiedFileError,
    UnreadableFileError,
)
from cld.engine.query import ENGINE
from cld.engine.readers.table import ROW, RawTable
from cld.engine.spec.model import DatasetSpec, TableSpec, XmlLayout

BATCH_ROWS = 100_000
"""Rows (of all the tables read from the units) gathered as Python strings before
they become Polars frames, a batch of each table."""

HEADER_KEYS = ("collection", "year", "reference_date", "la")
"""The header facts :func:`read_header` returns, as named in :class:`XmlLayout`."""

_SAFE: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}
"""Parser options for every parse: no entity expansion, no DTD, no network, and
libxml2's limits on depth and text size kept."""

_PEEK_BYTES = 1024
_SPOOL_BYTES = 64 * 2**20
_PARENT = ".."
_SELF = "."
_QUOTED_NAME = re.compile(r"'[^']{2,}'")
_POSITION = re.compile(r",? line \d+, column \d+\s*$")
_LOCAL = re.compile(r"^\{[^}]*\}")

Element = Any
"""An ``lxml.etree._Element`` (lxml has no type hints)."""


# --- hostile-safe opening -------------------------------------------------------


def _reason(error: Exception) -> str:
    """libxml2's description of ``error``, without the position it repeats and
    without the document's text it can quote: only its first line is kept (an
    unfinished CDATA section or comment is followed by the text it holds, bad
    UTF-8 by its bytes) and a name in quotes (``Entity '…' not defined``) is
    left out. Tag names stay: they locate the problem and hold no one's data."""
    text = str(getattr(error, "msg", "") or error).strip().split("\n", 1)[0]
    text = _POSITION.sub("", text).strip()
    text = _QUOTED_NAME.sub("'…'", text) or type(error).__name__
    return text[:200]


def _line(error: Exception) -> int | None:
    line = getattr(error, "lineno", None)
    return line if isinstance(line, int) and line > 0 else None


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _without_bom(head: bytes) -> bytes:
    for bom, _ in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :]
    return head


def _prolog_text(head: bytes) -> str | None:
    """The start of the document as text, decoded by its byte-order mark; None
    without one."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore")
    return None


def _looks_like_xml(head: bytes) -> bool:
    """Whether ``head`` starts (after a byte-order mark and spaces) with ``<``."""
    text = _prolog_text(head)
    if text is not None:
        return text.lstrip().startswith("<")
    return head.lstrip().startswith(b"<")


@contextmanager
def _rewindable(source: IO[bytes]) -> Iterator[tuple[IO[bytes], int]]:
    """``source`` and where it starts, copied to a temporary file (in memory up to
    64 MiB) first when it cannot seek."""
    if source.seekable():
        yield source, source.tell()
        return
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as copy:
        shutil.copyfileobj(source, copy)
        copy.seek(0)
        yield copy, 0


def _dtd_refused() -> UnreadableFileError:
    return UnreadableFileError(
        "XML with a document type declaration (DTD) is refused: returns never "
        "need one, and a DTD can expand entities or read other files. Export "
        "the file again without the <!DOCTYPE …> line"
    )


def _refuse_doctype(element: Element) -> None:
    info = element.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise _dtd_refused()


def _refuse_declared_doctype(head: bytes) -> None:
    """Refuse a document whose prolog (the XML declaration, comments and
    processing instructions before the root) declares a DTD, before any parser
    reads it: how a parser reports a DTD it will not expand (at the root's start
    or as a syntax error, e.g. libxml2 2.14's entity-amplification limit) varies
    with its version; the refusal must not."""
    text = _prolog_text(head)
    text = (head.decode("utf-8", errors="ignore") if text is None else text).lstrip()
    while text.startswith(("<?", "<!--")):
        end = text.find("?>" if text.startswith("<?") else "-->")
        if end < 0:
            return  # a prolog longer than the peek: the parser decides
        text = text[end + (2 if text.startswith("<?") else 3) :].lstrip()
    if text.startswith("<!DOCTYPE"):
        raise _dtd_refused()


def _not_readable(error: Exception, head: bytes) -> UnreadableFileError:
    """The error for a file whose first element could not be read."""
    if not _without_bom(head).strip(b"\x00 \t\r\n"):
        return UnreadableFileError("the file is empty")
    if not _looks_like_xml(head):
        return UnreadableFileError(
            f"this is not an XML file: it does not start with an XML element "
            f"({_reason(error)})"
        )
    return _malformed(error)


def _malformed(error: Exception) -> UnreadableFileError:
    line = _line(error)
    where = f" at line {line}" if line else ""
    return UnreadableFileError(f"the XML is malformed{where}: {_reason(error)}")


@dataclass(frozen=True)
class _Start:
    """What the start of a document says: its root element."""

    tag: str
    """The root's tag as lxml writes it: ``{namespace}Message`` or ``Message``."""

    @property
    def local_name(self) -> str:
        return _LOCAL.sub("", self.tag)

    @property
    def namespace(self) -> str:
        found = re.match(r"^\{([^}]*)\}", self.tag)
        return found.group(1) if found else ""


def _start(stream: IO[bytes]) -> _Start:
    """The root element of ``stream``, reading only up to its start tag (and the
    chunk the parser reads at once); refuses a document with a DTD."""
    origin = stream.tell()
    head = stream.read(_PEEK_BYTES)
    stream.seek(origin)
    _refuse_declared_doctype(head)
    try:
        for _, element in etree.iterparse(stream, events=("start",), **_SAFE):
            _refuse_doctype(element)
            return _Start(str(element.tag))
    except etree.XMLSyntaxError as exc:
        raise _not_readable(exc, head) from None
    raise UnreadableFileError("the file is empty")  # pragma: no cover - lxml raises


def read_root(source: BinaryIO) -> str:
    """The local name of the root element of the XML in ``source`` (``Message``),
    reading only the start of the file."""
    return _start(source).local_name


# --- the header ------------------------------------------------------------------


def _steps(path: str) -> tuple[str, ...]:
    return tuple(step for step in path.strip("/").split("/") if step)


def read_header(source: BinaryIO, layout: XmlLayout) -> dict[str, str | None]:
    """The texts at ``layout``'s collection, year, reference date and LA elements
    (stripped; None where absent), reading only until the first unit element."""
    wanted: dict[tuple[str, ...], str] = {}
    for key in HEADER_KEYS:
        path = getattr(layout, key)
        if path:
            wanted.setdefault(_steps(path), key)
    found: dict[str, str | None] = dict.fromkeys(HEADER_KEYS)
    with _rewindable(source) as (stream, origin):
        head = stream.read(_PEEK_BYTES)
        stream.seek(origin)
        _refuse_declared_doctype(head)
        _header_texts(stream, head, wanted, _steps(layout.unit), found)
    return found


def _header_texts(
    stream: IO[bytes],
    head: bytes,
    wanted: dict[tuple[str, ...], str],
    unit: tuple[str, ...],
    found: dict[str, str | None],
) -> None:
    path: list[str] = []
    started = False
    try:
        for event, element in etree.iterparse(stream, events=("start", "end"), **_SAFE):
            if not started:
                _refuse_doctype(element)
                started = True
            if event == "start":
                path.append(_LOCAL.sub("", str(element.tag)))
                if tuple(path[1:]) == unit:
                    break
                continue
            key = wanted.get(tuple(path[1:]))
            if key is not None and found[key] is None:
                found[key] = (element.text or "").strip() or None
            path.pop()
            _forget(element)
            if wanted and all(found[k] is not None for k in wanted.values()):
                break
    except etree.XMLSyntaxError as exc:
        raise (_not_readable(exc, head) if not started else _malformed(exc)) from None


def _forget(element: Element) -> None:
    """Clear ``element`` and unlink the siblings before it (read and done with)."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


# --- compiling the schema into one tree of paths ---------------------------------
#
# Every table's record and every column's path become nodes of one tree of element
# names, rooted at the unit. One walk over a unit then touches each element that
# anything reads once, whatever number of tables read it.
#
# A column's value belongs to a *scope*: the record itself for paths going down
# from it, or the ancestor a path climbs to (``..``), or the unit (``/``). Values of
# the record's scope go straight into the record's row. A value of a wider scope is
# kept once per element of its scope, when that element has been walked (whether
# the value came before the rows inside it or after); each row records which
# element of the scope it was opened in, and the value is given to the rows in one
# gather when a batch is made.

_Kept = list[str | None]
"""A value of a wider scope, for each element of its scope walked in this batch."""


@dataclass(eq=False, slots=True)
class _Scoped:
    """A column of a table whose value is kept at a wider scope."""

    column: int
    kept: _Kept
    elements: list[int]
    """For each row of the batch, the element of the scope it is in (its position
    in :attr:`kept`)."""


@dataclass(eq=False, slots=True)
class _Table:
    """The rows of one table as they are read, in batches of Polars frames."""

    name: str
    headers: tuple[str, ...]
    width: int = 0
    laid: list[int] = field(default_factory=list)
    """The columns read into :attr:`cells` (all but the scoped), in their order
    there."""
    blank: tuple[None, ...] = ()
    """The cells of a new row (set by :meth:`_Plan.finish`)."""
    cells: list[str | None] = field(default_factory=list)
    """The cells of the rows read since the last batch, row after row. The open row
    is always the last: the cell of column ``i`` is :meth:`offset` from the end.
    The list is emptied in place by :meth:`flush`, so the walk's plan can hold it."""
    lines: list[int | None] = field(default_factory=list)
    scoped: list[_Scoped] = field(default_factory=list)
    """The columns of a wider scope."""
    links: list[tuple[_Kept, list[int]]] = field(default_factory=list)
    """For each scope the table's columns read: a value kept there (its length is
    the element of the scope being walked) and where each row records it."""
    frames: list[pl.DataFrame] = field(default_factory=list)
    """The batches kept in memory (when not spilled)."""
    spill: Path | None = None
    """The folder each batch is written to as a Parquet file, if any."""
    spilled: list[Path] = field(default_factory=list)
    writer: _Writer | None = None
    """Where batches are sent to be written, on a thread of its own."""

    def lay(self, column: int) -> None:
        """Read ``column`` into the table's cells."""
        if column not in self.laid:
            self.laid.append(column)

    def offset(self, column: int) -> int:
        """Where ``column``'s cell of the open row is, from the end of the cells."""
        return self.laid.index(column) - len(self.laid)

    def link(self, column: int, kept: _Kept, scope_kept: _Kept) -> None:
        """Read ``column`` from ``kept``, a value of the scope whose first kept
        value is ``scope_kept``."""
        found = [elements for first, elements in self.links if first is scope_kept]
        if not found:
            found.append([])
            self.links.append((scope_kept, found[0]))
        self.scoped.append(_Scoped(column, kept, found[0]))

    def flush(self) -> None:
        """Turn the rows gathered so far into a frame (trimmed; blank is null),
        kept or written to the spill folder (by the :attr:`writer`, if any)."""
        if not self.lines:
            return
        name = RawTable.position_name
        batch = partial(
            _batch,
            pl.Series("cells", self.cells, dtype=pl.String),
            [name(column) for column in self.laid],
            [
                (
                    name(scoped.column),
                    pl.Series("cells", scoped.kept, dtype=pl.String),
                    pl.Series(scoped.elements, dtype=pl.UInt32),
                )
                for scoped in self.scoped
            ],
            pl.Series(ROW, self.lines, dtype=pl.Int64),
            self.names,
        )
        self.cells.clear()
        self.lines.clear()
        for _, elements in self.links:
            elements.clear()
        if self.spill is None:
            self.frames.append(batch())
            return
        path = self.spill / f"{len(self.spilled):06d}.parquet"
        self.spilled.append(path)
        write = partial(_write_batch, batch, path)
        if self.writer is None:
            write()
        else:
            self.writer.submit(write)

    @property
    def names(self) -> list[str]:
        return [RawTable.position_name(i) for i in range(self.width)]

    @property
    def schema(self) -> dict[str, pl.DataType]:
        return {**dict.fromkeys(self.names, pl.String()), ROW: pl.Int64()}

    def raw(self, encoding: str) -> RawTable:
        self.flush()
        if self.frames:
            frame = pl.concat(self.frames, how="vertical", rechunk=False)
        else:
            frame = pl.DataFrame(schema=self.schema)
        self.frames = []
        return RawTable(headers=self.headers, frame=frame, encoding=encoding)

    def spilled_table(self, encoding: str) -> SpilledTable:
        self.flush()
        return SpilledTable(
            self.headers, tuple(self.spilled), self.schema, encoding=encoding
        )


_TEXT = pl.col("cells").str.strip_chars()
_TRIMMED = pl.when(_TEXT.str.len_bytes() > 0).then(_TEXT)
"""A cell's text stripped, blank as null."""


def _unpack(cells: pl.Series, names: list[str]) -> list[pl.Series]:
    """The rows laid out one after another in ``cells``, as the columns ``names``,
    trimmed (in one query)."""
    if not names:
        return []
    width = len(names)
    return (
        cells.to_frame()
        .select(_TRIMMED)
        .select(
            pl.col("cells").gather_every(width, offset).alias(name)
            for offset, name in enumerate(names)
        )
        .get_columns()
    )


def _batch(
    cells: pl.Series,
    laid: list[str],
    scoped: list[tuple[str, pl.Series, pl.Series]],
    lines: pl.Series,
    names: list[str],
) -> pl.DataFrame:
    """A batch of a table: the ``laid`` columns out of ``cells``, each scoped
    column's kept values given to its rows, and the lines."""
    columns = _unpack(cells, laid)
    for name, kept, elements in scoped:
        (values,) = _unpack(kept, [name])
        columns.append(values.gather(elements))
    return pl.DataFrame([*columns, lines]).select(*names, ROW)


def _write_batch(batch: Callable[[], pl.DataFrame], path: Path) -> None:
    batch().write_parquet(path, compression="lz4", statistics=False)


class _Writer:
    """Makes and writes batches to Parquet on a thread of its own while the walk
    reads on (Polars lets go of the interpreter while it works); a few batches
    wait at most, so memory stays a batch's."""

    WAITING = 16

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="cld-xml-batches")
        self._pending: deque[Future[None]] = deque()

    def submit(self, job: Callable[[], None]) -> None:
        while len(self._pending) >= self.WAITING:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(job))

    def close(self) -> None:
        """Wait for every batch (raising the first failure), then stop."""
        try:
            while self._pending:
                self._pending.popleft().result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


@dataclass(frozen=True)
class SpilledTable:
    """A table :func:`spill_tables` wrote to Parquet files, batch by batch."""

    headers: tuple[str, ...]
    paths: tuple[Path, ...]
    """The batches, in the file's order."""
    schema: dict[str, pl.DataType]
    encoding: str
    in_memory = False

    def lazy(self) -> pl.LazyFrame:
        if not self.paths:
            return pl.LazyFrame(schema=self.schema)
        return pl.scan_parquet(list(self.paths))

    @cached_property
    def height(self) -> int:
        """Rows in the table (read from the files' footers)."""
        return int(self.lazy().select(pl.len()).collect(engine=ENGINE).item())

    def rows(self, start: int, length: int) -> pl.DataFrame:
        return self.lazy().slice(start, length).collect(engine=ENGINE)


_GENERAL, _VALUE, _ONE, _RECORD = 0, 1, 2, 3
"""Kinds of node: anything; a value (no record, nothing below); a value read by one
column of its record's scope and nothing else; a record whose only columns here are
its own text."""

_Cell = tuple[list[str | None], int]
"""A column of a table's open row: the table's cells and the column's offset from
their end (negative)."""

_Row = tuple[
    list[str | None], tuple[None, ...], list[int | None], list[tuple[_Kept, list[int]]]
]
"""Where a table's new row goes: its cells, a blank row, its lines, and its links
to the scopes it is in (:attr:`_Table.links`)."""


@dataclass(eq=False, slots=True)
class _Node:
    """An element path from the anchor (the unit), and what is read there."""

    opens: list[_Table] = field(default_factory=list)
    """Tables whose record is this element: each visit opens a row."""
    cells: list[tuple[_Table, int]] = field(default_factory=list)
    """Columns of the record's own scope: the text goes into the table's open row."""
    scoped: list[tuple[int, int]] = field(default_factory=list)
    """(slot, depth) of values of a wider scope, kept for the scope at ``depth``."""
    kept: list[tuple[int, _Kept]] = field(default_factory=list)
    """(slot, values) of the values scoped here: each visit keeps one of each."""
    below: dict[str, _Node] = field(default_factory=dict)
    kind: int = _GENERAL
    """What the walk does here without a call of its own (set by :meth:`finish`)."""
    # What the walk reads, set by :meth:`finish` from the fields above:
    rows: list[_Row] = field(default_factory=list)
    """Of each table opened here, where a new row goes."""
    values: list[_Cell] = field(default_factory=list)
    """:attr:`cells` as places in the open rows."""
    takes: bool = False
    """Whether the element's own text is read (:attr:`cells` or :attr:`scoped`)."""
    target: list[str | None] = field(default_factory=list)
    offset: int = 0
    """The one place a node of kind ``_ONE`` is read into."""

    def finish(self) -> None:
        """Set the kind of this node, what it reads, and the same below it."""
        self.rows = [(t.cells, t.blank, t.lines, t.links) for t in self.opens]
        self.values = [(t.cells, t.offset(index)) for t, index in self.cells]
        self.takes = bool(self.values or self.scoped)
        if self.kept or self.below:
            self.kind = _GENERAL
        elif self.opens:
            opened = set(map(id, self.opens))
            own = not self.scoped and all(id(t) in opened for t, _ in self.cells)
            self.kind = _RECORD if own else _GENERAL
        elif len(self.values) == 1 and not self.scoped:
            self.kind = _ONE
            self.target, self.offset = self.values[0]
        else:
            self.kind = _VALUE
        for node in self.below.values():
            node.finish()

    def at(self, steps: tuple[str, ...]) -> _Node:
        node = self
        for step in steps:
            node = node.below.setdefault(step, _Node())
        return node


@dataclass
class _Plan:
    """How to read the tables anchored at one kind of element."""

    tree: _Node = field(default_factory=_Node)
    tables: list[_Table] = field(default_factory=list)
    depth: int = 0
    """The deepest scope, so the walk can keep one value store per depth."""
    from_root: list[tuple[_Table, int, tuple[str, ...]]] = field(default_factory=list)
    """Columns of tables outside the units whose path starts with ``/``: read from
    the root element, once per anchor."""
    slot_of: dict[tuple[tuple[str, ...], int], int] = field(default_factory=dict)
    """The slot of each value of a wider scope, by its path and the scope's depth."""
    scopes: list[dict[int, str | None]] = field(default_factory=list)
    """The values found for each depth of scope while a unit is walked."""
    kept: list[_Kept] = field(default_factory=list)
    """Every value of a wider scope kept in this batch (see :class:`_Scoped`)."""
    lines: list[list[int | None]] = field(default_factory=list)
    """The lines of each table's rows (one per row) in this batch."""

    def finish(self) -> None:
        self.lines = [rows.lines for rows in self.tables]
        for rows in self.tables:
            rows.blank = (None,) * len(rows.laid)
        self.tree.finish()
        self.scopes = [{} for _ in range(self.depth + 1)]
        nodes = [self.tree]
        while nodes:
            node = nodes.pop()
            self.kept.extend(values for _, values in node.kept)
            nodes.extend(node.below.values())

    def flush(self) -> None:
        """Make a batch of every table, between units (every scope closed)."""
        for rows in self.tables:
            rows.flush()
        for values in self.kept:
            values.clear()


def _qualify(namespace: str, steps: tuple[str, ...]) -> tuple[str, ...]:
    if not namespace:
        return steps
    return tuple(s if s in (_PARENT, _SELF) else f"{{{namespace}}}{s}" for s in steps)


def _normalise(
    start: tuple[str, ...], steps: tuple[str, ...], where: str
) -> tuple[tuple[str, ...], int]:
    """The path ``steps`` leads to from ``start``, and the shallowest depth on the
    way (the scope of the value)."""
    path = list(start)
    lowest = len(path)
    for step in steps:
        if step == _SELF:
            continue
        if step == _PARENT:
            if not path:
                raise SchemaDefinitionError(f"{where}: the path leaves the unit")
            path.pop()
            lowest = min(lowest, len(path))
        else:
            path.append(step)
    return tuple(path), lowest


def _add_table(plan: _Plan, table: TableSpec, record: tuple[str, ...], ns: str) -> None:
    """Put ``table`` (its record at ``record`` from the anchor) into ``plan``."""
    if any(step in (_PARENT, _SELF) for step in record):
        raise SchemaDefinitionError(
            f"table {table.name}: record {table.record!r} must be '.' or a path of "
            "element names"
        )
    rows = _Table(table.name, tuple(table.columns), len(table.columns))
    plan.tables.append(rows)
    plan.tree.at(record).opens.append(rows)
    for index, (name, column) in enumerate(table.columns.items()):
        path = column.path or name
        where = f"table {table.name}, column {name} ({path!r})"
        steps = _qualify(ns, tuple(s for s in path.split("/") if s))
        if path.startswith("/"):
            if table.record and table.record.startswith("/"):
                rows.lay(index)
                plan.from_root.append((rows, index, steps))
                continue
            target, scope = _normalise((), steps, where)
        else:
            target, scope = _normalise(record, steps, where)
        if scope >= len(record):
            rows.lay(index)
            plan.tree.at(target).cells.append((rows, index))
            continue
        kept_at = plan.tree.at(target[:scope]).kept
        slot = plan.slot_of.get((target, scope))
        if slot is None:  # one slot per value, however many tables copy it
            slot = plan.slot_of[target, scope] = len(plan.slot_of)
            plan.tree.at(target).scoped.append((slot, scope))
            kept_at.append((slot, []))
        kept = next(values for kept_slot, values in kept_at if kept_slot == slot)
        rows.link(index, kept, kept_at[0][1])
        plan.depth = max(plan.depth, scope)


# --- the walk ---------------------------------------------------------------------

_SHORT_LINES = 65535
"""libxml2 keeps an element's line in 16 bits: past this, it is worked out."""


def _start_line(element: Element) -> int | None:
    """The line of ``element``'s start tag.

    Past line 65535 libxml2 reports the line where the first text inside the
    element ends (or inside its first child, or the text after an empty element),
    so the newlines of that text are taken back.
    """
    reported: int | None = element.sourceline
    if reported is None or reported < _SHORT_LINES:
        return reported
    node = element
    for _ in range(5):  # as deep as libxml2 looks
        text = node.text
        if text:
            return reported - str(text).count("\n")
        if len(node) == 0:
            tail = node.tail
            return reported - str(tail).count("\n") if tail else reported
        node = node[0]
        if not isinstance(node.tag, str):  # a comment or processing instruction
            break
    return reported


def _visit(
    element: Element, node: _Node, depth: int, scopes: list[dict[int, str | None]]
) -> None:
    """Read ``element`` (at ``node``) and what is below it into the tables' rows:
    the hottest loop of a read."""
    if node.rows:
        _open(element, node.rows)
    if node.takes:
        _take(element.text, node, scopes)
    kept = node.kept
    if kept:
        scopes[depth] = {}
    below = node.below
    for child in element:
        inner = below.get(child.tag)
        if inner is None:
            continue
        # Most elements are a value, or a record of one value: no call for them.
        kind = inner.kind
        if kind == _ONE:
            cells = inner.target
            if cells[inner.offset] is None:
                cells[inner.offset] = child.text
        elif kind == _VALUE:
            _take(child.text, inner, scopes)
        elif kind == _RECORD:
            _open(child, inner.rows)
            text = child.text
            for cells, at in inner.values:
                cells[at] = text
        else:
            _visit(child, inner, depth + 1, scopes)
    if kept:
        values = scopes[depth]
        for slot, column in kept:
            column.append(values.get(slot))


def _open(element: Element, rows: list[_Row]) -> None:
    """Open a row of each table in ``rows`` for the record ``element``: its line
    (as :func:`_start_line` works it out, quickly for most), a blank row, and the
    element of each scope it is in."""
    line = element.sourceline
    if line >= _SHORT_LINES:
        text = element.text
        line = line - text.count("\n") if text else _start_line(element)
    for cells, blank, lines, links in rows:
        cells.extend(blank)
        lines.append(line)
        for first, elements in links:
            elements.append(len(first))


def _take(text: str | None, node: _Node, scopes: list[dict[int, str | None]]) -> None:
    """Keep ``text`` for every column that reads ``node``'s element."""
    for cells, at in node.values:
        if cells[at] is None:
            cells[at] = text
    for slot, scope in node.scoped:
        values = scopes[scope]
        if values.get(slot) is None:
            values[slot] = text


def _walk(plan: _Plan, anchor: Element, root: Element | None) -> None:
    """Read every row of ``plan``'s tables out of ``anchor``."""
    if plan.from_root:
        marks = [len(rows.cells) for rows, _, _ in plan.from_root]
    _visit(anchor, plan.tree, 0, plan.scopes)
    if plan.from_root:
        for (rows, index, steps), mark in zip(plan.from_root, marks, strict=True):
            value = _follow(root, steps) if root is not None else None
            width = len(rows.laid)
            for at in range(mark + rows.laid.index(index), len(rows.cells), width):
                rows.cells[at] = value
    if sum(map(len, plan.lines)) >= BATCH_ROWS:
        plan.flush()


def _follow(element: Element, steps: tuple[str, ...]) -> str | None:
    """The text at ``steps`` from ``element`` (first match at each step)."""
    for step in steps:
        if step == _PARENT:
            element = element.getparent()
        elif step != _SELF:
            element = next(element.iterchildren(step), None)
        if element is None:
            return None
    text: str | None = element.text
    return text


def _unit_tags(layout: XmlLayout, namespace: str) -> tuple[tuple[str, ...], str]:
    """The qualified containers from the root to the unit, and the unit's tag."""
    steps = _qualify(namespace, _steps(layout.unit))
    if not steps or any(step in (_PARENT, _SELF) for step in steps):
        raise SchemaDefinitionError(
            f"the XML unit {layout.unit!r} must be a path of element names"
        )
    return steps[:-1], steps[-1]


def _is_at(element: Element, containers: tuple[str, ...]) -> bool:
    """Whether ``element``'s ancestors are exactly ``containers`` under the root."""
    parent = element.getparent()
    for tag in reversed(containers):
        if parent is None or parent.tag != tag:
            return False
        parent = parent.getparent()
    return parent is not None and parent.getparent() is None


def read_tables(source: BinaryIO, spec: DatasetSpec) -> dict[str, RawTable]:
    """Every table of ``spec`` read from the XML return in ``source``.

    Each table has its columns in schema order (``headers``); every cell is the
    stripped text of its element, null when the element is missing or empty (of
    repeated elements, the first with text counts); :data:`ROW` is the line of the
    record's start tag, as issues report it.
    """
    tables, encoding = _read_source(source, spec, None)
    return {name: table.raw(encoding) for name, table in tables.items()}


def spill_tables(
    source: BinaryIO, spec: DatasetSpec, folder: Path
) -> dict[str, SpilledTable]:
    """Every table of ``spec`` read from ``source`` as :func:`read_tables` reads
    it, each written to Parquet files in ``folder`` (which must exist and which
    the caller removes) batch by batch as it is read."""
    tables, encoding = _read_source(source, spec, folder)
    return {name: table.spilled_table(encoding) for name, table in tables.items()}


def _read_source(
    source: BinaryIO, spec: DatasetSpec, spill: Path | None
) -> tuple[dict[str, _Table], str]:
    layout = spec.xml
    if layout is None:
        raise SchemaDefinitionError(f"{spec.name} has no XML layout")
    with _rewindable(source) as (stream, origin):
        start = _start(stream)
        stream.seek(origin)
        if start.local_name != layout.root:
            raise UnidentifiedFileError(
                f"this XML file's root element is <{start.local_name}>, but the "
                f"{spec.title} starts with <{layout.root}>"
            )
        return _read(stream, spec, layout, start.namespace, spill)


def _plans(
    spec: DatasetSpec, layout: XmlLayout, namespace: str
) -> tuple[_Plan, dict[str, _Plan]]:
    """The plan of the units, and of each top-level element tables outside the
    units are in (by its qualified tag)."""
    containers, unit_tag = _unit_tags(layout, namespace)
    units = _Plan()
    outside: dict[str, _Plan] = {}
    for table in spec.tables.values():
        record = _qualify(namespace, _steps(table.record or _SELF))
        if not (table.record or "").startswith("/"):
            _add_table(units, table, () if record == (_SELF,) else record, namespace)
            continue
        if not record or record[0] in (*containers[:1], unit_tag, _SELF, _PARENT):
            raise SchemaDefinitionError(
                f"table {table.name}: record {table.record!r} must be an element "
                f"outside the units ({layout.unit})"
            )
        _add_table(outside.setdefault(record[0], _Plan()), table, record[1:], namespace)
    for plan in (units, *outside.values()):
        plan.finish()
    return units, outside


def _read(
    stream: IO[bytes],
    spec: DatasetSpec,
    layout: XmlLayout,
    namespace: str,
    spill: Path | None,
) -> tuple[dict[str, _Table], str]:
    containers, unit_tag = _unit_tags(layout, namespace)
    units, outside = _plans(spec, layout, namespace)
    tables = {t.name: t for plan in (units, *outside.values()) for t in plan.tables}
    writer = None if spill is None else _Writer()
    if spill is not None:
        for number, table in enumerate(tables.values()):
            table.spill = spill / f"table-{number:02d}"  # names stay out of paths
            table.spill.mkdir()
            table.writer = writer
    encoding = "utf-8"
    collecting = gc.isenabled()
    gc.disable()  # rows are lists without cycles: tracing them is wasted time
    try:
        parse = etree.iterparse(
            stream, events=("end",), tag=sorted({unit_tag, *outside}), **_SAFE
        )
        for _, element in parse:
            tag = element.tag
            if tag == unit_tag and _is_at(element, containers):
                _walk(units, element, None)
                _forget(element)
            elif tag in outside and _is_at(element, ()):
                _walk(outside[tag], element, element.getparent())
                _forget(element)
        root = parse.root
        if root is not None:
            _refuse_doctype(root)
            encoding = str(root.getroottree().docinfo.encoding or encoding).lower()
        if writer is not None:
            for plan in (units, *outside.values()):
                plan.flush()
    except etree.XMLSyntaxError as exc:
        raise _malformed(exc) from None
    finally:
        if collecting:
            gc.enable()
        if writer is not None:
            writer.close()  # every batch written before the folder is read
    for table in tables.values():
        table.writer = None
    return {name: tables[name] for name in spec.tables}, encoding
