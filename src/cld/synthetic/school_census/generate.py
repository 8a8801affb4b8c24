"""Make one authority's school census extract files for one year.

Every census of the year (spring, summer and autumn; autumn only in 2015) gives one
CSV file per table of that term, named as the authority names them, with the term
and the year in the name. Same arguments and seed, same bytes: every random stream
is seeded from (seed, authority, year, term, purpose).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from cld.engine.spec.load import load_spec
from cld.engine.spec.model import TableSpec
from cld.governance.authorities import Authority
from cld.synthetic.faults import FAULT_SCHEMA, apply_faults, plan_faults
from cld.synthetic.generate import SyntheticFile
from cld.synthetic.identifiers import outward_codes
from cld.synthetic.school_census.calendar import (
    Census,
    censuses,
    extract_table,
    term_tables,
)
from cld.synthetic.school_census.context import DATASET, CensusContext
from cld.synthetic.school_census.layout import (
    LEAVERS,
    PUPILS,
    ROOT,
    Rows,
    child_rows,
    parent_table,
    pupil_rows,
    root_rows,
)
from cld.synthetic.school_census.population import make_population
from cld.synthetic.school_census.values import Cell, column_values
from cld.synthetic.seeds import stable_number

FILE_WORDS: dict[str, str] = {
    "schoolcensus": "returns",
    "school": "schools",
    "levels": "levels",
    "classes": "classes",
    "childcare": "childcare",
    "provisions": "provisions",
    "pupilonroll": "pupils",
    "pupilnolongeronroll": "leavers",
    "addresses": "addresses",
    "addressesonroll": "addresses",
    "addressesoffroll": "leaver_addresses",
    "fsmperiod": "fsm",
    "fsmperiodsonroll": "fsm",
    "termlyexclusionsonroll": "exclusions",
    "termlyexclusionsoffroll": "leaver_exclusions",
    "termlysessiondetailsonroll": "absence",
    "termlysessiondetailsoffroll": "leaver_absence",
    "summerhalfterm2sessiondetailsonroll": "ht6_absence",
    "summerhalfterm2sessiondetailsoffroll": "leaver_ht6_absence",
    "annualsessiondetailsonroll": "annual_absence",
    "annualsessiondetailsoffroll": "leaver_annual_absence",
    "nationalitiesonroll": "nationalities",
    "nationalitiesoffroll": "leaver_nationalities",
    "learnersupportonroll": "learner_support",
    "learnersupportoffroll": "leaver_learner_support",
    "learnerfamonroll": "learner_fam",
    "learnerfamoffroll": "leaver_learner_fam",
    "programmeaimsonroll": "programme_aims",
    "programmeaimsoffroll": "leaver_programme_aims",
    "learningaimsonroll": "learning_aims",
    "learningaimsoffroll": "leaver_learning_aims",
    "workplaceentityonroll": "work_placements",
    "workplaceentityoffroll": "leaver_work_placements",
    "approvisiondetailonroll": "ap_provision",
    "approvisiondetailoffroll": "leaver_ap_provision",
    "schoolarrangedapdetailonroll": "school_arranged_ap",
    "schoolarrangedapdetailoffroll": "leaver_school_arranged_ap",
    "senneeds": "sen_needs",
    "fundingbasisitems": "funding_basis",
}
"""The word each authority's files use for each table (the extract's own name)."""

_NAME_STYLES = (
    "school_census_{term}_{year}_{word}.csv",
    "SC {Term} {year} {Word}.csv",
    "{la}_SchoolCensus_{Term}_{year}_{word}.csv",
    "{la} school census {term} {year} - {Word}.csv",
    "CBDS_{year}_{TERM}_{word}.csv",
    "{year} {Term} SC {word}.csv",
)
_DATE_STYLES = 4
"""One authority in four writes dates dd/mm/yyyy (its spreadsheets resaved them)."""


@dataclass(frozen=True)
class SchoolCensusUpload(SyntheticFile):
    """One extract file as the authority would upload it, and its planted faults
    (``table`` is the schema's table, e.g. ``autumn_pupilonroll``; ``faults`` also
    carry it)."""

    term: str


def file_name(la_code: str, census: Census, table: str) -> str:
    """What the authority ``la_code`` calls the file of ``table`` (the extract's
    name) for ``census``: the term and the year are always in it."""
    style = _NAME_STYLES[stable_number(f"sc-names:{la_code}") % len(_NAME_STYLES)]
    word = FILE_WORDS.get(table, table)
    return style.format(
        la=la_code,
        year=census.year,
        term=census.term,
        Term=census.term.title(),
        TERM=census.term.upper(),
        word=word,
        Word=word.replace("_", " ").title(),
    )


def _order(tables: dict[str, TableSpec]) -> list[str]:
    """Schema tables of one term, parents before children."""
    by_extract = {extract_table(n): n for n in tables}
    done: list[str] = []

    def visit(extract: str, path: tuple[str, ...]) -> None:
        if by_extract[extract] in done:
            return
        if extract in path:
            raise ValueError(f"tables hang from each other in a loop: {path}")
        parent = parent_table(extract, tables[by_extract[extract]])
        if parent is not None:
            if parent not in by_extract:
                raise LookupError(f"{by_extract[extract]} hangs from missing {parent}")
            visit(parent, (*path, extract))
        done.append(by_extract[extract])

    for extract in sorted(by_extract):
        visit(extract, ())
    return done


def _rows(
    ctx: CensusContext, extract: str, table: TableSpec, made: dict[str, Rows]
) -> tuple[Rows, Rows | None]:
    rng = ctx.rng("rows", extract)
    population = ctx.population
    if extract == ROOT:
        return root_rows(rng, population), None
    parent_name = parent_table(extract, table)
    assert parent_name is not None
    parent = made[parent_name]
    if extract == PUPILS:
        return pupil_rows(rng, population, population.on_roll(ctx.census)), parent
    if extract == LEAVERS:
        return pupil_rows(rng, population, population.leavers(ctx.census)), parent
    return child_rows(rng, population, extract, parent), parent


def _frame(
    ctx: CensusContext, extract: str, table: TableSpec, rows: Rows, parent: Rows | None
) -> pl.DataFrame:
    rng = ctx.rng("values", extract)
    done: dict[str, pl.Series] = {}
    columns = []
    for name, column in table.columns.items():
        cell = Cell(ctx, extract, table, name, column, rows, parent, rng, done)
        values = column_values(cell).cast(pl.String).alias(name)
        if len(values) != rows.size:
            raise ValueError(
                f"{table.name}.{name}: {len(values)} values, not {rows.size}"
            )
        done[name] = values
        columns.append(values)
    return pl.DataFrame(columns)


def census_files(
    ctx: CensusContext, messiness: float = 0.0
) -> list[SchoolCensusUpload]:
    """Every table of one census, as files, with faults planted in about
    ``messiness`` of the rows of each."""
    tables = term_tables(ctx.spec, ctx.census.term)
    made: dict[str, Rows] = {}
    files = []
    for name in _order(tables):
        table = tables[name]
        extract = extract_table(name)
        rows, parent = _rows(ctx, extract, table, made)
        made[extract] = rows
        clean = _frame(ctx, extract, table, rows, parent)
        rng = ctx.rng("faults", extract)
        plan = plan_faults(rng, table, clean.height, messiness)
        frame, faults = apply_faults(clean, table, ctx.census.year, plan, rng)
        files.append(
            SchoolCensusUpload(
                la=ctx.authority.code,
                year=ctx.census.year,
                term=ctx.census.term,
                table=name,
                name=file_name(ctx.authority.code, ctx.census, extract),
                frame=frame,
                faults=faults.select(pl.lit(name).alias("table"), *FAULT_SCHEMA),
            )
        )
    return files


def generate(
    authority: Authority,
    year: int,
    *,
    children: int,
    seed: int = 0,
    messiness: float = 0.0,
) -> list[SchoolCensusUpload]:
    """Every extract file of every census ``authority`` made in ``year``, with about
    ``children`` pupils on roll and about ``messiness`` of each table's rows faulty."""
    spec = load_spec(DATASET, year)
    files: list[SchoolCensusUpload] = []
    for census in censuses(spec):
        population = make_population(
            authority, census.academic_start, seed, children=children
        )
        ctx = CensusContext(
            authority=authority,
            spec=spec,
            census=census,
            population=population,
            seed=seed,
            date_style=int(
                stable_number(f"sc-dates:{authority.code}") % _DATE_STYLES == 0
            ),
            outward=outward_codes(authority.code),
        )
        files.extend(census_files(ctx, messiness))
    return files
