"""What the governance pages show, read from the registry: each use case's agreement
and whether data flows, every authority's standing, and a DPIA's last return."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404, HttpRequest

from cld.engine.errors import UsageError
from cld.governance.agreements import (
    Agreement,
    AgreementStatus,
    Dpia,
    DpiaStatus,
    in_force,
    no_agreement,
    no_dpia,
)
from cld.governance.authorities import Authority
from cld.governance.use_case import UseCase
from cld.pipeline.registry import Registry
from cld.pipeline.registry.audit_actions import AuditAction
from cld.portal.accounts.permissions import check_see_authority

"""The audit action of a DPIA returned to its authority (its detail holds why)."""
WITHDRAWABLE = (AgreementStatus.SIGNED, AgreementStatus.REQUESTED)


@dataclass(frozen=True)
class Tag:
    text: str
    css: str


AGREEMENT_TAGS = {
    AgreementStatus.NONE: Tag("No agreement", "govuk-tag--grey"),
    AgreementStatus.REQUESTED: Tag("Requested", "govuk-tag--yellow"),
    AgreementStatus.SIGNED: Tag("Signed", "govuk-tag--green"),
    AgreementStatus.WITHDRAWN: Tag("Withdrawn", "govuk-tag--red"),
    AgreementStatus.EXPIRED: Tag("Expired", "govuk-tag--red"),
}
DPIA_TAGS = {
    DpiaStatus.NOT_STARTED: Tag("Not started", "govuk-tag--grey"),
    DpiaStatus.DRAFT: Tag("Draft", "govuk-tag--orange"),
    DpiaStatus.SUBMITTED: Tag("Submitted for review", "govuk-tag--yellow"),
    DpiaStatus.APPROVED: Tag("Approved", "govuk-tag--green"),
}


def authority_for(request: HttpRequest, registry: Registry, la: str) -> Authority:
    """The authority of a URL, if the user may see it (403 otherwise; 404 for a
    code that is not an authority's)."""
    check_see_authority(request.user, la)
    try:
        authority = registry.authority(la)
    except UsageError:
        raise Http404("no such authority") from None
    if authority.code != la:
        raise Http404("use the authority's code")
    return authority


def use_case_for(registry: Registry, name: str) -> UseCase:
    _, policy = registry.policy()
    try:
        return policy.use_case(name)
    except UsageError:
        raise Http404("no such use case") from None


@dataclass(frozen=True)
class UseCaseStanding:
    """One use case as an authority sees it: what it is, the agreement, and whether
    data flows into it now."""

    use_case: UseCase
    receives: tuple[str, ...]
    agreement: Agreement
    status: AgreementStatus
    tag: Tag
    flows: bool
    why_not: str

    @property
    def may_withdraw(self) -> bool:
        return self.agreement.status in WITHDRAWABLE


def receives(use_case: UseCase) -> tuple[str, ...]:
    """What a use case receives, one line per return: its tables and how many of
    each table's fields it keeps."""
    lines = []
    for dataset in sorted(use_case.datasets):
        tables = [
            f"{table} ({count} field{'' if count == 1 else 's'})"
            for table in sorted(use_case.tables(dataset))
            if (count := len(use_case.kept(dataset, table)))
        ]
        if tables:
            lines.append(f"{dataset}: {', '.join(tables)}")
    return tuple(lines)


def why_not(agreement: Agreement, dpia: Dpia, day: dt.date) -> str:
    """Why data does not flow into the agreement's use case on ``day`` ("" when
    it does)."""
    if in_force(agreement, dpia, day):
        return ""
    state = agreement.status_on(day)
    if state != AgreementStatus.SIGNED:
        return {
            AgreementStatus.NONE: "no agreement is signed",
            AgreementStatus.REQUESTED: "the agreement is not signed yet",
            AgreementStatus.WITHDRAWN: "the agreement is withdrawn",
            AgreementStatus.EXPIRED: "the agreement has expired",
        }[state]
    if dpia.status != DpiaStatus.APPROVED:
        return "the DPIA is not approved"
    return "the approved DPIA does not cover this use case"


def standings(registry: Registry, la: str, day: dt.date) -> list[UseCaseStanding]:
    """Every use case of the policy in force, for ``la`` on ``day``."""
    _, policy = registry.policy()
    dpia = registry.dpia(la)
    found = []
    for use_case in policy.use_cases.values():
        agreement = registry.agreement(la, use_case.name)
        state = agreement.status_on(day)
        found.append(
            UseCaseStanding(
                use_case=use_case,
                receives=receives(use_case),
                agreement=agreement,
                status=state,
                tag=AGREEMENT_TAGS[state],
                flows=in_force(agreement, dpia, day),
                why_not=why_not(agreement, dpia, day),
            )
        )
    return found


@dataclass(frozen=True)
class Cell:
    use_case: str
    tag: Tag
    flows: bool


@dataclass(frozen=True)
class AuthorityStanding:
    authority: Authority
    cells: tuple[Cell, ...]
    dpia: Dpia
    dpia_tag: Tag

    @property
    def covers(self) -> list[str]:
        return sorted(self.dpia.covers)


def every_authority(
    registry: Registry, day: dt.date
) -> tuple[list[UseCase], list[AuthorityStanding]]:
    """The use cases, and each authority's agreements for them and its DPIA, read
    in one go."""
    _, policy = registry.policy()
    use_cases = list(policy.use_cases.values())
    agreements = {(a.la, a.use_case): a for a in registry.agreements()}
    dpias = {d.la: d for d in registry.dpias()}
    rows = []
    for authority in registry.authorities():
        la = authority.code
        dpia = dpias.get(la, no_dpia(la))
        cells = []
        for use_case in use_cases:
            agreement = agreements.get(
                (la, use_case.name), no_agreement(la, use_case.name)
            )
            cells.append(
                Cell(
                    use_case=use_case.name,
                    tag=AGREEMENT_TAGS[agreement.status_on(day)],
                    flows=in_force(agreement, dpia, day),
                )
            )
        rows.append(
            AuthorityStanding(authority, tuple(cells), dpia, DPIA_TAGS[dpia.status])
        )
    return use_cases, rows


@dataclass(frozen=True)
class Returned:
    """The IG reviewer's reason for returning a DPIA."""

    by: str
    at: dt.datetime
    reason: str


def last_return(registry: Registry, dpia: Dpia) -> Returned | None:
    """Why the DPIA was returned, while it is the draft that return left."""
    if dpia.status != DpiaStatus.DRAFT:
        return None
    returns = registry.events(AuditAction.DPIA_RETURNED, la=dpia.la)
    if not returns:
        return None
    changes = registry.events(AuditAction.DPIA_CHANGED, la=dpia.la)
    last = returns[-1]
    if changes and changes[-1].id > last.id:
        return None  # the DPIA changed again after it was returned
    return Returned(
        by=last.actor, at=last.at, reason=str(last.detail.get("reason", ""))
    )
