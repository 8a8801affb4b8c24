"""The DPIA draft from a real registry: written as Markdown and Word, every field of
the signed use cases in the Word tables, uploads counted, wrong input refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import docx
import pytest
from docx.table import Table as WordTable
from docx.text.paragraph import Paragraph as WordParagraph

from cld.cli.dpia_draft_command import dpia_draft
from cld.engine.errors import UsageError
from cld.engine.transforms.derived import ALWAYS_KEPT
from cld.governance.agreements import DpiaStatus
from cld.governance.dpia import Bullets, Document, Paragraph, Section, Table, ToComplete
from cld.governance.dpia_sections import dataset_title
from cld.pipeline import dpia_document
from cld.pipeline.data_area import DataArea
from cld.pipeline.dpia_document import coverage_from_sessions, to_markdown
from cld.pipeline.registry import Registry, open_registry
from cld.pipeline.registry.store import SessionRecord
from cld.pipeline.session_status import SessionStatus

SIGNED_ON = dt.date(2025, 4, 1)
ON = "2025-06-01"
SIGNED = ("pan", "equalities")


def published(use_case: str, dataset: str, year: int, table: str, children: int):
    return {
        "use_case": use_case,
        "dataset": dataset,
        "year": year,
        "table": table,
        "rows": children * 3,
        "children": children,
        "columns": ["LA", "YEAR"],
    }


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    root = tmp_path / "data"
    area = DataArea(root)
    area.create()
    registry = open_registry(area.registry_file, must_exist=False)
    registry.create(by="test")
    for use_case in SIGNED:
        registry.sign("CAM", use_case, on=SIGNED_ON, by="test", signatory="A. Director")
    registry.set_dpia(
        "CAM",
        status=DpiaStatus.APPROVED,
        covers=frozenset(SIGNED),
        reviewer="IG board",
        by="test",
        on=SIGNED_ON,
    )
    registry.start_session(
        "s1",
        "CAM",
        by="test",
        received_at=dt.datetime(2025, 5, 1, tzinfo=dt.UTC),
        policy_version=1,
    )
    registry.finish_session(
        "s1",
        status=SessionStatus.PUBLISHED,
        by="test",
        summary={
            "published": [
                published("pan", "ssda903", 2024, "header", 412),
                published("pan", "ssda903", 2024, "episodes", 398),
                published("equalities", "cin_census", 2024, "children", 2875),
            ]
        },
    )
    return root


def registry_of(data_dir: Path) -> Registry:
    return open_registry(DataArea(data_dir).registry_file)


def field_tables(path: Path) -> dict[tuple[str, str], WordTable]:
    """The Word file's tables by (the heading above, the caption above)."""
    heading = caption = ""
    found: dict[tuple[str, str], WordTable] = {}
    for item in docx.Document(str(path)).iter_inner_content():
        if isinstance(item, WordParagraph):
            style = item.style.name if item.style is not None else ""
            if style.startswith("Heading"):
                heading, caption = item.text, ""
            elif item.runs and item.runs[0].bold:
                caption = item.text
        elif caption:
            found[(heading, caption)] = item
            caption = ""
    return found


def test_the_word_draft_lists_every_field_of_the_signed_use_cases(data_dir, capsys):
    out = data_dir.parent / "drafts" / "CAM DPIA.docx"
    assert dpia_draft(data_dir, "CAM", out, ON) == 0
    assert f"to {out}" in capsys.readouterr().out
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]
    tables = field_tables(out)
    version, policy = registry_of(data_dir).policy()
    checked = 0
    for name in SIGNED:
        use_case = policy.use_case(name)
        for dataset, table_rules in use_case.datasets.items():
            title = dataset_title(dataset)
            for table in table_rules:
                word = tables[(f"{use_case.title}: {title}", f"{title}, table {table}")]
                rows = {
                    row.cells[0].text: [c.text for c in row.cells] for row in word.rows
                }
                assert rows["Field"][3] == "Treatment"
                for column in ALWAYS_KEPT:
                    assert column in rows
                for column, rule in use_case.kept(dataset, table).items():
                    assert rule.treatment.describe in rows[column][3], column
                    checked += 1
    assert checked > 300
    document = docx.Document(str(out))
    assert version.sha256 in document.sections[0].footer.paragraphs[0].text
    assert (
        document.core_properties.title
        == "Data Protection Impact Assessment (draft): Camden"
    )
    assert any(version.sha256 in p.text for p in document.paragraphs[:4])
    purpose = policy.use_case("sufficiency").purpose
    assert not any(purpose in p.text for p in document.paragraphs)


def test_the_markdown_draft_has_the_fields_the_uploads_and_the_hash(data_dir):
    out = data_dir.parent / "CAM.md"
    assert dpia_draft(data_dir, "Camden", out, ON) == 0
    text = out.read_text(encoding="utf-8")
    version, policy = registry_of(data_dir).policy()
    assert version.sha256 in text.splitlines()[4]  # the title block
    assert text.rstrip().endswith(f"SHA-256 {version.sha256}*")  # the footer
    for name in SIGNED:
        for dataset, tables in policy.use_case(name).datasets.items():
            for table, rules in tables.items():
                assert f"**{dataset_title(dataset)}, table {table}**" in text
                for column in rules:
                    assert f"| {column} |" in text
    assert (
        f"| {dataset_title('ssda903')} | 2024 | 2024: 412 |" in text
    )  # the most children in one table
    assert f"| {dataset_title('cin_census')} | 2024 | 2024: 2,875 |" in text
    assert f"| {dataset_title('annex_a')} | no data received yet |" in text
    assert policy.use_case("sufficiency").purpose not in text
    assert "> **To be completed by the authority:** Data Protection Officer" in text


