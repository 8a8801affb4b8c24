"""The committed reference pages are what the code and schemas generate."""

from __future__ import annotations

from pathlib import Path

import pytest

from cld.engine.issues import IssueCode
from cld.engine.reference_docs import reference_pages

DOCS = Path(__file__).parents[3] / "docs" / "reference"


@pytest.mark.parametrize(("name", "text"), list(reference_pages().items()))
def test_committed_page_is_up_to_date(name, text):
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == text, f"docs/reference/{name} is stale: run `cld docs`"


def test_every_issue_code_is_documented():
    page = reference_pages()["issue-codes.md"]
    for code in IssueCode:
        assert f"`{code}`" in page
