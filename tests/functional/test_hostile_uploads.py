"""Hostile uploads through the installed `cld` command: each is refused with a
specific reason, exit 2, no traceback, in bounded memory, and the good file beside
it is still reported."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from xlsx_builders import sparse_workbook

pytestmark = pytest.mark.functional

CLD = shutil.which("cld", path=str(Path(sys.executable).parent))
GOOD_NAME = "SSDA903_2024_header.csv"
GOOD = b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/01/2010,WBRI,A123456789012,,\n"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Message><Header><CollectionDetails><Collection>&lol9;</Collection></CollectionDetails></Header></Message>
"""


def xxe(secret: Path) -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE m [ <!ENTITY xxe SYSTEM "file://'
        + str(secret).encode()
        + b'"> ]>\n<Message><Header><CollectionDetails><Collection>&xxe;'
        b"</Collection></CollectionDetails></Header></Message>\n"
    )


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            block = b"\0" * 2**20
            for _ in range(600):  # 600 MiB of zeros, about 600 KB compressed
                sheet.write(block)
    return buffer.getvalue()


MEASURED = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stdout.write(done.stdout)\n"
    "sys.stderr.write(done.stderr)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "sys.stderr.write(f'\\npeak-kib={peak}\\n')\n"
    "sys.exit(done.returncode)\n"
)
"""Runs a command in a process of its own and reports the command's peak memory:
``RUSAGE_CHILDREN`` of the test process would be the largest of every child any
test has run so far, not this one's."""


def cld_json(
    tmp_path: Path, name: str, data: bytes
) -> tuple[int, dict[str, Any], str, int]:
    (tmp_path / name).write_bytes(data)
    (tmp_path / GOOD_NAME).write_bytes(GOOD)
    assert CLD is not None
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, CLD, "validate", "--json", name, GOOD_NAME],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    stderr, _, peak = result.stderr.rpartition("peak-kib=")
    assert "Traceback" not in stderr + result.stdout
    bad, good = json.loads(result.stdout)["files"]
    assert good["error"] is None and good["tables"] == {"header": 1}
    return result.returncode, bad, stderr, int(peak) // 1024


def test_billion_laughs_is_refused_not_expanded(tmp_path):
    code, bad, _, peak_mib = cld_json(tmp_path, "CIN_2024.xml", BILLION_LAUGHS)
    assert code == 2
    assert "DTD" in bad["error"]
    assert peak_mib < 500


def test_external_entities_are_never_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    code, bad, stderr, _ = cld_json(tmp_path, "CIN_2024.xml", xxe(secret))
    assert code == 2
    assert "DTD" in bad["error"]
    assert "TOP-SECRET-VALUE" not in json.dumps(bad) + stderr


def test_truncated_xml_names_the_line(tmp_path):
    data = b'<?xml version="1.0"?>\n<Message>\n  <Header>\n    <Collection>CIN'
    code, bad, _, _ = cld_json(tmp_path, "CIN_2024.xml", data)
    assert code == 2
    assert "line" in bad["error"]


def test_zip_bomb_is_refused_before_decompressing(tmp_path):
    code, bad, _, peak_mib = cld_json(tmp_path, "Annex_A_2024.xlsx", zip_bomb())
    assert code == 2
    assert "zip bomb" in bad["error"] or "too large" in bad["error"]
    assert peak_mib < 500


@pytest.mark.parametrize(
    ("far_cell", "span"),
    [
        ("XFD1048576", "A1:XFD1048576 (17 billion cells)"),
        ("AN1000000", "A1:AN1000000 (40 million cells)"),
    ],
)
def test_a_tiny_workbook_with_a_far_away_cell_is_refused(tmp_path, far_cell, span):
    # 1.5 KB; calamine would build a range of every cell between the two, and
    # the allocation would abort the process (exit 134) or take gigabytes
    data = sparse_workbook({"A1": "Child Unique ID", far_cell: "x"}, dimension="A1:B2")
    assert len(data) < 2000
    code, bad, _, peak_mib = cld_json(tmp_path, "Annex_A_2024.xlsx", data)
    assert code == 2
    assert f"the sheet 'List 1' spans {span}" in bad["error"]
    assert peak_mib < 500


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04 this is not really a zip", b"just text pretending"]
)
def test_a_workbook_that_is_not_a_zip(tmp_path, data):
    code, bad, _, _ = cld_json(tmp_path, "Annex_A_2024.xlsx", data)
    assert code == 2
    assert bad["error"]
