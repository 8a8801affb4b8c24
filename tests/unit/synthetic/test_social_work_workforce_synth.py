"""The synthetic social work workforce census: one XML file per LA and year,
deterministic, clean when asked, and every planted fault found where it was planted."""

from __future__ import annotations

import datetime as dt
import io

import polars as pl
import pytest

from cld.engine.conform.table import conform_table
from cld.engine.readers.xml import read_header, read_tables
from cld.engine.spec.load import load_spec, year_range
from cld.engine.spec.model import CategoryColumn
from cld.engine.validate import ValidateOptions, validate_bytes
from cld.governance.authorities import Authority, authorities, find_authority
from cld.synthetic.faults import PLANTED
from cld.synthetic.registry import generator
from cld.synthetic.social_work_workforce import (
    DATASET,
    MIN_WORKERS,
    WorkforceUpload,
    generate,
)

YEARS = list(year_range(DATASET))
Found = set[tuple[str, int | None, str | None, str]]


def _read(upload: WorkforceUpload) -> dict[str, pl.DataFrame]:
    """Each table's conformed frame, and ``issues``: every issue of the file."""
    spec = load_spec(DATASET, upload.year)
    raws = read_tables(io.BytesIO(upload.data), spec)
    results = {
        n: conform_table(r, spec.tables[n], upload.year) for n, r in raws.items()
    }
    frames = {name: result.frame for name, result in results.items()}
    frames["issues"] = pl.concat([r.issues for r in results.values()])
    return frames


def _found(upload: WorkforceUpload) -> Found:
    issues = _read(upload)["issues"]
    return {(r["table"], r["row"], r["column"], r["code"]) for r in issues.to_dicts()}


def _one(authority: Authority, year: int, **options: float) -> WorkforceUpload:
    made = generate(authority, year, **options)  # type: ignore[arg-type]
    assert len(made) == 1
    return made[0]


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not() -> None:
    camden = find_authority("CAM")
    first = _one(camden, 2024, children=200, seed=3, messiness=0.1)
    again = _one(camden, 2024, children=200, seed=3, messiness=0.1)
    other = _one(camden, 2024, children=200, seed=4, messiness=0.1)
    assert (first.name, first.data) == (again.name, again.data)
    assert first.faults.equals(again.faults)
    assert first.data != other.data


def test_the_registry_knows_the_generator() -> None:
    made = generator(DATASET)(find_authority("HAC"), 2023, children=100)
    assert [u.name for u in made] == [
        u.name for u in generate(find_authority("HAC"), 2023, children=100)
    ]


@pytest.mark.parametrize("year", YEARS)
def test_clean_files_have_no_issue_in_every_year(year: int) -> None:
    for authority in authorities()[::8]:
        upload = _one(authority, year, children=150, seed=year)
        assert upload.faults.is_empty()
        assert _found(upload) == set()


def test_the_file_is_the_authority_s_return_for_the_year() -> None:
    islington = find_authority("ISL")
    upload = _one(islington, 2025, children=400, seed=1)
    assert upload.la == "ISL" and upload.year == 2025
    assert upload.name.endswith(".xml") and "2025" in upload.name
    layout = load_spec(DATASET, 2025).xml
    assert layout is not None
    header = read_header(io.BytesIO(upload.data), layout)
    assert header == {
        "collection": "CSWW",
        "year": "2025",
        "reference_date": "2025-09-30",
        "la": str(islington.dfe),
    }
    report = validate_bytes(
        upload.name, upload.data, ValidateOptions(la=str(islington.dfe))
    )
    assert report.error is None
    assert (report.dataset, report.year) == (DATASET, 2025)
    assert report.tables == {"workers": 80, "vacancies": 1}
    assert upload.rows == 81
    assert report.issues.is_empty()


