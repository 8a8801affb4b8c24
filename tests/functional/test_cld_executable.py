"""The installed `cld` command, run as a person types it: no tracebacks, right codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.functional

CLD = shutil.which("cld", path=str(Path(sys.executable).parent))


def cld(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert CLD is not None, "the cld command is installed next to python"
    return subprocess.run(
        [CLD, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_bad_files_exit_2_without_a_traceback(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "junk.csv").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "SSDA903_2024_header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/01/2010,WBRI,A123456789012,,\n"
    )
    result = cld(
        "validate",
        "--json",
        "empty.csv",
        "junk.csv",
        "SSDA903_2024_header.csv",
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    errors = [f["error"] for f in json.loads(result.stdout)["files"]]
    assert errors == [
        "the file is empty",
        "this is not a text (CSV) file: it holds binary data",
        None,
    ]


def test_usage_errors_exit_2(tmp_path):
    result = cld("validate", "--year", "soon", "x.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert "is not a collection year" in result.stderr
    assert "Traceback" not in result.stderr
    assert cld("no-such-command", cwd=tmp_path).returncode == 2
