"""The DPIA draft's risk register: its vocabulary and records.

Each risk is scored as the ICO's template does: likelihood (remote, possible,
probable) and severity (minimal, significant, severe) give an overall risk of low,
medium or high, once before the measures and once after them (the residual risk);
each measure is tagged with the Five Safe it serves. The register itself is data,
``dpia_risks.yaml``: :func:`cld.governance.dpia_risk_register.risk_register` fills
it for the use cases an authority has signed, and
``cld.governance.dpia_sections.risk_sections`` words it as the DPIA's steps 5 and 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Likelihood(StrEnum):
    REMOTE = "remote"
    POSSIBLE = "possible"
    PROBABLE = "probable"


class Severity(StrEnum):
    MINIMAL = "minimal"
    SIGNIFICANT = "significant"
    SEVERE = "severe"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Effect(StrEnum):
    """What the measures do to a risk."""

    ELIMINATED = "eliminated"
    REDUCED = "reduced"
    ACCEPTED = "accepted"


class Safe(StrEnum):
    """The Five Safes: how a secure data environment describes its controls."""

    PEOPLE = "safe people"
    PROJECTS = "safe projects"
    SETTINGS = "safe settings"
    DATA = "safe data"
    OUTPUTS = "safe outputs"

    @property
    def meaning(self) -> str:
        return _SAFE_MEANINGS[self]


_SAFE_MEANINGS = {
    Safe.PEOPLE: "only trained, authorised people see the data",
    Safe.PROJECTS: "data is used only for an approved purpose",
    Safe.SETTINGS: "technical controls stop unauthorised access and use",
    Safe.DATA: "the data is de-identified as far as the purpose allows",
    Safe.OUTPUTS: "what leaves the platform is checked before release",
}


def risk_level(likelihood: Likelihood, severity: Severity) -> RiskLevel:
    """The overall risk: low, medium or high (the ICO's three-by-three matrix)."""
    score = list(Likelihood).index(likelihood) + list(Severity).index(severity)
    if score <= 1:
        return RiskLevel.LOW
    return RiskLevel.MEDIUM if score == 2 else RiskLevel.HIGH


@dataclass(frozen=True)
class Measure:
    text: str
    safe: Safe


@dataclass(frozen=True)
class Risk:
    title: str
    description: str
    likelihood: Likelihood
    severity: Severity
    measures: tuple[Measure, ...]
    effect: Effect
    residual_likelihood: Likelihood
    residual_severity: Severity

    @property
    def overall(self) -> RiskLevel:
        return risk_level(self.likelihood, self.severity)

    @property
    def residual(self) -> RiskLevel:
        return risk_level(self.residual_likelihood, self.residual_severity)
