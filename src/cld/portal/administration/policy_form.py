"""The policy edit form: a YAML document typed or uploaded, read as hostile input
(a size cap; no anchors, aliases or deep nesting; ``yaml.safe_load``), then
checked by the governance rules (``policy_from_document``), every problem
listed."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.core.files.uploadedfile import UploadedFile

from cld.engine.errors import PolicyError
from cld.governance.policy import Policy, policy_from_document
from cld.pipeline.registry.store import PolicyVersion
from cld.portal.forms import GovukForm, reason_field

MAX_POLICY_BYTES = 256 * 1024
"""The largest policy document read (the default policy is about 34 KB)."""
MAX_DEPTH = 16
"""The deepest nesting read (a policy needs 6: use case, datasets, dataset, table,
column, rule)."""
_OPENS = (
    yaml.BlockMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.FlowSequenceStartToken,
)
_CLOSES = (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)


def parse_policy(text: str) -> tuple[Policy | None, list[str]]:
    """The policy ``text`` holds, or None and every problem found, worded."""
    size = len(text.encode("utf-8"))
    if size > MAX_POLICY_BYTES:
        return None, [
            f"The policy is {size // 1024} KB; the most read is "
            f"{MAX_POLICY_BYTES // 1024} KB"
        ]
    try:
        problem = _shape_problem(text)
        if problem:
            return None, [problem]
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return None, [_yaml_problem(exc)]
    if not isinstance(data, dict):
        return None, ["The policy must be a YAML mapping that starts with use_cases:"]
    try:
        return policy_from_document(data, check=True), []
    except PolicyError as exc:
        return None, _problems(str(exc))


def _shape_problem(text: str) -> str | None:
    """Refuse what could make reading cost far more than the text's size:
    anchors and aliases (a few lines can stand for millions of values) and deep
    nesting. One pass over the tokens, before anything is built."""
    depth = 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
            return (
                "The policy uses YAML anchors or aliases (& or *): write each value "
                "out in full"
            )
        if isinstance(token, _OPENS):
            depth += 1
            if depth > MAX_DEPTH:
                return f"The policy is nested more than {MAX_DEPTH} levels deep"
        elif isinstance(token, _CLOSES):
            depth -= 1
    return None


def _yaml_problem(error: yaml.YAMLError) -> str:
    """Where the YAML goes wrong and how, without quoting the document."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return (
            f"The policy is not valid YAML: line {mark.line + 1}, column "
            f"{mark.column + 1}: {error.problem or error.context or 'cannot be read'}"
        )
    return f"The policy is not valid YAML: {' '.join(str(error).split())[:200]}"


def _problems(message: str) -> list[str]:
    """A :class:`PolicyError`'s message ("the policy is not allowed:" and a line
    per problem) as one sentence per problem."""
    head, *lines = message.splitlines()
    lead = head[:1].upper() + head[1:]
    return [f"{lead} {line[2:]}" for line in lines if line.startswith("- ")] or [lead]


class PolicyForm(GovukForm):
    """The edited policy and why it changes. ``current`` is the version in force
    now; the version the page was opened at comes back in ``base_version``, so an
    edit made over someone else's newer version is refused."""

    document = forms.CharField(
        label="The policy (YAML)",
        required=False,
        strip=False,
        help_text="As `cld policy export` writes it. Edit it here, or upload a file.",
        widget=forms.Textarea(
            attrs={"rows": 30, "spellcheck": "false", "autocapitalize": "off"}
        ),
    )
    upload = forms.FileField(
        label="Or upload a policy file (YAML)",
        required=False,
        help_text="When you upload a file, it is used instead of the text above.",
        widget=forms.FileInput(attrs={"accept": ".yaml,.yml,application/yaml"}),
    )
    reason = reason_field(
        "Why the policy changes",
        longest=2000,
        rows=3,
        hint="Recorded with the new version and in the audit log.",
    )
    base_version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={
            "required": "Open the page again: the version it was opened at is missing",
            "invalid": "Open the page again: the version it was opened at is wrong",
            "min_value": "Open the page again: the version it was opened at is wrong",
        },
    )

    def __init__(self, *args: Any, current: PolicyVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        self.policy: Policy | None = None
        self.unchanged = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload: UploadedFile[bytes] | None = data.get("upload")
        where = "upload" if upload else "document"
        text = _read(upload) if upload else data.get("document", "")
        if text is None:
            self.add_error(
                "upload",
                f"The file must be UTF-8 text of at most {MAX_POLICY_BYTES // 1024} KB",
            )
            return data
        if not text.strip():
            self.add_error("document", "Enter the policy, or upload a policy file")
            return data
        policy, problems = parse_policy(text)
        for problem in problems:
            self.add_error(where, problem)
        if policy is None:
            return data
        self.policy = policy
        if policy.sha256 == self.current.sha256:
            self.unchanged = True
            return data
        if data.get("base_version") not in (None, self.current.version):
            self.add_error(
                None,
                f"The policy changed while you edited it: version "
                f"{self.current.version} by {self.current.created_by} is in force "
                "now. Start again from it",
            )
        if not data.get("reason", "").strip():
            self.add_error("reason", "Enter why the policy changes")
        return data


def _read(upload: UploadedFile[bytes]) -> str | None:
    """The uploaded file's text, or None when it is too large or not UTF-8 (read
    no further than the cap)."""
    raw = bytes(upload.read(MAX_POLICY_BYTES + 1))
    if len(raw) > MAX_POLICY_BYTES:
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
