"""``cld init``, ``cld governance``, ``cld policy``, ``cld process``,
``cld retention`` and ``cld sessions`` as a person types them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from platform_builders import ssda903_files

from cld.cli.app import run
from cld.pipeline.atomic import sha256_of
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry import open_registry
from cld.pipeline.signed_documents import document_path


@pytest.fixture
def data_dir(tmp_path: Path, database: str) -> Path:
    folder = tmp_path / "data"
    assert run(["init", "--data-dir", str(folder), "--by", "admin"]) == 0
    return folder


def _json(capsys: pytest.CaptureFixture[str], args: list[str]) -> object:
    capsys.readouterr()
    assert run([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_init_is_idempotent_and_other_commands_need_it(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(["init", "--data-dir", str(data_dir)]) == 0
    assert "already a data area" in capsys.readouterr().out
    assert open_registry(DataArea(data_dir).registry_file).policy()[0].version == 1
    empty = tmp_path / "empty"
    assert run(["governance", "status", "--data-dir", str(empty)]) == 2
    assert "run `cld init" in capsys.readouterr().err.replace("\n", " ")


def test_sign_dpia_status_and_withdraw(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dd = ["--data-dir", str(data_dir)]
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(b"%PDF-1.7 synthetic agreement\n%%EOF\n")
    assert (
        run(
            [
                "governance",
                "sign",
                *dd,
                "--la",
                "Camden",
                "--use-case",
                "pan",
                "--on",
                "2026-04-01",
                "--signatory",
                "A. Officer",
                "--role",
                "DPO",
                "--document",
                str(pdf),
                "--isg-reference",
                "ISG-123",
            ]
        )
        == 0
    )
    assert (
        run(
            [
                "governance",
                "dpia",
                *dd,
                "--la",
                "CAM",
                "--status",
                "approved",
                "--covers",
                "pan",
                "--reviewer",
                "IG",
                "--on",
                "2026-04-02",
            ]
        )
        == 0
    )
    matrix = _json(capsys, ["governance", "status", *dd, "--on", "2026-06-01"])
    assert isinstance(matrix, dict)
    rows = {r["code"]: r for r in matrix["authorities"]}
    assert len(rows) == 33 and matrix["use_cases"] == [
        "equalities",
        "pan",
        "sufficiency",
    ]
    pan = rows["CAM"]["agreements"]["pan"]
    assert (pan["status"], pan["in_force"], pan["signatory"]) == (
        "signed",
        True,
        "A. Officer",
    )
    assert pan["expires_on"] == "2029-03-31"  # the use case's three-year term
    assert rows["CAM"]["dpia"]["status"] == "approved"
    assert rows["HAC"]["agreements"]["pan"] == {
        **rows["HAC"]["agreements"]["pan"],
        "status": "none",
        "in_force": False,
    }
    registry = open_registry(DataArea(data_dir).registry_file)
    assert registry.agreement("CAM", "pan").document_sha256 == sha256_of(pdf)
    kept = document_path(DataArea(data_dir), "CAM", "pan", sha256_of(pdf))
    assert kept.read_bytes() == pdf.read_bytes()
    assert run(["governance", "withdraw", *dd, "--la", "CAM", "--use-case", "pan"]) == 0
    matrix = _json(capsys, ["governance", "status", *dd])
    assert isinstance(matrix, dict)
    cam = next(r for r in matrix["authorities"] if r["code"] == "CAM")
    assert cam["agreements"]["pan"]["status"] == "withdrawn"
    assert run(["governance", "status", *dd]) == 0
    assert "withdrawn" in capsys.readouterr().out
    actions = [e.action for e in registry.events()]
    assert actions[-3:] == ["agreement_signed", "dpia_changed", "agreement_withdrawn"]
    capsys.readouterr()
    assert run(["audit", "verify", *dd]) == 0
    assert "the audit log is intact" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["governance", "sign", "--la", "XXX", "--use-case", "pan"],
            "unknown local authority",
        ),
        (
            ["governance", "sign", "--la", "CAM", "--use-case", "nope"],
            "unknown use case 'nope'",
        ),
        (
            [
                "governance",
                "sign",
                "--la",
                "CAM",
                "--use-case",
                "pan",
                "--on",
                "01/04/26",
            ],
            "not a date",
        ),
        (
            [
                "governance",
                "sign",
                "--la",
                "CAM",
                "--use-case",
                "pan",
                "--on",
                "2026-04-01",
                "--expires",
                "2026-01-01",
            ],
            "would end",
        ),
        (
            ["governance", "withdraw", "--la", "CAM", "--use-case", "pan"],
            "no pan agreement to withdraw",
        ),
        (
            [
                "governance",
                "dpia",
                "--la",
                "CAM",
                "--status",
                "approved",
                "--reviewer",
                "IG",
            ],
            "give --covers",
        ),
        (["governance", "dpia", "--la", "CAM", "--status", "done"], "not one of"),
    ],
)
def test_wrong_governance_commands_say_why_and_exit_2(
    data_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    capsys.readouterr()
    assert run([*args, "--data-dir", str(data_dir)]) == 2
    assert message in capsys.readouterr().err.replace("\n", " ")


def test_policy_export_apply_and_history(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dd = ["--data-dir", str(data_dir)]
    out = tmp_path / "policy.yaml"
    assert run(["policy", "export", *dd, "--out", str(out)]) == 0
    document = yaml.safe_load(out.read_text())
    document["use_cases"]["sufficiency"]["datasets"]["ssda903"]["header"]["UPN"] = (
        "keep"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(document))
    capsys.readouterr()
    assert run(["policy", "apply", str(bad), *dd, "--reason", "try"]) == 2
    assert "UPN (national identifier) cannot be keep" in capsys.readouterr().err
    del document["use_cases"]["sufficiency"]["datasets"]["ssda903"]["header"]["UPN"]
    document["use_cases"]["sufficiency"]["retention_years"] = 8
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(document))
    assert (
        run(["policy", "apply", str(good), *dd, "--reason", "longer", "--by", "dpo"])
        == 0
    )
    assert "version 2" in capsys.readouterr().out
    assert run(["policy", "apply", str(good), *dd, "--reason", "again"]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert run(["policy", "history", *dd]) == 0
    history = capsys.readouterr().out
    assert "longer" in history and "dpo" in history
    assert run(["policy", "export", *dd, "--version", "1"]) == 0
    assert "retention_years: 7" in capsys.readouterr().out
    assert (
        run(["policy", "apply", str(tmp_path / "missing.yaml"), *dd, "--reason", "x"])
        == 2
    )


def test_process_needs_the_key_and_prints_the_json_contract(
    data_dir: Path,
    synthetic: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dd = ["--data-dir", str(data_dir)]
    files = [
        str(p) for p in ssda903_files(synthetic, "CAM", 2024, "header", "episodes")
    ]
    monkeypatch.delenv("CLD_PSEUDONYM_KEY", raising=False)
    capsys.readouterr()
    assert run(["process", *dd, "--la", "CAM", *files]) == 2
    assert "CLD_PSEUDONYM_KEY is not set" in capsys.readouterr().err
    monkeypatch.setenv("CLD_PSEUDONYM_KEY", "too short")
    assert run(["process", *dd, "--la", "CAM", *files]) == 2
    assert "at least 32 bytes" in capsys.readouterr().err
    monkeypatch.setenv("CLD_PSEUDONYM_KEY", "k" * 48)
    payload = _json(capsys, ["process", *dd, "--la", "CAM", *files])
    assert isinstance(payload, dict) and set(payload) == {"session", "status", "files"}
    assert payload["status"] == "archived"
    validated = _json(capsys, ["validate", *files])
    assert isinstance(validated, dict)
    assert payload["files"] == validated["files"]
    other = [str(p) for p in ssda903_files(synthetic, "CAM", 2023, "header")]
    assert run(["process", *dd, "--la", "CAM", *other]) == 0
    screen = capsys.readouterr().out
    assert "No use case is in force" in screen and "archived" in screen
    assert run(["process", *dd, "--la", "CAM", "missing.csv"]) == 2
    assert run(["sessions", "list", *dd, "--la", "CAM"]) == 0
    assert payload["session"] in capsys.readouterr().out
    assert run(["sessions", "verify", *dd, payload["session"]]) == 0
    assert "intact" in capsys.readouterr().out
    folder = DataArea(data_dir).session_dir("CAM", payload["session"])
    (folder / "issues.csv").chmod(0o644)
    (folder / "issues.csv").write_text("changed")
    assert run(["sessions", "verify", *dd]) == 2
    assert "issues.csv: changed" in capsys.readouterr().out
    assert run(["sessions", "verify", *dd, "nope"]) == 2


def test_retention_command(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dd = ["--data-dir", str(data_dir)]
    result = _json(capsys, ["retention", "apply", *dd, "--on", "2030-01-01"])
    assert result == {"tables": [], "sessions": [], "leftovers": {}}
    assert run(["retention", "apply", *dd, "--dry-run"]) == 0
    assert "Would delete 0 published tables" in capsys.readouterr().out


def test_the_dpia_command_as_the_issue_writes_it(data_dir: Path) -> None:
    dd = ["--data-dir", str(data_dir)]
    assert run(["governance", "sign", *dd, "--la", "HAC", "--use-case", "pan"]) == 0
    approve = ["governance", "dpia", *dd, "--la", "HAC", "--status", "approved"]
    assert run([*approve, "--covers", "pan,sufficiency", "--by", "ig.officer"]) == 0
    registry = open_registry(DataArea(data_dir).registry_file)
    dpia = registry.dpia("HAC")
    assert dpia.reviewer == "ig.officer"
    assert dpia.covers == frozenset({"pan", "sufficiency"})
    assert dpia.approved_on is not None
    assert registry.permissions("HAC", dpia.approved_on).use_cases == {"pan"}


def test_a_signed_document_that_is_not_a_pdf_is_refused(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "signed.pdf"
    fake.write_bytes(b"PK\x03\x04 a zip named .pdf")
    code = run(
        [
            "governance",
            "sign",
            "--data-dir",
            str(data_dir),
            "--la",
            "ISL",
            "--use-case",
            "pan",
            "--document",
            str(fake),
        ]
    )
    assert code == 2
    assert "PDF" in capsys.readouterr().err
    registry = open_registry(DataArea(data_dir).registry_file)
    assert registry.agreement("ISL", "pan").status.value == "none"
