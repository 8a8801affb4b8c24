"""The DPIA draft is built from plain inputs: every field a signed use case processes,
nothing about use cases not signed, the policy's hash, the risk register."""

from __future__ import annotations

import datetime as dt

import pytest

from cld.engine.transforms.derived import ALWAYS_KEPT, DERIVED
from cld.engine.transforms.treatments import Treatment
from cld.governance.agreements import Agreement, AgreementStatus, Dpia, DpiaStatus
from cld.governance.authorities import find_authority
from cld.governance.dpia import (
    Bullets,
    DatasetCoverage,
    Document,
    DpiaInputs,
    Section,
    Table,
    ToComplete,
    YearCoverage,
    build_dpia,
)
from cld.governance.dpia_fields import field_rows
from cld.governance.dpia_risk_register import risk_register
from cld.governance.dpia_risks import (
    Likelihood,
    RiskLevel,
    Safe,
    Severity,
    risk_level,
)
from cld.governance.dpia_sections import dataset_title
from cld.governance.policy import Policy, default_policy, policy_from_document

DAY = dt.date(2025, 6, 1)
SHA = "ab" * 32


def signed(use_case: str, **changes: object) -> Agreement:
    values: dict[str, object] = {
        "la": "CAM",
        "use_case": use_case,
        "status": AgreementStatus.SIGNED,
        "requested_on": dt.date(2025, 3, 1),
        "signed_on": dt.date(2025, 4, 1),
        "expires_on": dt.date(2028, 3, 31),
        "signatory": "A. Director",
        "role": "Director of Children's Services",
        "isg_reference": "ISG-1234",
    }
    values.update(changes)
    return Agreement(**values)  # type: ignore[arg-type]


def make_inputs(
    *use_cases: str,
    policy: Policy | None = None,
    covers: frozenset[str] | None = None,
    coverage: tuple[DatasetCoverage, ...] = (),
    agreements: dict[str, Agreement] | None = None,
) -> DpiaInputs:
    return DpiaInputs(
        authority=find_authority("CAM"),
        policy_version=3,
        policy_sha256=SHA,
        policy=policy or default_policy(),
        agreements=agreements or {name: signed(name) for name in use_cases},
        dpia=Dpia(
            la="CAM",
            status=DpiaStatus.APPROVED,
            covers=frozenset(use_cases) if covers is None else covers,
            approved_on=dt.date(2025, 4, 2),
            reviewer="Information governance board",
        ),
        coverage=coverage,
        generated_on=DAY,
    )


def text_of(doc: Document) -> str:
    return "\n".join(doc.strings())


def section(doc: Document, heading: str) -> Section:
    (found,) = [s for s in doc.sections if s.heading == heading]
    return found


def field_table(doc: Document, use_case: str, dataset: str, table: str) -> Table:
    title = default_policy().use_case(use_case).title
    part = section(doc, f"{title}: {dataset_title(dataset)}")
    caption = f"{dataset_title(dataset)}, table {table}"
    (found,) = [b for b in part.blocks if isinstance(b, Table) and b.caption == caption]
    return found


def test_every_field_a_signed_use_case_processes_is_listed_with_its_treatment():
    doc = build_dpia(make_inputs("pan", "equalities"))
    checked = 0
    for name in ("pan", "equalities"):
        use_case = default_policy().use_case(name)
        for dataset, tables in use_case.datasets.items():
            for table in tables:
                rows = {
                    row[0]: row for row in field_table(doc, name, dataset, table).rows
                }
                for column in ALWAYS_KEPT:
                    assert Treatment.KEEP.describe in rows[column][3]
                for column, rule in use_case.kept(dataset, table).items():
                    assert column in rows, (name, dataset, table, column)
                    assert rule.treatment.describe in rows[column][3]
                    assert rows[column][4], "every field says why it is needed"
                    assert rows[column][5].startswith(
                        f"{use_case.retention_years} years"
                    )
                    checked += 1
    assert checked > 300


def test_a_kept_field_has_its_label_and_category():
    doc = build_dpia(make_inputs("pan"))
    rows = {r[0]: r for r in field_table(doc, "pan", "ssda903", "header").rows}
    assert rows["CHILD"][1:4] == (
        "child identifier",
        "identifier",
        Treatment.PSEUDONYMISE.describe,
    )
    assert rows["DOB"][2:4] == ("quasi-identifier", Treatment.FIRST_OF_MONTH.describe)
    assert rows["ETHNIC"][2] == "special category"
    assert rows["AGE"][2] == "quasi-identifier"
    assert "date of birth" in rows["AGE"][3]
    episodes = {r[0]: r for r in field_table(doc, "pan", "ssda903", "episodes").rows}
    assert episodes["HOME_POST"][3] == Treatment.POSTCODE_DISTRICT.describe


