"""An authority's DPIA draft, gathered from the registry and written as Markdown or
Word (``.docx``).

:func:`dpia_inputs` reads what :func:`cld.governance.dpia.build_dpia` needs: the
authority, the policy in force and its hash, the authority's agreements and DPIA,
and the years and children of its published uploads. :func:`to_markdown` and
:func:`write_docx` render a :class:`~cld.governance.dpia.Document`;
:func:`write_dpia_draft` does all three and replaces the output file in one step
(:func:`cld.pipeline.atomic.write_atomically`), so a reader never sees half a draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeGuard

import docx
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import Table as WordTable

from cld.engine.errors import UsageError
from cld.governance.dpia import (
    Block,
    Bullets,
    DatasetCoverage,
    Document,
    DpiaInputs,
    Paragraph,
    ToComplete,
    YearCoverage,
    build_dpia,
)
from cld.governance.dpia_model import TO_COMPLETE
from cld.pipeline.atomic import write_atomically
from cld.pipeline.registry import Registry
from cld.pipeline.registry.store import SessionRecord

PUBLISHED = "published"
"""The status of a session whose tables were published."""
SUFFIXES = (".docx", ".md")


# -- gathering -----------------------------------------------------------------


def dpia_inputs(registry: Registry, la_code: str, today: dt.date) -> DpiaInputs:
    """Everything the DPIA draft of ``la_code`` is built from, on ``today``."""
    authority = registry.authority(la_code)
    version, policy = registry.policy()
    return DpiaInputs(
        authority=authority,
        policy_version=version.version,
        policy_sha256=version.sha256,
        policy=policy,
        agreements={
            name: registry.agreement(authority.code, name) for name in policy.use_cases
        },
        dpia=registry.dpia(authority.code),
        coverage=coverage_from_sessions(registry.sessions(authority.code)),
        generated_on=today,
    )


def coverage_from_sessions(
    sessions: Iterable[SessionRecord],
) -> tuple[DatasetCoverage, ...]:
    """The years and children per use case and return, from published sessions.

    A later upload of the same table and year replaces an earlier one. A year's
    children are the most distinct children in any one of its tables (tables
    count the same child once each, so they cannot be added up).
    """
    latest: dict[tuple[str, str, int, str], int | None] = {}
    for session in sorted(sessions, key=lambda s: (s.received_at, s.id)):
        if session.status != PUBLISHED or not isinstance(session.summary, dict):
            continue
        entries = session.summary.get("published")
        for entry in entries if isinstance(entries, list) else ():
            key = _entry_key(entry)
            if key is not None:
                children = entry.get("children")
                latest[key] = children if _is_int(children) else None
    years: dict[tuple[str, str], dict[int, int | None]] = {}
    for (use_case, dataset, year, _table), children in latest.items():
        found = years.setdefault((use_case, dataset), {})
        found[year] = _most(found[year], children) if year in found else children
    return tuple(
        DatasetCoverage(
            use_case=use_case,
            dataset=dataset,
            years=tuple(YearCoverage(y, c) for y, c in sorted(counts.items())),
        )
        for (use_case, dataset), counts in sorted(years.items())
    )


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _entry_key(entry: Any) -> tuple[str, str, int, str] | None:
    if not isinstance(entry, dict):
        return None
    use_case, dataset = entry.get("use_case"), entry.get("dataset")
    year, table = entry.get("year"), entry.get("table")
    if not (
        isinstance(use_case, str)
        and isinstance(dataset, str)
        and isinstance(table, str)
        and _is_int(year)
    ):
        return None
    return use_case, dataset, year, table


def _most(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return b if a is None else a
    return max(a, b)


# -- Markdown ------------------------------------------------------------------


def to_markdown(doc: Document) -> str:
    """The document as Markdown (GitHub-flavoured tables)."""
    lines = [f"# {doc.title}", ""]
    for line in doc.stamp:
        lines += [line, ""]
    for section in doc.sections:
        lines += [f"{'#' * (section.level + 1)} {section.heading}", ""]
        for block in section.blocks:
            lines += [*_markdown_block(block), ""]
    lines += ["---", "", f"*{doc.footer}*", ""]
    return "\n".join(lines)


def _markdown_block(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, Bullets):
        return [f"- {item}" for item in block.items]
    if isinstance(block, ToComplete):
        return [f"> **{TO_COMPLETE}:** {block.prompt}", ">", "> ..."]
    lines = [f"**{block.caption}**", ""] if block.caption else []
    lines.append(_markdown_row(block.header))
    lines.append("|" + "|".join(" --- " for _ in block.header) + "|")
    lines.extend(_markdown_row(row) for row in block.rows)
    return lines


def _markdown_row(cells: Iterable[str]) -> str:
    text = (c.replace("|", "\\|").replace("\n", " ") for c in cells)
    return "| " + " | ".join(text) + " |"


# -- Word ----------------------------------------------------------------------


def write_docx(doc: Document, path: Path) -> None:
    """Write the document as a Word file (landscape A4, for the wide field tables)."""
    word = docx.Document()
    page = word.sections[0]
    page.orientation = WD_ORIENT.LANDSCAPE
    page.page_width, page.page_height = Mm(297), Mm(210)
    page.footer.paragraphs[0].text = doc.footer
    properties = word.core_properties
    properties.title = doc.title
    properties.author = "Child Level Data platform"
    properties.comments = doc.footer
    word.add_heading(doc.title, level=0)
    for line in doc.stamp:
        word.add_paragraph(line)
    for section in doc.sections:
        word.add_heading(section.heading, level=min(section.level, 9))
        for block in section.blocks:
            _docx_block(word, block)
    word.save(str(path))


def _docx_block(word: WordDocument, block: Block) -> None:
    if isinstance(block, Paragraph):
        word.add_paragraph(block.text)
    elif isinstance(block, Bullets):
        for item in block.items:
            word.add_paragraph(item, style="List Bullet")
    elif isinstance(block, ToComplete):
        box = word.add_table(rows=1, cols=1)
        box.style = "Table Grid"
        cell = box.cell(0, 0)
        cell.paragraphs[0].add_run(f"{TO_COMPLETE}: ").bold = True
        cell.paragraphs[0].add_run(block.prompt)
        cell.add_paragraph("")
        _shade(box, "F2F2F2")
        word.add_paragraph("")
    else:
        if block.caption:
            word.add_paragraph().add_run(block.caption).bold = True
        _docx_table(word, block.header, block.rows)


def _docx_table(
    word: WordDocument, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]
) -> None:
    table = word.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    for row, values in zip(table.rows[1:], rows, strict=True):
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = text


def _shade(table: WordTable, colour: str) -> None:
    for cell in table._cells:
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), colour)
        cell._tc.get_or_add_tcPr().append(shading)


# -- the draft -----------------------------------------------------------------


def write_dpia_draft(registry: Registry, la: str, out: Path, today: dt.date) -> Path:
    """Write the DPIA draft of ``la`` to ``out`` (``.docx`` or ``.md``); the path."""
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        given = f"a {out.suffix} file" if out.suffix else "a name without a suffix"
        raise UsageError(
            f"cannot write the DPIA draft to {out}: name a .docx file (Word) or a "
            f".md file (Markdown), not {given}"
        )
    if out.is_dir():
        raise UsageError(f"{out} is a folder; name the DPIA draft file to write")
    document = build_dpia(dpia_inputs(registry, la, today))

    def write(path: Path) -> None:
        if suffix == ".docx":
            write_docx(document, path)
        else:
            path.write_text(to_markdown(document), encoding="utf-8")

    return write_atomically(out, write)