def test_workers_are_realistic() -> None:
    upload = _one(find_authority("SOU"), 2024, children=2000, seed=2)
    frames = _read(upload)
    workers, vacancies = frames["workers"], frames["vacancies"]
    spec = load_spec(DATASET, 2024).tables["workers"]
    begins, census = dt.date(2023, 10, 1), dt.date(2024, 9, 30)
    assert workers.height == 400
    assert workers["SWENo"].n_unique() == 400
    agency = workers.filter(pl.col("AgencyWorker") == "1")
    staff = workers.filter(pl.col("AgencyWorker") == "0")
    assert 0.08 < agency.height / workers.height < 0.40
    # Agency workers: registration, qualification, role and contract only.
    assert agency["PersonBirthDate"].null_count() == agency.height
    assert agency["ContractWeeks"].null_count() == 0
    assert staff["PersonBirthDate"].null_count() == 0
    # Leavers left during the census year and are not counted at 30 September.
    leavers = staff.filter(pl.col("RoleEndDate").is_not_null())
    assert 0.05 < leavers.height / staff.height < 0.30
    assert leavers["RoleEndDate"].is_between(begins, census).all()
    assert (leavers["RoleStartDate"] <= leavers["RoleEndDate"]).all()
    assert leavers["FTE30"].null_count() == leavers.height
    assert leavers["ReasonLeave"].null_count() == 0
    starters = staff.filter(pl.col("StartOrigin").is_not_null())
    assert (starters["RoleStartDate"] >= begins).all()
    ages = staff.select(
        (pl.lit(census) - pl.col("PersonBirthDate")).dt.total_days() / 365.25
    ).to_series()
    assert ages.min() >= 22 and ages.max() < 67  # type: ignore[operator]
    # The LA-level row agrees with the workers.
    in_post = agency.filter(pl.col("FTE30").is_not_null())
    assert vacancies["NoAgencyHeadcount"].to_list() == [in_post.height]
    assert vacancies["NoAgencyFTE"][0] == pytest.approx(in_post["FTE30"].sum(), 0.01)
    # Several codes of each list are used, and all of them are the year's.
    for column in ("GenderCurrent", "Ethnicity", "OrgRole", "QualLevel"):
        spec_column = spec.columns[column]
        assert isinstance(spec_column, CategoryColumn)
        used = set(workers[column].drop_nulls())
        assert len(used) >= 3 and used <= set(spec_column.codes)


@pytest.fixture(scope="module")
def messy() -> list[WorkforceUpload]:
    return [
        _one(authority, year, children=600, seed=9, messiness=0.08)
        for authority, year in ((authorities()[2], 2022), (authorities()[17], 2026))
    ]


def test_every_planted_fault_is_found_where_it_was_planted(
    messy: list[WorkforceUpload],
) -> None:
    for upload in messy:
        planted = set(upload.faults.select("table", "row", "column", "code").rows())
        assert planted
        assert _found(upload) == planted


def test_faults_are_planted_in_proportion_and_of_every_kind_a_table_can_have(
    messy: list[WorkforceUpload],
) -> None:
    rows = sum(u.rows for u in messy)
    faults = sum(u.faults.height for u in messy)
    assert 0.04 < faults / rows < 0.12
    kinds = {code for u in messy for code in u.faults["code"]}
    # Registration numbers have letters, so a spreadsheet never turns them into
    # numbers; and the return has no postcode.
    expected = set(map(str, PLANTED)) - {"identifier_restored", "invalid_postcode"}
    assert kinds == expected


def test_vacancy_faults_are_located_on_the_la_level_row() -> None:
    upload = _one(find_authority("WAN"), 2024, children=100, seed=0, messiness=1.0)
    vacancies = upload.faults.filter(pl.col("table") == "vacancies")
    assert vacancies.height == 1
    line = upload.data.decode().splitlines()[vacancies["row"][0] - 1]
    assert line.strip() == "<LALevelVacancies>"
    assert _found(upload) == set(upload.faults.rows())


def test_at_least_twenty_workers() -> None:
    upload = _one(find_authority("CIT"), 2024, children=5)
    assert _read(upload)["workers"].height == MIN_WORKERS