def test_personal_columns_a_use_case_drops_are_listed_as_dropped():
    doc = build_dpia(make_inputs("equalities"))
    rows = {
        r[0]: r for r in field_table(doc, "equalities", "cin_census", "children").rows
    }
    for column in ("UPN", "FormerUPN", "PersonBirthDate"):
        assert rows[column][3] == Treatment.DROP.describe
        assert rows[column][5] == "not kept for this use case"
    annex = build_dpia(make_inputs("pan"))
    list_3 = {r[0]: r for r in field_table(annex, "pan", "annex_a", "list_3").rows}
    assert list_3["Allocated Worker"][3] == Treatment.DROP.describe


def test_the_policy_s_reason_is_quoted_and_a_missing_one_is_standard_wording():
    document = default_policy().document()
    rule = document["use_cases"]["pan"]["datasets"]["ssda903"]["header"]["SEX"]
    rule["why"] = "to compare the care journeys of boys and girls"
    header = document["use_cases"]["pan"]["datasets"]["ssda903"]["header"]
    header["LA"] = {"treatment": "keep", "why": "to compare boroughs"}
    policy = policy_from_document(document)
    rows = {r.name: r for r in field_rows(policy.use_case("pan"), "ssda903", "header")}
    assert rows["SEX"].why == "to compare the care journeys of boys and girls"
    assert not rows["SEX"].standard_why
    assert rows["CHILD"].standard_why
    assert rows["LA"].why == "to compare boroughs"
    assert list(rows).count("LA") == 1
    assert "pseudonym" not in rows["CHILD"].why  # a reason, not the treatment again
    doc = build_dpia(make_inputs("pan", policy=policy))
    assert "to compare the care journeys of boys and girls" in text_of(doc)


def test_a_signed_use_case_states_purpose_bases_outputs_recipients_and_agreement():
    doc = build_dpia(make_inputs("sufficiency"))
    use_case = default_policy().use_case("sufficiency")
    text = text_of(doc)
    for words in (
        use_case.purpose,
        use_case.benefits,
        use_case.lawful_basis,
        use_case.special_category_condition,
        *use_case.outputs,
        *use_case.recipients,
        "7 years after the end of the collection year",
        "signed on 1 April 2025 by A. Director (Director of Children's Services)",
        "ISG-1234",
    ):
        assert words in text


def test_a_use_case_not_signed_is_named_but_not_described():
    doc = build_dpia(make_inputs("pan"))
    text = text_of(doc)
    for other in ("equalities", "sufficiency"):
        use_case = default_policy().use_case(other)
        assert use_case.purpose not in text
        assert f"{use_case.title} ({other}): agreement not requested" in text
    assert not [s for s in doc.sections if s.heading.startswith("Placement suff")]


@pytest.mark.parametrize(
    "agreement",
    [
        signed("equalities", status=AgreementStatus.WITHDRAWN, withdrawn_on=DAY),
        signed("equalities", expires_on=DAY - dt.timedelta(days=1)),
        signed("equalities", signed_on=DAY + dt.timedelta(days=1)),
    ],
    ids=["withdrawn", "expired", "not yet signed"],
)
def test_an_agreement_not_in_force_on_the_day_is_not_a_signed_use_case(agreement):
    doc = build_dpia(make_inputs(agreements={"equalities": agreement}))
    text = text_of(doc)
    assert default_policy().use_case("equalities").purpose not in text
    assert "has not signed a Data Protection Agreement for any use case" in text


def test_with_nothing_signed_it_says_so_and_lists_the_use_cases_it_could_join():
    doc = build_dpia(make_inputs())
    text = text_of(doc)
    assert (
        "As of 1 June 2025, Camden has not signed a Data Protection Agreement for "
        "any use case" in text
    )
    (listed,) = [
        b
        for b in section(doc, "Use cases the authority could join").blocks
        if isinstance(b, Bullets)
    ]
    for name, use_case in default_policy().use_cases.items():
        assert any(
            item.startswith(f"{use_case.title} ({name})") for item in listed.items
        )
        assert use_case.purpose not in text
    assert "no use case is signed" in text


