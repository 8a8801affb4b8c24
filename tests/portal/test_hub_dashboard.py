"""The hub dashboard: the returns and agreements matrices (metadata, for anyone
who may open it), and charts of a use case's outputs only for those who may see
that use case; the matrices' and figures' data work on inline data."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.test import Client
from django.urls import reverse

from cld.governance.agreements import (
    Agreement,
    AgreementStatus,
    Dpia,
    DpiaStatus,
    no_agreement,
    no_dpia,
)
from cld.pipeline.registry.store import SessionRecord
from cld.portal.data_area import registry
from cld.portal.hub import dashboard, figures

DAY = dt.date(2025, 6, 1)


def signed_in(member: Any, role: str, **spec: Any) -> Client:
    client = Client()
    client.force_login(member(role, **spec))
    return client


class Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def cell(html: str, ident: str) -> tuple[str, str]:
    """The class and the text of the table cell with id ``ident``."""
    found = re.search(rf'<td class="([^"]*)" id="{ident}">(.*?)</td>', html, re.S)
    assert found, ident
    return found.group(1), re.sub(r"<[^>]+>", " ", found.group(2))


# -- the page -----------------------------------------------------------------


def test_the_returns_matrix_shows_what_each_authority_sent(member: Any) -> None:
    client = signed_in(member, "hub-analyst", use_cases=("pan",))
    response = client.get(reverse("hub"))
    assert response.status_code == 200
    html = response.content.decode()
    rows = response.context["returns"]
    assert len(rows) == 33
    datasets = [d.name for d in response.context["datasets"]]
    assert "ssda903" in datasets and "cin_census" in datasets
    # other tests of the session may upload more for CAM and HAC: the exact
    # figures are checked where an authority has its one conftest session
    all_sessions = registry().sessions()
    sessions = {s.la: s for s in all_sessions}
    counts = {la: sum(s.la == la for s in all_sessions) for la in sessions}
    for row in rows:
        code = row.authority.code
        for received in row.cells:
            classes, words = cell(html, f"returns-{code}-{received.dataset}")
            if code in ("CAM", "HAC") and received.dataset == "ssda903":
                assert received.year == 2024
                assert "2024" in words and "received" in words
                assert f"cld-status--{received.status}" in classes
                if counts[code] > 1:
                    continue
                files = sessions[code].outcome.files
                errors = sum(f.issues["error"] for f in files)
                assert received.received_at == sessions[code].received_at
                assert received.errors == errors
                assert received.status == ("error" if errors else "ok")
                assert (f"{errors} error" in words) == bool(errors)
            elif code not in sessions:
                assert received.status == "none"
                assert "cld-status--none" in classes
                assert words.strip() == "Nothing received"


def test_the_agreements_matrix_shows_what_is_in_force(member: Any) -> None:
    client = signed_in(member, "hub-analyst", use_cases=("pan",))
    response = client.get(reverse("hub"))
    html = response.content.decode()
    assert response.context["use_cases"] == ["equalities", "pan", "sufficiency"]
    # other tests sign and withdraw for other authorities: compare with the
    # registry on the day, and with what the conftest set for CAM and HAC
    in_force_now = {
        la: found.use_cases
        for la, found in registry().all_permissions(dt.date.today()).items()
    }
    assert in_force_now["CAM"] >= {"pan", "sufficiency"}
    assert in_force_now["HAC"] >= {"pan"}
    recorded = {(a.la, a.use_case) for a in registry().agreements()}
    for row in response.context["agreements"]:
        for agreement in row.cells:
            code = row.authority.code
            classes, words = cell(html, f"agreement-{code}-{agreement.use_case}")
            in_force = agreement.use_case in in_force_now.get(code, frozenset())
            assert agreement.in_force is in_force
            assert ("In force" in words) is in_force
            assert ("cld-status--ok" in classes) is in_force
            if (code, agreement.use_case) not in recorded:
                assert words.strip() == "No agreement"
    assert response.context["in_force"] == [
        sum(name in cases for cases in in_force_now.values())
        for name in ("equalities", "pan", "sufficiency")
    ]


def test_charts_of_a_use_case_only_for_those_who_may_see_it(member: Any) -> None:
    analyst = signed_in(member, "hub-analyst", use_cases=("pan",)).get(reverse("hub"))
    html = analyst.content.decode()
    assert analyst.context["sufficiency"] is None
    assert analyst.context["equalities"] is None
    assert 'id="chart-sessions"' in html
    assert "chart-distance" not in html and "chart-odds" not in html
    assert "not approved for are not shown" in html

    sufficiency = signed_in(member, "hub-analyst", use_cases=("sufficiency",))
    page = sufficiency.get(reverse("hub"))
    assert [f.id for f in page.context["sufficiency"]] == [
        "chart-distance-at-31-march",
        "chart-distance-during-year",
    ]
    assert page.context["equalities"] is None

    admin = signed_in(member, "admin").get(reverse("hub"))
    html = admin.content.decode()
    assert 'id="chart-distance-during-year"' in html
    assert admin.context["equalities"] == []  # no CIN census returns: no odds ratios
    assert "the equalities outputs have no odds ratios" in html
    assert "not approved for are not shown" not in html


def test_the_page_keeps_to_the_csp_and_labels_every_chart(member: Any) -> None:
    html = signed_in(member, "admin").get(reverse("hub")).content.decode()
    tags = tags_of(html)
    assert all("style" not in attrs for _, attrs in tags)
    assert not any(tag == "script" and "src" not in attrs for tag, attrs in tags)
    svgs = [attrs for tag, attrs in tags if tag == "svg"]
    assert len(svgs) == 3
    for attrs in svgs:
        ident = attrs["id"]
        assert attrs["role"] == "img"
        assert attrs["aria-labelledby"] == f"{ident}-title {ident}-desc"
        assert f'<title id="{ident}-title">' in html
        assert f'<desc id="{ident}-desc">' in html
    assert html.count('<details class="govuk-details">') == 3
    for table in re.findall(r"<table.*?</table>", html, re.S):
        assert "<caption" in table
        assert "<th scope=" in table


def test_the_dashboard_is_refused_to_authority_roles(member: Any) -> None:
    for role in ("la-uploader", "la-governance"):
        client = signed_in(member, role, la="CAM")
        assert client.get(reverse("hub")).status_code == 403


# -- the matrices' data -------------------------------------------------------


def session(
    la: str, received: dt.datetime, *files: tuple[str | None, int | None, int, int]
) -> SessionRecord:
    return SessionRecord(
        id=f"{received:%Y%m%dT%H%M%SZ}-{la}",
        la=la,
        status="published",
        submitted_by="test",
        received_at=received,
        finished_at=received,
        policy_version=1,
        summary={
            "files": [
                {
                    "file": "x.csv",
                    "dataset": dataset,
                    "year": year,
                    "tables": {},
                    "issues": {"error": errors, "warning": warnings},
                    "error": None,
                }
                for dataset, year, errors, warnings in files
            ]
        },
    )


def at(month: int, day: int = 1) -> dt.datetime:
    return dt.datetime(2025, month, day, 12, tzinfo=dt.UTC)


def test_the_latest_year_wins_and_its_latest_session() -> None:
    sessions = [
        session("CAM", at(1), ("ssda903", 2024, 3, 0), ("ssda903", 2024, 1, 0)),
        session("CAM", at(2), ("ssda903", 2023, 0, 0)),  # an earlier year, later
        session("CAM", at(3), ("ssda903", 2024, 0, 2)),  # 2024 again: this one
        session("CAM", at(3), ("cin_census", 2025, 0, 0), (None, None, 1, 0)),
        session("HAC", at(4), ("ssda903", 2025, 1, 1)),
        SessionRecord("failed", "ISL", "failed", "t", at(5), None, 1, {"error": "X"}),
    ]
    latest = dashboard.latest_returns(dashboard.received_files(sessions))
    assert latest.select("la", "dataset", "year", "errors", "warnings").rows() == [
        ("CAM", "cin_census", 2025, 0, 0),
        ("CAM", "ssda903", 2024, 0, 2),
        ("HAC", "ssda903", 2025, 1, 1),
    ]
    assert latest["received_at"].to_list()[1] == at(3)


def test_each_cell_says_its_status_in_words() -> None:
    assert dashboard.Received("x").issues == "Nothing received"
    cases = [
        (dashboard.Received("x", 2024, at(1)), "ok", "No issues"),
        (dashboard.Received("x", 2024, at(1), warnings=1), "warn", "1 warning"),
        (dashboard.Received("x", 2024, at(1), errors=2), "error", "2 errors"),
        (
            dashboard.Received("x", 2024, at(1), errors=1, warnings=3),
            "error",
            "1 error, 3 warnings",
        ),
    ]
    for received, status, words in cases:
        assert (received.status, received.issues) == (status, words)


def test_agreement_cells() -> None:
    approved = Dpia("CAM", DpiaStatus.APPROVED, frozenset({"pan"}))
    signed = Agreement(
        "CAM",
        "pan",
        AgreementStatus.SIGNED,
        signed_on=DAY - dt.timedelta(days=10),
        expires_on=DAY + dt.timedelta(days=100),
    )
    cases = [
        (signed, approved, "ok", "In force"),
        (signed, no_dpia("CAM"), "warn", "Signed; DPIA not approved for it"),
        (
            Agreement("CAM", "pan", AgreementStatus.REQUESTED, requested_on=DAY),
            approved,
            "warn",
            "Requested",
        ),
        (
            Agreement(
                "CAM",
                "pan",
                AgreementStatus.WITHDRAWN,
                signed_on=DAY - dt.timedelta(days=10),
                withdrawn_on=DAY,
            ),
            approved,
            "error",
            "Withdrawn",
        ),
        (
            Agreement(
                "CAM",
                "pan",
                AgreementStatus.SIGNED,
                signed_on=DAY - dt.timedelta(days=100),
                expires_on=DAY - dt.timedelta(days=1),
            ),
            approved,
            "error",
            "Expired",
        ),
        (no_agreement("CAM", "pan"), approved, "none", "No agreement"),
    ]
    for agreement, dpia, status, words in cases:
        found = dashboard.agreement_cell(agreement, dpia, DAY)
        assert (found.status, found.words) == (status, words)
        assert found.in_force is (status == "ok")
    assert dashboard.agreement_cell(signed, approved, DAY).until == signed.expires_on


def test_sessions_per_month_fills_the_months_without_any() -> None:
    months = dashboard.sessions_per_month(
        [
            session("CAM", at(1, 3)),
            session("HAC", at(1, 30)),
            session("CAM", at(4, 2)),
            # 23:30 on 31 May in UTC is June in London
            session("CAM", dt.datetime(2025, 5, 31, 23, 30, tzinfo=dt.UTC)),
        ]
    )
    assert months.rows() == [
        (dt.date(2025, 1, 1), 2),
        (dt.date(2025, 2, 1), 0),
        (dt.date(2025, 3, 1), 0),
        (dt.date(2025, 4, 1), 1),
        (dt.date(2025, 5, 1), 0),
        (dt.date(2025, 6, 1), 1),
    ]
    assert dashboard.sessions_per_month([]).is_empty()
    figure = figures.submissions_figure(months)
    assert figure.rows[0] == ("Jan 2025", "2") and len(figure.rows) == 6
    assert "4 sessions from Jan 2025 to Jun 2025" in figure.svg
    empty = figures.submissions_figure(dashboard.sessions_per_month([]))
    assert empty.rows == [] and "No data to show." in empty.svg


# -- the figures' data --------------------------------------------------------


def test_distance_figures_draw_londons_latest_year(tmp_path: Path) -> None:
    rows = [
        (2023, "at_31_march", "London", "under 5 km", "90"),
        (2024, "at_31_march", "CAM", "under 5 km", "7"),
        (2024, "at_31_march", "London", "50 km and over", "20"),
        (2024, "at_31_march", "London", "under 5 km", "40"),
        (2024, "at_31_march", "London", "unknown", "[c]"),
        (2024, "at_31_march", "London", "5 to under 10 km", "30"),
        (2024, "at_31_march", "London", "Total", "90"),
    ]
    frame = pl.DataFrame(
        rows, schema=["YEAR", "measure", "LA", "category", "count"], orient="row"
    ).with_columns(pl.col("YEAR").cast(pl.Int16), pl.lit("distance").alias("dimension"))
    path = tmp_path / figures.DISTANCE_TABLE
    frame.write_parquet(path)
    (figure,) = figures.distance_figures(path, "Counts of 1 to 5 are suppressed.")
    assert figure.id == "chart-distance-at-31-march"
    assert "31 March 2024" in figure.title
    assert figure.rows == [
        ("under 5 km", "40"),
        ("5 to under 10 km", "30"),
        ("50 km and over", "20"),
        ("unknown", "[c]"),
    ]
    assert figure.svg.count("<rect") == 3  # none for the suppressed count
    assert "Counts of 1 to 5 are suppressed." in figure.svg
    assert figures.distance_figures(None) == []
    assert figures.distance_figures(tmp_path / "missing.parquet") == []


def equalities_frame(dimension: str, rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    columns = ["step", "LA", "category", "count", "denominator", "odds_ratio"]
    return pl.DataFrame(
        [(*r, *(["[x]"] * (8 - len(r)))) for r in rows],
        schema=[*columns, "ci_low", "ci_high"],
        orient="row",
    ).with_columns(
        pl.lit(2024, pl.Int16).alias("YEAR"),
        pl.lit(dimension).alias("dimension"),
        pl.lit("46.0").alias("percent"),
    )


def test_odds_ratio_figures_are_forest_plots_per_step(tmp_path: Path) -> None:
    sex = equalities_frame(
        "sex",
        [
            ("assessment", "London", "male", "100", "200", "1.0"),
            ("assessment", "London", "female", "90", "150", "1.5", "1.1", "2.05"),
            ("assessment", "London", "unknown", "[c]", "[c]", "[c]", "[c]", "[c]"),
            ("assessment", "London", "Total", "190", "350"),
            ("assessment", "CAM", "female", "40", "60", "2.0", "1.0", "4.0"),
            ("cpp", "London", "male", "10", "200", "1.0"),
            ("cpp", "London", "female", "12", "150", "1.62", "0.7", "3.77"),
        ],
    )
    ethnicity = equalities_frame(
        "ethnicity_group",
        [
            ("assessment", "London", "White", "70", "100", "1.0"),
            (
                "assessment",
                "London",
                "Black or Black British",
                "30",
                "50",
                "0.64",
                "0.32",
                "1.28",
            ),
        ],
    )
    paths = []
    for name, frame in (("sex", sex), ("ethnicity_group", ethnicity)):
        paths.append(tmp_path / f"equalities_{name}.parquet")
        frame.write_parquet(paths[-1])
    assessment, cpp = figures.odds_ratio_figures(paths)
    assert assessment.id == "chart-odds-assessment"
    assert cpp.id == "chart-odds-cpp"
    assert "reaching an assessment, London 2023-24" in assessment.title
    assert assessment.rows == [
        ("Ethnicity group: White", "100", "70", "1 (reference)"),
        ("Ethnicity group: Black or Black British", "50", "30", "0.64 (0.32 to 1.28)"),
        ("Sex: male", "200", "100", "1 (reference)"),
        ("Sex: female", "150", "90", "1.50 (1.10 to 2.05)"),
        ("Sex: unknown", "[c]", "[c]", "[c]"),
    ]
    svg = str(assessment.svg)
    assert svg.count("<rect") == 4  # a mark per shown ratio, none for [c]
    assert "Ethnicity group" in svg and "stroke-dasharray" in svg
    assert figures.odds_ratio_figures([]) == []
    assert figures.odds_ratio_figures([tmp_path / "missing.parquet"]) == []


@pytest.mark.parametrize("year, written", [(2024, "2023-24"), (2000, "1999-00")])
def test_periods(year: int, written: str) -> None:
    assert figures.period(year) == written
