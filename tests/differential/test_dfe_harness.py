"""The harness the differential tests stand on: the DfE's SSDA903 validator run on
the platform's synthetic returns, its failures mapped to spreadsheet rows.

The platform does not yet run the DfE's rules (issue 17); these tests pin what
the comparison will rest on: the right ruleset for a year, every rule accounted
for (ran, skipped for want of a table, or crashed), and a failure reported on the
very row that breaks the rule.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from dfe_validators import run_dfe_ssda903

from cld.cli.app import run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def return_2025(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("synth")
    args = ["synth", "--out", str(out), "--la", "CAM", "--years", "2025"]
    assert run([*args, "--children", "60", "--datasets", "ssda903"]) == 0
    return sorted((out / "CAM").glob("*.csv"))


def test_every_rule_of_the_year_is_accounted_for(return_2025: list[Path]) -> None:
    answer = run_dfe_ssda903(return_2025, 2025)
    assert answer["ruleset"] == "lac2024_25"  # the year ending 31 March 2025
    rules = set(answer["rules"])
    accounted = set(answer["ran"]) | set(answer["skipped"]) | set(answer["crashed"])
    assert len(rules) > 250 and accounted == rules
    assert {"103", "392b", "SW01bSTG1", "INT06"} <= rules
    failed = Counter(f["rule"] for f in answer["failures"])
    assert set(failed) <= set(answer["ran"])


def test_a_failure_is_reported_on_the_row_that_breaks_the_rule(
    return_2025: list[Path], tmp_path: Path
) -> None:
    """Rule 103 (an ethnicity code that is not valid) on the header's fourth
    child: spreadsheet row 5, the header being row 1."""
    header = next(p for p in return_2025 if p.name.endswith("header.csv"))
    lines = header.read_text().splitlines()
    columns = lines[0].split(",")
    cells = lines[4].split(",")
    cells[columns.index("ETHNIC")] = "XXXX"
    lines[4] = ",".join(cells)
    broken = tmp_path / header.name
    broken.write_text("\n".join(lines) + "\n")
    files = [broken if p == header else p for p in return_2025]
    before = run_dfe_ssda903(return_2025, 2025, rules=["103"])
    after = run_dfe_ssda903(files, 2025, rules=["103"])
    assert before["ran"] == after["ran"] == ["103"]
    rows = {f["row"] for f in after["failures"] if f["table"] == "Header"}
    assert rows - {f["row"] for f in before["failures"]} == {5}