def test_an_authority_with_nothing_signed_gets_a_draft_of_today_saying_so(data_dir):
    out = data_dir.parent / "HAC.md"
    assert dpia_draft(data_dir, "HAC", out, None) == 0
    text = out.read_text(encoding="utf-8")
    assert "Hackney has not signed a Data Protection Agreement for any use case" in text
    assert "Use cases the authority could join" in text
    assert f"Hackney DPIA draft of {dt.date.today().isoformat()}" in text


def test_a_folder_as_the_output_is_refused(data_dir):
    folder = data_dir.parent / "draft.md"
    folder.mkdir()
    with pytest.raises(UsageError, match="is a folder"):
        dpia_draft(data_dir, "CAM", folder, ON)


@pytest.mark.parametrize("name", ["CAM.pdf", "CAM", "CAM.doc"])
def test_a_file_name_that_is_not_docx_or_md_is_refused(data_dir, name):
    out = data_dir.parent / name
    with pytest.raises(UsageError, match=r"name a \.docx file \(Word\) or a \.md"):
        dpia_draft(data_dir, "CAM", out, ON)
    assert not out.exists()


def test_an_unknown_authority_is_refused(data_dir):
    with pytest.raises(UsageError, match="unknown local authority 'Atlantis'"):
        dpia_draft(data_dir, "Atlantis", data_dir.parent / "x.md", ON)


def test_a_folder_that_is_not_a_data_area_is_refused(tmp_path):
    with pytest.raises(UsageError, match="is not a data area"):
        dpia_draft(tmp_path, "CAM", tmp_path / "x.md", ON)


def test_a_day_that_is_not_a_date_is_refused(data_dir):
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        dpia_draft(data_dir, "CAM", data_dir.parent / "x.md", "1 June")


def test_a_failed_write_leaves_the_previous_draft_whole(data_dir, monkeypatch):
    out = data_dir.parent / "CAM.docx"
    out.write_bytes(b"the previous draft")

    def broken(doc: Document, path: Path) -> None:
        path.write_bytes(b"half a dr")
        raise OSError("disk full")

    monkeypatch.setattr(dpia_document, "write_docx", broken)
    with pytest.raises(OSError, match="disk full"):
        dpia_draft(data_dir, "CAM", out, ON)
    assert out.read_bytes() == b"the previous draft"
    assert sorted(p.name for p in out.parent.iterdir()) == ["CAM.docx", "data"]


def session(n: int, status: str, summary: object) -> SessionRecord:
    return SessionRecord(
        id=f"s{n}",
        la="CAM",
        status=status,
        submitted_by="test",
        received_at=dt.datetime(2025, 5, n, tzinfo=dt.UTC),
        finished_at=None,
        policy_version=1,
        summary=summary,  # type: ignore[arg-type]
    )


def test_coverage_keeps_the_latest_upload_and_the_most_children_in_a_table():
    sessions = [
        session(
            2,
            "published",
            {"published": [published("pan", "ssda903", 2024, "header", 35)]},
        ),
        session(
            1,
            "published",
            {
                "published": [
                    published("pan", "ssda903", 2024, "header", 40),
                    published("pan", "ssda903", 2024, "episodes", 38),
                    published("pan", "ssda903", 2023, "header", 30),
                ]
            },
        ),
        session(
            3, "failed", {"published": [published("pan", "ssda903", 2025, "header", 9)]}
        ),
        session(4, "published", None),
        session(5, "published", {"published": "not a list"}),
        session(
            6,
            "published",
            {
                "published": [
                    "not an entry",
                    {**published("pan", "ssda903", 2022, "header", 1), "year": "2022"},
                    {
                        **published("pan", "cin_census", 2022, "children", 1),
                        "children": None,
                    },
                    published("pan", "cin_census", 2022, "cin_episodes", 7),
                    {
                        **published("pan", "annex_a", 2022, "list_1", 1),
                        "children": True,
                    },
                ]
            },
        ),
    ]
    coverage = {
        (c.use_case, c.dataset): c.years for c in coverage_from_sessions(sessions)
    }
    assert [(y.year, y.children) for y in coverage[("pan", "ssda903")]] == [
        (2023, 30),
        (2024, 38),
    ]
    assert [(y.year, y.children) for y in coverage[("pan", "cin_census")]] == [
        (2022, 7)
    ]
    assert [(y.year, y.children) for y in coverage[("pan", "annex_a")]] == [
        (2022, None)
    ]


def test_markdown_keeps_table_cells_whole():
    doc = Document(
        "Title",
        ("stamp",),
        (
            Section(
                "Part",
                (
                    Paragraph("text"),
                    Bullets(("one", "two")),
                    Table(("a", "b"), (("x | y", "line\nbreak"),), caption="Cap"),
                    ToComplete("Name."),
                ),
                level=2,
            ),
        ),
        "footer",
    )
    text = to_markdown(doc)
    assert "### Part" in text
    assert "| x \\| y | line break |" in text
    assert "- one\n- two" in text
    assert "**Cap**" in text
