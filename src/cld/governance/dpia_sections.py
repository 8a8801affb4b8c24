"""The DPIA draft's steps that hold for every authority: why a DPIA is needed, the
nature and context of the processing, consultation, necessity and proportionality,
the risks and measures (from :mod:`cld.governance.dpia_risks`), and sign-off.

They are worded from the use cases an authority has signed and the policy; what only
the authority can say is left in boxes for it to complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from cld.engine.spec.load import load_spec, year_range
from cld.engine.transforms.derived import DERIVED
from cld.governance.dpia_model import (
    TO_COMPLETE,
    Block,
    Bullets,
    Paragraph,
    Section,
    Table,
    ToComplete,
)
from cld.governance.dpia_risks import Risk, Safe
from cld.governance.policy import Policy, schema_columns
from cld.governance.use_case import UseCase


@cache
def dataset_title(dataset: str) -> str:
    """The return's title, as its latest year's schema gives it."""
    return load_spec(dataset, year_range(dataset)[-1]).title


_SUBJECTS = {
    "ssda903": "children looked after, care leavers and children adopted from care",
    "cin_census": "children in need, including children on child protection plans",
    "annex_a": (
        "children in contact with children's social care (Ofsted's Annex A lists), "
        "and prospective adopters"
    ),
    "school_census": "pupils of the authority's schools",
    "social_work_workforce": "the authority's children's social workers",
}


def why_needed(signed: Sequence[UseCase]) -> Section:
    linked = any(u.linkage for u in signed)
    reasons = [
        "it concerns children, who are vulnerable data subjects;",
        "it includes special category data (for example ethnicity, disability and "
        "health) and information about abuse, neglect and offending;",
        "it is on a large scale: whole statutory returns, every year, for every "
        "London authority that takes part;",
        "it combines data sets: the same keyed pseudonym links a child's records "
        "across returns and years"
        + (", and, for use cases with linkage, across authorities." if linked else "."),
    ]
    return Section(
        "Step 1: Why a DPIA is needed",
        (
            Paragraph(
                "The authority shares child-level records from its statutory "
                "children's services returns with the hub, to be pooled with other "
                "London authorities' records. A DPIA is needed (UK GDPR Article 35, "
                "and the ICO's list of processing likely to result in high risk) "
                "because:"
            ),
            Bullets(tuple(reasons)),
            ToComplete(
                "The outcome of the authority's DPIA screening, and its reference."
            ),
        ),
    )


def nature(policy: Policy) -> Section:
    return Section(
        "Nature of the processing",
        (
            Bullets(
                (
                    "Collection: the authority's data officer uploads the statutory "
                    "returns the authority already produces; nothing is collected "
                    "from children or families directly.",
                    "Checking: each file is identified (return, table and year) "
                    "and checked against the return's specification; every "
                    "problem is reported to the authority by row and column, and "
                    "nothing is silently changed or dropped.",
                    "Minimisation and de-identification: only the tables and "
                    "columns that a use case the authority has signed needs are "
                    "kept; the authority's code, the collection year and, where a "
                    "use case needs it, the child's age are added; identifiers are "
                    "replaced by keyed pseudonyms, dates of birth degraded to the "
                    "first of the month, postcodes to their district, and names and "
                    "free text removed.",
                    "Storage: the upload and each stage's tables are kept in the "
                    "authority's private session archive, with checksums and the "
                    "policy version used; the authority's current de-identified "
                    "tables are replaced in one step when a newer return arrives.",
                    "Sharing: for each use case, the tables of the authorities "
                    "whose agreement and DPIA are in force are pooled, trimmed to "
                    "the use case's fields and retention period, and released to "
                    "its recipients; aggregates pass disclosure control first.",
                    "Deletion: tables are deleted when their use case's retention "
                    "period ends; an upload that fed no use case is deleted after "
                    f"{policy.unshared_session_days} days; at the end of an "
                    "agreement the hub deletes or returns the authority's data.",
                )
            ),
        ),
        level=2,
    )


def context(authority_name: str, signed: Sequence[UseCase]) -> Section:
    datasets = dict.fromkeys(d for u in signed for d in u.datasets)
    subjects = tuple(
        f"{dataset_title(d)}: {_SUBJECTS.get(d, 'the people the return is about')}"
        for d in datasets
    )
    blocks: list[Block] = [
        Paragraph(
            f"The data is about people known to {authority_name}'s children's "
            "services, most of them children, some of them at serious risk of harm. "
            "They cannot be expected to know the detail of this sharing, so it must "
            "be explained in the authority's privacy notice. The people in the "
            "returns the authority has signed for:"
            if subjects
            else f"The data would be about people known to {authority_name}'s "
            "children's services, most of them children; no use case is signed yet."
        ),
    ]
    if subjects:
        blocks.append(Bullets(subjects))
    blocks.append(
        ToComplete(
            "How children and families are told about this sharing (the privacy "
            "notice and where it is published), whether they would expect it, and "
            "any concerns, complaints or past incidents about this kind of processing."
        )
    )
    return Section("Context", tuple(blocks), level=2)


def consultation(policy_version: int) -> Section:
    return Section(
        "Step 3: Consultation",
        (
            Paragraph(
                "The registry cannot know whom the authority consulted. The hub can "
                f"provide the processing policy (version {policy_version}), the "
                "field lists in this draft and its security documentation to "
                "those consulted."
            ),
            ToComplete(
                "Who was consulted inside the authority (Data Protection Officer, "
                "information governance, children's services, IT security), when, "
                "and what they said."
            ),
            ToComplete(
                "Whether children, young people and families, or people who speak "
                "for them, were consulted; how, and what they said; if not, why not."
            ),
            ToComplete(
                "Any advice sought from the hub, from other processors or from the "
                "ICO, and what it was."
            ),
        ),
    )


def necessity(signed: Sequence[UseCase]) -> Section:
    bases = [
        f"{u.title}: Article 6: {u.lawful_basis}; Article 9: "
        f"{u.special_category_condition}."
        for u in signed
    ] or ["No use case is signed, so no lawful basis is relied on yet."]
    points = (
        *bases,
        _minimisation(signed),
        "Only de-identified data is shared: the policy is refused if it would let "
        "a raw identifier, a full date of birth or a full postcode out, and names "
        "and free text are always dropped.",
        "Quality: every upload is checked against the return's specification and "
        "each problem is reported to the authority, which corrects the return and "
        "uploads it again; the latest return replaces the earlier one.",
        (
            "Retention, after the end of each collection year: "
            + "; ".join(f"{u.title}, {u.retention_years} years" for u in signed)
            + "."
            if signed
            else "Retention: nothing is kept, as no use case is signed."
        ),
        "Individuals' rights: the authority remains the controller and answers "
        "requests; the hub helps it to do so, as the Data Protection Agreement "
        "requires (UK GDPR Article 28(3)(e)).",
        "No transfers abroad: no personal data is transferred outside the United "
        "Kingdom.",
        "Processor assurance: the hub processes only on the documented "
        "instructions of the versioned processing policy, under the Article 28 "
        "terms of the Data Protection Agreement, and records every governance "
        "action and processing session.",
    )
    return Section(
        "Step 4: Necessity and proportionality",
        (
            Bullets(points),
            Paragraph(
                "Why not figures alone: measures such as placement stability and "
                "journeys from referral to a child protection plan follow each "
                "child over time, which counts supplied by each authority cannot "
                "give on the same definitions."
            ),
            ToComplete(
                "Why the purposes cannot be met with less data, or another way; "
                "how the authority answers requests from children and families "
                "about data already pooled."
            ),
        ),
    )


def _minimisation(signed: Sequence[UseCase]) -> str:
    tables = dict.fromkeys(
        (d, t) for u in signed for d in u.datasets for t in u.tables(d)
    )
    if not tables:
        return "Minimisation by default: no use case is signed, so nothing is kept."
    total = sum(len(schema_columns(d, t)) for d, t in tables)
    kept = sum(
        len({c for u in signed for c in u.kept(d, t) if c not in DERIVED})
        for d, t in tables
    )
    return (
        "Minimisation by default: a column a use case does not name is dropped. Of "
        f"the {total} columns of the {len(tables)} tables the signed use cases use, "
        f"{kept} are processed (with the authority's code and the collection year "
        "the platform adds); every other column, and every other table, is dropped "
        "before processing."
    )


def risk_sections(risks: Sequence[Risk]) -> tuple[Section, ...]:
    """Steps 5 and 6 of the DPIA: the risks scored, then the measures against each."""
    numbered = list(enumerate(risks, start=1))
    step_5 = Section(
        "Step 5: Risks",
        (
            Paragraph(
                "Each risk to children (and to the adults and workers in the "
                "returns) is scored before any measure: its likelihood (remote, "
                "possible or probable) and its severity (minimal, significant or "
                "severe) give an overall risk of low, medium or high. The risks "
                "below are those of the platform; add any the authority sees."
            ),
            Table(
                ("No.", "Risk", "Likelihood", "Severity", "Overall risk"),
                tuple(
                    (
                        str(n),
                        r.title,
                        r.likelihood.value,
                        r.severity.value,
                        r.overall.value,
                    )
                    for n, r in numbered
                ),
            ),
            ToComplete("Any further risks the authority sees, scored the same way."),
        ),
    )
    step_6 = Section(
        "Step 6: Measures to reduce the risks",
        (
            Paragraph(
                "The platform's measures against each risk, each tagged with the "
                "Five Safe it serves, and the risk that remains once they are in "
                "place (the residual risk)."
            ),
            Table(
                ("No.", "Risk", "Effect", "Residual risk", "Measure approved"),
                tuple(
                    (
                        str(n),
                        r.title,
                        r.effect.value,
                        r.residual.value,
                        TO_COMPLETE.lower(),
                    )
                    for n, r in numbered
                ),
            ),
        ),
    )
    parts = [
        Section(f"Risk {n}: {r.title}", _risk_blocks(r), level=2) for n, r in numbered
    ]
    return (step_5, step_6, *parts, _five_safes(numbered))


def _risk_blocks(risk: Risk) -> tuple[Block, ...]:
    return (
        Paragraph(risk.description),
        Table(
            ("Measure", "Five Safe"),
            tuple((m.text, m.safe.value) for m in risk.measures),
        ),
        Paragraph(
            f"Effect of the measures: {risk.effect}. Residual risk: {risk.residual} "
            f"({risk.residual_likelihood} likelihood, {risk.residual_severity} "
            f"severity), down from {risk.overall}."
        ),
    )


def _five_safes(numbered: Sequence[tuple[int, Risk]]) -> Section:
    rows = []
    for safe in Safe:
        serves = [
            str(n) for n, r in numbered if any(m.safe == safe for m in r.measures)
        ]
        rows.append((safe.value, safe.meaning, ", ".join(serves) or "none"))
    return Section(
        "The measures by Five Safe",
        (Table(("Safe", "What it means", "Risks it has measures for"), tuple(rows)),),
        level=2,
    )


def sign_off() -> Section:
    return Section(
        "Step 7: Sign-off and outcomes",
        (
            ToComplete("Measures approved by (name, role, date)."),
            ToComplete(
                "Residual risks approved by (name, role, date). If a high risk "
                "remains, the ICO must be consulted before processing (UK GDPR "
                "Article 36)."
            ),
            ToComplete("The Data Protection Officer's advice (summary and date)."),
            ToComplete(
                "Whether the Data Protection Officer's advice was accepted; if it "
                "was overruled, by whom and why."
            ),
            ToComplete("Consultation responses reviewed by (name, role)."),
            ToComplete(
                "This DPIA is kept under review by (name, role); next review date."
            ),
            Paragraph(
                "Review this DPIA when the processing policy changes (its version "
                "and SHA-256 in the footer no longer match the platform's), when "
                "the authority signs or withdraws from a use case, and at least "
                "once a year."
            ),
        ),
    )