def test_with_every_use_case_signed_none_is_listed_as_not_signed():
    doc = build_dpia(make_inputs(*default_policy().use_cases))
    headings = [s.heading for s in doc.sections]
    assert "Use cases not signed" not in headings
    for use_case in default_policy().use_cases.values():
        assert f"Use case: {use_case.title}" in headings


def test_a_signed_use_case_without_an_approved_dpia_says_no_data_flows():
    doc = build_dpia(make_inputs("pan", covers=frozenset()))
    assert "no approved DPIA covers this use case yet" in text_of(doc)


def test_data_received_gives_years_and_children_or_says_none_yet():
    coverage = (
        DatasetCoverage(
            "pan", "ssda903", (YearCoverage(2023, 1204), YearCoverage(2024, None))
        ),
    )
    doc = build_dpia(make_inputs("pan", coverage=coverage))
    (received,) = [
        b
        for b in section(doc, "Use case: Pan-London benchmarking").blocks
        if isinstance(b, Table) and b.caption.startswith("Data received")
    ]
    rows = {r[0]: r for r in received.rows}
    assert rows[dataset_title("ssda903")][1:] == (
        "2023, 2024",
        "2023: 1,204; 2024: not counted",
    )
    assert rows[dataset_title("cin_census")][1] == "no data received yet"


def test_the_policy_version_and_hash_are_stamped_in_the_title_block_and_footer():
    doc = build_dpia(make_inputs("pan"))
    assert doc.title == "Data Protection Impact Assessment (draft): Camden"
    assert any(SHA in line and "version 3" in line for line in doc.stamp)
    assert SHA in doc.footer and "version 3" in doc.footer
    assert "Camden (CAM), DfE number 202" in doc.stamp[0]


def test_the_draft_follows_the_ico_s_seven_steps_and_leaves_boxes_to_complete():
    doc = build_dpia(make_inputs("pan"))
    steps = [s.heading for s in doc.sections if s.heading.startswith("Step ")]
    assert [h.split(":")[0] for h in steps] == [f"Step {n}" for n in range(1, 8)]
    boxes = [
        b.prompt for s in doc.sections for b in s.blocks if isinstance(b, ToComplete)
    ]
    for words in (
        "Data Protection Officer: name",
        "Director of Children's Services",
        "Residual risks approved by",
        "kept under review by",
        "hosting provider",
    ):
        assert any(words in box for box in boxes), words
    assert "No transfers abroad" in text_of(doc)
    assert "Minimisation by default" in text_of(doc)


def test_the_risk_register_names_each_risk_with_scores_measures_and_safes():
    pan = default_policy().use_case("pan")
    risks = risk_register([pan], unshared_session_days=90)
    titles = " ".join(r.title for r in risks).casefold()
    for words in (
        "small numbers",
        "linking",
        "reversal of pseudonyms",
        "another authority",
        "hostile",
        "longer than needed",
    ):
        assert words in titles
    for risk in risks:
        assert risk.measures and risk.overall in RiskLevel
        assert risk.residual in RiskLevel
        assert list(RiskLevel).index(risk.residual) <= list(RiskLevel).index(
            risk.overall
        )
    assert {m.safe for r in risks for m in r.measures} == set(Safe)
    text = text_of(build_dpia(make_inputs("pan")))
    for risk in risks:
        assert risk.title in text
    assert "Pan-London benchmarking: 7 years" in text
    assert "(Pan-London benchmarking)" in text  # the use case with linkage


@pytest.mark.parametrize(
    ("likelihood", "severity", "level"),
    [
        (Likelihood.REMOTE, Severity.MINIMAL, RiskLevel.LOW),
        (Likelihood.REMOTE, Severity.SIGNIFICANT, RiskLevel.LOW),
        (Likelihood.POSSIBLE, Severity.SIGNIFICANT, RiskLevel.MEDIUM),
        (Likelihood.PROBABLE, Severity.MINIMAL, RiskLevel.MEDIUM),
        (Likelihood.POSSIBLE, Severity.SEVERE, RiskLevel.HIGH),
        (Likelihood.PROBABLE, Severity.SEVERE, RiskLevel.HIGH),
    ],
)
def test_likelihood_and_severity_give_the_overall_risk(likelihood, severity, level):
    assert risk_level(likelihood, severity) == level


def test_derived_columns_are_described_as_added_by_the_platform():
    rows = {
        r.name: r
        for r in field_rows(default_policy().use_case("pan"), "ssda903", "header")
    }
    assert rows["LA"].label == DERIVED["LA"].label
    assert rows["LA"].treatment.startswith("added by the platform")
    assert list(rows)[:2] == ["LA", "YEAR"]
