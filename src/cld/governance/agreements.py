"""Agreements (a DPA per authority per use case) and DPIAs, as plain objects.

Data flows into a use case only while :func:`in_force` holds: the authority has a
signed DPA for it that has started and not expired or been withdrawn, and an
approved DPIA that covers it. The registry builds these objects; the pipeline only
ever asks :func:`in_force`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class AgreementStatus(StrEnum):
    NONE = "none"
    REQUESTED = "requested"
    SIGNED = "signed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    """Shown, never stored: a signed agreement past its end date."""


class DpiaStatus(StrEnum):
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"


@dataclass(frozen=True)
class Agreement:
    la: str
    use_case: str
    status: AgreementStatus
    requested_on: dt.date | None = None
    signed_on: dt.date | None = None
    expires_on: dt.date | None = None
    withdrawn_on: dt.date | None = None
    signatory: str | None = None
    role: str | None = None
    document_sha256: str | None = None
    isg_reference: str | None = None
    """The agreement's reference on the Information Sharing Gateway."""

    def status_on(self, day: dt.date) -> AgreementStatus:
        if self.status == AgreementStatus.WITHDRAWN and (
            self.withdrawn_on is None or self.withdrawn_on <= day
        ):
            return AgreementStatus.WITHDRAWN
        if self.signed_on is None or self.signed_on > day:
            return (
                AgreementStatus.REQUESTED
                if self.requested_on is not None or self.signed_on is not None
                else AgreementStatus.NONE
            )
        if self.expires_on is not None and self.expires_on < day:
            return AgreementStatus.EXPIRED
        return AgreementStatus.SIGNED


@dataclass(frozen=True)
class Dpia:
    la: str
    status: DpiaStatus
    covers: frozenset[str] = frozenset()
    submitted_on: dt.date | None = None
    approved_on: dt.date | None = None
    reviewer: str | None = None

    def covers_approved(self, use_case: str) -> bool:
        return self.status == DpiaStatus.APPROVED and use_case in self.covers


def no_agreement(la: str, use_case: str) -> Agreement:
    return Agreement(la=la, use_case=use_case, status=AgreementStatus.NONE)


def no_dpia(la: str) -> Dpia:
    return Dpia(la=la, status=DpiaStatus.NOT_STARTED)


def in_force(agreement: Agreement, dpia: Dpia, day: dt.date) -> bool:
    """Whether data of ``agreement.la`` may flow into ``agreement.use_case`` on
    ``day``: a signed, started, unexpired, unwithdrawn DPA and an approved DPIA
    covering the use case."""
    return agreement.status_on(day) == AgreementStatus.SIGNED and (
        dpia.covers_approved(agreement.use_case)
    )


@dataclass(frozen=True)
class Permissions:
    """What one authority may share on one day: the use cases in force."""

    la: str
    day: dt.date
    use_cases: frozenset[str]

    def allows(self, use_case: str) -> bool:
        return use_case in self.use_cases


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
