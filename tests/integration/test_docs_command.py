"""`cld docs` writes the generated reference pages."""

from __future__ import annotations

from cld.cli.app import run
from cld.engine.reference_docs import reference_pages


def test_docs_writes_every_page(tmp_path, capsys):
    assert run(["docs", "--out", str(tmp_path / "ref")]) == 0
    pages = reference_pages()
    assert sorted(p.name for p in (tmp_path / "ref").iterdir()) == sorted(pages)
    for name, text in pages.items():
        assert (tmp_path / "ref" / name).read_text(encoding="utf-8") == text
    assert "wrote" in capsys.readouterr().out
