"""The DPIA draft's pre-filled risk register: the risks of pooling children's data
and the platform's measures against each, tagged with the Five Safe they serve.

Each risk is scored as the ICO's template does: likelihood (remote, possible,
probable) and severity (minimal, significant, severe) give an overall risk of low,
medium or high, once before the measures and once after them (the residual risk).
:func:`risk_register` fills the register for the use cases an authority has signed;
``cld.governance.dpia_sections.risk_sections`` words it as the DPIA's steps 5 and 6.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cld.governance.use_case import UseCase


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


def risk_register(
    signed: Sequence[UseCase], *, unshared_session_days: int
) -> tuple[Risk, ...]:
    """The risks of the processing for the use cases an authority has signed."""
    return (
        _small_cells(),
        _linkage(signed),
        _pseudonym_reversal(),
        _other_tenant(),
        _hostile_upload(),
        _kept_too_long(signed, unshared_session_days),
    )


def _small_cells() -> Risk:
    return Risk(
        title="Re-identification through small numbers in published figures",
        description=(
            "A count of one or two children in a small group (for example by "
            "ethnicity, age and placement type in one authority) can tell a reader "
            "who the children are and something sensitive about them."
        ),
        likelihood=Likelihood.PROBABLE,
        severity=Severity.SEVERE,
        measures=(
            Measure(
                "Every aggregate that leaves the hub passes disclosure control (for "
                "example the DfE's rule: counts of 1 to 5 suppressed and shown as "
                "[c], with secondary suppression where a suppressed cell could be "
                "worked out from totals); the rule used is stated in the notes of "
                "each output.",
                Safe.OUTPUTS,
            ),
            Measure(
                "Participating authorities and partners receive aggregates only; "
                "child-level tables go only to the hub's analysts approved for the "
                "use case.",
                Safe.PEOPLE,
            ),
            Measure(
                "Dates of birth are degraded to the first of the month, postcodes to "
                "their district, and names and free text are never kept, so that "
                "fewer combinations of fields are unique.",
                Safe.DATA,
            ),
        ),
        effect=Effect.REDUCED,
        residual_likelihood=Likelihood.REMOTE,
        residual_severity=Severity.SIGNIFICANT,
    )


def _linkage(signed: Sequence[UseCase]) -> Risk:
    linked = sorted(u.title for u in signed if u.linkage)
    national = (
        "National identifiers (UPN) are kept, as keyed pseudonyms, only for the "
        f"use cases marked for linkage ({', '.join(linked)}); every other use case "
        "drops them."
        if linked
        else "No use case the authority has signed keeps national identifiers "
        "(UPN): they are dropped, so children cannot be followed across "
        "authorities."
    )
    return Risk(
        title="Re-identification by linking the pooled records with other data",
        description=(
            "Pseudonymised child-level records still hold quasi-identifiers (month "
            "of birth, sex, ethnicity, postcode district, dates of events). "
            "Someone with other information about a child (press reports, another "
            "data set, local knowledge) could match them and learn who the child is."
        ),
        likelihood=Likelihood.POSSIBLE,
        severity=Severity.SEVERE,
        measures=(
            Measure(
                "Minimisation by default: a column the use case does not name is "
                "dropped before processing; quasi-identifiers are degraded as the "
                "policy says.",
                Safe.DATA,
            ),
            Measure(national, Safe.DATA),
            Measure(
                "Child-level tables are released only to the hub's analysts "
                "approved for the use case, and only for its approved purpose.",
                Safe.PEOPLE,
            ),
            Measure(
                "Each use case's tables hold only its own fields, and are built only "
                "for its approved purpose.",
                Safe.PROJECTS,
            ),
            Measure(
                "Every access to and download of child-level tables is recorded in "
                "the platform's audit record.",
                Safe.SETTINGS,
            ),
        ),
        effect=Effect.REDUCED,
        residual_likelihood=Likelihood.REMOTE,
        residual_severity=Severity.SEVERE,
    )


def _pseudonym_reversal() -> Risk:
    return Risk(
        title="Reversal of pseudonyms",
        description=(
            "A plain hash of a child's identifier can be reversed by hashing every "
            "possible identifier, which takes seconds; anyone who did so would "
            "know whose records they hold."
        ),
        likelihood=Likelihood.PROBABLE,
        severity=Severity.SEVERE,
        measures=(
            Measure(
                "Identifiers are replaced by a keyed pseudonym (HMAC-SHA256) made "
                "with a secret held by the platform, never in the data or the code; "
                "the platform refuses to process anything without the secret.",
                Safe.SETTINGS,
            ),
            Measure(
                "The secret is given neither to analysts nor to authorities, so "
                "nobody who receives the data can make or reverse a pseudonym.",
                Safe.PEOPLE,
            ),
            Measure(
                "Raw identifiers exist only in the authority's private upload area "
                "and session archive; every published and pooled table holds "
                "pseudonyms only.",
                Safe.DATA,
            ),
        ),
        effect=Effect.REDUCED,
        residual_likelihood=Likelihood.REMOTE,
        residual_severity=Severity.SEVERE,
    )


def _other_tenant() -> Risk:
    return Risk(
        title="One authority seeing another authority's data",
        description=(
            "A fault or a wrong permission could let staff of one borough see the "
            "uploads, issue reports or child-level records of another."
        ),
        likelihood=Likelihood.POSSIBLE,
        severity=Severity.SIGNIFICANT,
        measures=(
            Measure(
                "Each authority's uploads, issue reports and session archive are "
                "held in areas private to it; the authority is taken from the "
                "uploader's account and cross-checked against the codes inside the "
                "file.",
                Safe.SETTINGS,
            ),
            Measure(
                "Accounts belong to one authority and carry roles; only the hub's "
                "approved analysts see pooled child-level tables.",
                Safe.PEOPLE,
            ),
            Measure(
                "Pooled outputs hold only the data of authorities whose agreement "
                "and DPIA are in force for that use case; other authorities see "
                "aggregates that have passed disclosure control.",
                Safe.OUTPUTS,
            ),
        ),
        effect=Effect.REDUCED,
        residual_likelihood=Likelihood.REMOTE,
        residual_severity=Severity.SIGNIFICANT,
    )


def _hostile_upload() -> Risk:
    return Risk(
        title="A hostile or corrupted upload",
        description=(
            "A file crafted to attack the platform (XML entity expansion, a zip "
            "bomb, a huge file) could stop it or expose data; a file of one return "
            "named as another could be processed under the wrong rules."
        ),
        likelihood=Likelihood.POSSIBLE,
        severity=Severity.SIGNIFICANT,
        measures=(
            Measure(
                "The format is read from the file's content, never its name; a file "
                "whose name and content disagree is refused.",
                Safe.SETTINGS,
            ),
            Measure(
                "Size limits are checked before reading; XML is read without "
                "entities, DTDs or network access; workbooks are checked before "
                "anything is unpacked.",
                Safe.SETTINGS,
            ),
            Measure(
                "Problems are reported by row and column, never with the value of "
                "a personal field, so issue reports do not spread personal data.",
                Safe.DATA,
            ),
        ),
        effect=Effect.REDUCED,
        residual_likelihood=Likelihood.REMOTE,
        residual_severity=Severity.SIGNIFICANT,
    )


def _kept_too_long(signed: Sequence[UseCase], unshared_session_days: int) -> Risk:
    periods = "; ".join(f"{u.title}: {u.retention_years} years" for u in signed) or (
        "none yet, as the authority has signed no use case"
    )
    return Risk(
        title="Keeping data longer than needed",
        description=(
            "Children's records kept beyond what the purpose needs, or after the "
            "authority has left a use case, add to every other risk without any "
            "benefit."
        ),
        likelihood=Likelihood.PROBABLE,
        severity=Severity.SIGNIFICANT,
        measures=(
            Measure(
                "Each use case has a retention period after the end of the "
                f"collection year ({periods}); its tables are trimmed to it.",
                Safe.SETTINGS,
            ),
            Measure(
                "An upload that fed no use case is deleted after "
                f"{unshared_session_days} days, once the authority has been able to "
                "read its issue report.",
                Safe.SETTINGS,
            ),
            Measure(
                "Data flows into a use case only while the authority's agreement is "
                "signed and in date and its DPIA is approved; withdrawing stops it, "
                "and at the end of the agreement the hub deletes or returns the data.",
                Safe.PROJECTS,
            ),
        ),
        effect=Effect.REDUCED,
        residual_likelihood=Likelihood.REMOTE,
        residual_severity=Severity.SIGNIFICANT,
    )
