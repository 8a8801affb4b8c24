"""The processing policy: the version in force (who, when, why), its history, a
read-only summary of each use case, the YAML download (as ``cld policy export``
writes it; recorded as a download) and the edit page (``registry.set_policy``
records each new version with its reason)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from cld.engine.errors import UsageError
from cld.governance.policy import Policy, policy_to_yaml
from cld.governance.use_case import UseCase
from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.accounts.access import requires
from cld.portal.accounts.roles import Permission
from cld.portal.administration.policy_form import MAX_POLICY_BYTES, PolicyForm
from cld.portal.audit import client_ip, record
from cld.portal.data_area import registry


@requires(Permission.ADMINISTER)
@require_GET
def policy(request: HttpRequest) -> HttpResponse:
    found = registry()
    current, in_force = found.policy()
    return render(
        request,
        "portal/administration/policy.html",
        {
            "current": current,
            "history": list(reversed(found.policy_history())),
            "policy": in_force,
            "use_cases": use_case_summaries(in_force),
        },
    )


@requires(Permission.ADMINISTER)
@require_GET
def policy_download(request: HttpRequest) -> HttpResponse:
    """The policy in force as YAML, an attachment; recorded as a download."""
    current, in_force = registry().policy()
    name = f"policy-v{current.version}.yaml"
    record(
        request,
        AuditAction.DOWNLOAD,
        by=request.user.get_username(),
        detail={
            "file": name,
            "policy_version": current.version,
            "sha256": current.sha256,
        },
    )
    response = HttpResponse(
        policy_to_yaml(in_force).encode("utf-8"),
        content_type="application/yaml; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires(Permission.ADMINISTER)
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest) -> HttpResponse:
    found = registry()
    current, in_force = found.policy()
    if request.method == "GET":
        form = PolicyForm(
            initial={
                "document": policy_to_yaml(in_force),
                "base_version": current.version,
            },
            current=current,
        )
        return _edit_page(request, form, current.version)
    form = PolicyForm(request.POST, request.FILES, current=current)
    if form.is_valid() and form.policy is not None:
        if form.unchanged:
            messages.info(
                request,
                f"Nothing changed: that is the policy in force (version "
                f"{current.version})",
            )
            return redirect("admin-policy")
        try:
            version = found.set_policy(
                form.policy,
                by=request.user.get_username(),
                reason=form.cleaned_data["reason"].strip(),
                source=client_ip(request),
            )
        except UsageError as exc:
            form.add_error(None, str(exc))
        else:
            if version is None:
                messages.info(request, "Nothing changed: that is the policy in force")
            else:
                messages.success(request, f"Policy version {version} is in force")
            return redirect("admin-policy")
    return _edit_page(request, form, current.version, status=400)


def _edit_page(
    request: HttpRequest, form: PolicyForm, version: int, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal/administration/policy_edit.html",
        {"form": form, "version": version, "max_kb": MAX_POLICY_BYTES // 1024},
        status=status,
    )


def use_case_summaries(in_force: Policy) -> list[dict[str, Any]]:
    """Each use case with what the summary shows: its terms, and per table the
    columns it takes with their treatment and why."""
    return [_summary(case) for _, case in sorted(in_force.use_cases.items())]


def _summary(case: UseCase) -> dict[str, Any]:
    tables = [
        {
            "dataset": dataset,
            "table": table,
            "columns": [
                {
                    "name": column,
                    "treatment": rule.treatment.value,
                    "describe": rule.treatment.describe,
                    "why": rule.why,
                }
                for column, rule in rules.items()
            ],
        }
        for dataset, dataset_tables in sorted(case.datasets.items())
        for table, rules in dataset_tables.items()
    ]
    return {"case": case, "tables": tables}
