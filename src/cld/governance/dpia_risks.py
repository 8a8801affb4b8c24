"""The DPIA draft's pre-filled risk register: the risks of pooling children's data
and the platform's measures against each, tagged with the Five Safe they serve.

The register is data, ``dpia_risks.yaml`` (read and checked by
:mod:`cld.governance.dpia_risk_register`); its vocabulary and records are in
:mod:`cld.governance.dpia_risk_model`. Each risk is scored as the ICO's template
does: likelihood (remote, possible, probable) and severity (minimal, significant,
severe) give an overall risk of low, medium or high, once before the measures and
once after them (the residual risk). :func:`risk_register` fills the register for
the use cases an authority has signed; ``cld.governance.dpia_sections.risk_sections``
words it as the DPIA's steps 5 and 6.
"""

from __future__ import annotations

from collections.abc import Sequence

from cld.governance.dpia_risk_model import (
    Likelihood,
    Measure,
    Risk,
    RiskLevel,
    Safe,
    Severity,
    risk_level,
)
from cld.governance.dpia_risk_register import (
    MeasureEntry,
    RegisterFacts,
    RiskEntry,
    shipped_risk_register,
)
from cld.governance.use_case import UseCase

__all__ = [
    "Likelihood",
    "Measure",
    "Risk",
    "RiskLevel",
    "Safe",
    "Severity",
    "filled",
    "register_facts",
    "risk_level",
    "risk_register",
]


def register_facts(
    signed: Sequence[UseCase], *, unshared_session_days: int
) -> RegisterFacts:
    """What the register's measures name, for the use cases an authority signed."""
    return RegisterFacts(
        linked_use_cases=", ".join(sorted(u.title for u in signed if u.linkage)),
        retention_periods="; ".join(
            f"{u.title}: {u.retention_years} years" for u in signed
        ),
        unshared_session_days=str(unshared_session_days),
    )


def risk_register(
    signed: Sequence[UseCase], *, unshared_session_days: int
) -> tuple[Risk, ...]:
    """The risks of the processing for the use cases an authority has signed."""
    facts = register_facts(signed, unshared_session_days=unshared_session_days)
    return tuple(filled(entry, facts) for entry in shipped_risk_register().risks)


def filled(entry: RiskEntry, facts: RegisterFacts) -> Risk:
    """The register's ``entry``, its measures worded for the authority's ``facts``."""
    return Risk(
        title=entry.title,
        description=entry.description,
        likelihood=entry.likelihood,
        severity=entry.severity,
        measures=tuple(_measure(m, facts) for m in entry.measures),
        effect=entry.effect,
        residual_likelihood=entry.residual_likelihood,
        residual_severity=entry.residual_severity,
    )


def _measure(entry: MeasureEntry, facts: RegisterFacts) -> Measure:
    values = facts.values()
    text = next(
        (instead for fact, instead in entry.when_empty if not values[fact]),
        entry.text,
    )
    return Measure(text.format_map(values), entry.safe)
