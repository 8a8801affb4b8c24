"""Synthetic children's social work workforce census returns (CSWW, one XML file).

One file per authority and year, as a council's HR system exports it: a header
naming the collection, the census year, its reference date (30 September) and the
LA's DfE number; the LA-level vacancies and agency counts; then one ``<CSWWWorker>``
per social worker. Element names, the collection name and every code come from the
year's schema. The census year runs from 1 October to the 30 September reference
date: starters and leavers fall in it, and "at 30 September" facts describe workers
still in post on that day.

Faults are planted in the tables (:mod:`cld.synthetic.faults`) before the XML is
written, then located by the line of the element that makes their row. The same
arguments and seed give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np
import numpy.typing as npt
import polars as pl

from cld.engine.spec.load import load_spec
from cld.engine.spec.model import DatasetSpec, TableSpec, XmlLayout
from cld.governance.authorities import Authority
from cld.synthetic.codes import code_labelled, draw
from cld.synthetic.dates import Days, day_number, uniform_days
from cld.synthetic.faults import apply_faults, plan_faults
from cld.synthetic.registry import FileUpload
from cld.synthetic.seeds import rng_for, stable_number
from cld.synthetic.tables import assemble

DATASET = "social_work_workforce"
WORKERS = "workers"
VACANCIES = "vacancies"

WORKERS_PER_CHILD = 0.2
"""Social workers in the return for each child the caller asks for."""
MIN_WORKERS = 20

FAULT_SCHEMA = pl.Schema(
    {
        "table": pl.String(),
        "row": pl.Int64(),
        "column": pl.String(),
        "code": pl.String(),
    }
)

Rows = dict[str, pl.Series]
Mask = npt.NDArray[np.bool_]

_LEAVERS = 0.16
"""Share of the LA's own social workers who left during the census year."""
_STARTERS = 0.18
"""Share of them who started in their role during the census year."""
_DAYS_A_YEAR = 365.25

_ETHNICITY = {
    "WBRI": 34, "WIRI": 2, "WOTH": 8, "MWBC": 2, "MWBA": 1, "MWAS": 1, "MOTH": 2,
    "AIND": 3, "APKN": 1, "ABAN": 1, "AOTH": 2, "BCRB": 9, "BAFR": 20, "BOTH": 3,
    "CHNE": 0.5, "OOTH": 3, "REFU": 2, "NOBT": 4,
}  # fmt: skip
_GENDER = {"Female": 84, "Male": 15, "Not known": 0.5, "Not specified": 0.5}
_QUALIFICATION = {"Undergraduate": 46, "Postgraduate": 49, "Other": 5}
_ROLE = {
    "Senior manager": 3, "Middle manager": 8, "First line manager": 14,
    "Senior practitioner": 16, "Case holder": 55, "Qualified without cases": 4,
}  # fmt: skip
_AGENCY_ROLE = {"First line manager": 6, "Senior practitioner": 10, "Case holder": 84}
_CASES = {
    "Case holder": (12, 24),
    "Senior practitioner": (6, 16),
    "First line manager": (0, 4),
}
"""Cases held at 30 September by role: lowest and highest."""
# By code, where labels are long. Start origin: 1 newly qualified, 2 another LA,
# 4 agency. Destination: 1 another LA, 3 agency, 6 out of social care. Reason for
# leaving: 1 resignation, 5 retired, 7 another role in the LA.
_START_ORIGIN = {"1": 30, "2": 26, "3": 4, "4": 18, "5": 5, "6": 5, "7": 3, "8": 3}
_DESTINATION = {"1": 30, "2": 4, "3": 22, "4": 6, "5": 5, "6": 9, "7": 6}
_REASON_LEAVE = {"1": 68, "2": 1, "3": 0.5, "4": 2, "5": 8, "6": 0.2, "7": 6, "8": 8}
_REASON_ABSENCE = {
    "SIC": 45, "MAT": 40, "OTH": 8, "TRN": 3, "UNP": 2, "PUB": 1, "UNA": 1,
}  # fmt: skip
_PART_TIME_FTE = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

_INSTITUTIONS = (
    "University of East London", "London Metropolitan University",
    "Goldsmiths, University of London", "Royal Holloway, University of London",
    "Kingston University", "Brunel University London", "Middlesex University",
    "University of Greenwich", "London South Bank University",
    "University of West London", "University of Hertfordshire", "King's College London",
    "Canterbury Christ Church University", "University of Bedfordshire",
    "Anglia Ruskin University", "University of Sussex", "University of Kent",
    "The Open University", "University of Birmingham", "University of Manchester",
    "University of Nottingham", "University of York", "University of Bristol",
    "Oxford Brookes University", "University of Essex", "University of Portsmouth",
    "Buckinghamshire New University", "University of Zimbabwe", "University of Lagos",
    "University of Cape Town", "University of the West Indies", "University of Ghana",
)  # fmt: skip
_SOFTWARE = ("iTrent", "Oracle HCM", "SAP SuccessFactors", "ResourceLink", "Selima")
_FILE_NAMES = (
    "SWWC_{year}_{dfe}.xml",
    "CSWW_{year}_{dfe}.xml",
    "{dfe}_CSWW_{year}.xml",
    "{la}_SWWC_{year}.xml",
    "csww_{year}_{la}_final.xml",
    "{dfe} SWWC {year}.xml",
)


class WorkforceUpload(FileUpload):
    """One census return as the authority would upload it, and its planted faults
    (rows: the workers and the one vacancies row; a fault's row: the XML line of
    the row's element)."""


def file_name(authority: Authority, year: int) -> str:
    """What ``authority`` calls its census file for ``year`` (the same every run)."""
    style = _FILE_NAMES[
        stable_number(f"csww names:{authority.code}") % len(_FILE_NAMES)
    ]
    return style.format(year=year, dfe=authority.dfe, la=authority.code)


def worker_count(children: int) -> int:
    return max(MIN_WORKERS, round(children * WORKERS_PER_CHILD))


def generate(
    authority: Authority,
    year: int,
    *,
    children: int,
    seed: int = 0,
    messiness: float = 0.0,
) -> list[WorkforceUpload]:
    """The census return of ``authority`` for ``year``: about ``children`` / 5 social
    workers, with about ``messiness`` of the rows of each table faulty."""
    spec = load_spec(DATASET, year)
    layout = _layout(spec)
    unknown = set(spec.tables) - {WORKERS, VACANCIES}
    if unknown:
        raise LookupError(
            f"the synthetic generator cannot make the {', '.join(sorted(unknown))} "
            f"table of {year} yet"
        )
    rng = rng_for(seed, authority.code, year, "workforce")
    agency_share = 0.12 + (stable_number(f"agency:{authority.code}") % 21) / 100
    workers = assemble(
        spec.tables[WORKERS],
        _workers(rng, spec.tables[WORKERS], year, worker_count(children), agency_share),
    )
    vacancies = assemble(
        spec.tables[VACANCIES], _vacancies(rng, spec.tables[WORKERS], workers)
    )

    frames: dict[str, pl.DataFrame] = {}
    planted: dict[str, pl.DataFrame] = {}
    for name, clean in ((VACANCIES, vacancies), (WORKERS, workers)):
        table = spec.tables[name]
        fault_rng = rng_for(seed, authority.code, year, f"faults:{name}")
        plan = plan_faults(fault_rng, table, clean.height, messiness)
        frames[name], planted[name] = apply_faults(clean, table, year, plan, fault_rng)

    data, lines = _xml(spec, layout, authority, rng, frames)
    faults = pl.concat(
        [
            pl.DataFrame(
                {
                    "table": [name] * planted[name].height,
                    # the fault's row in the frame (row 2 is the first) → its line
                    "row": lines[name][planted[name]["row"].to_numpy() - 2],
                    "column": planted[name]["column"],
                    "code": planted[name]["code"],
                },
                schema=FAULT_SCHEMA,
            )
            for name in frames
        ]
    )
    return [
        WorkforceUpload(
            la=authority.code,
            year=year,
            name=file_name(authority, year),
            data=data,
            rows=sum(frame.height for frame in frames.values()),
            faults=faults.sort("row", "column"),
        )
    ]


def _layout(spec: DatasetSpec) -> XmlLayout:
    if spec.xml is None:
        raise ValueError(f"{spec.name} has no XML layout")
    return spec.xml


# --- the workers ------------------------------------------------------------------


def _when(mask: Mask, values: pl.Series) -> pl.Series:
    """``values`` where ``mask``, null elsewhere."""
    return pl.select(pl.when(pl.Series(mask)).then(values)).to_series()


def _iso(days: Days, present: Mask) -> pl.Series:
    """``days`` written yyyy-mm-dd (``xs:date``); null where not ``present``."""
    dates = pl.Series(days.astype(np.int32)).cast(pl.Date).dt.to_string("%Y-%m-%d")
    return _when(present, dates)


def _decimals(values: npt.NDArray[np.float64], places: int, present: Mask) -> pl.Series:
    """``values`` with exactly ``places`` decimal places; null where not ``present``."""
    return pl.Series(
        [
            f"{v:.{places}f}" if p else None
            for v, p in zip(values, present, strict=True)
        ],
        dtype=pl.String,
    )


def _by_label(
    table: TableSpec, column: str, weights: Mapping[str, float]
) -> dict[str, float]:
    """``weights`` of code labels as weights of the codes of ``table.column``."""
    return {code_labelled(table, column, label): w for label, w in weights.items()}


def _yes_no(table: TableSpec, column: str, yes: Mask, present: Mask) -> pl.Series:
    flags = np.where(
        yes, code_labelled(table, column, "Yes"), code_labelled(table, column, "No")
    )
    return _when(present, pl.Series(flags, dtype=pl.String))


def _registration_numbers(rng: np.random.Generator, size: int) -> pl.Series:
    """Social Work England numbers: 'SW' and ten digits, distinct, ascending."""
    pool = max(300_000, size * 4)
    numbers = np.sort(rng.choice(pool, size=size, replace=False) + 1)
    return pl.select(
        pl.concat_str(pl.lit("SW"), pl.Series(numbers).cast(pl.String).str.zfill(10))
    ).to_series()


@dataclass(frozen=True)
class _Workforce:
    """Who each of the year's workers is (one entry per worker, day numbers)."""

    agency: Mask
    leaver: Mask
    """Left the LA during the census year (only the LA's own staff are counted)."""
    starter: Mask
    """Started in their role during the census year."""
    born: Days
    started: Days
    ended: Days
    """The day a leaver left (meaningless for the others)."""

    @property
    def size(self) -> int:
        return len(self.agency)

    @property
    def staff(self) -> Mask:
        return ~self.agency

    @property
    def in_post(self) -> Mask:
        """Still in post on 30 September."""
        return ~self.leaver


def _workforce(
    rng: np.random.Generator, year: int, size: int, agency_share: float
) -> _Workforce:
    """The LA's own staff (some started or left during the census year, 1 October
    to 30 September) and agency workers (in post on 30 September)."""
    census = day_number(year, 9, 30)
    begins = day_number(year - 1, 10, 1)
    agency = rng.random(size) < agency_share
    leaver = ~agency & (rng.random(size) < _LEAVERS)
    starter = ~agency & (rng.random(size) < _STARTERS)
    age = np.clip(rng.normal(41.0, 10.0, size), 22.5, 66.0)
    born = census - (age * _DAYS_A_YEAR).astype(np.int64) - rng.integers(0, 365, size)
    ended = uniform_days(rng, begins, census - 1, size)
    latest = np.where(leaver, ended, census)
    new_start = uniform_days(rng, np.full(size, begins), latest)
    service = (rng.exponential(5.0, size) * _DAYS_A_YEAR).astype(np.int64)
    # Before the year began, and qualified at 21 at the earliest.
    old_start = np.maximum(begins - 1 - service, born + 21 * 366)
    started = np.where(starter, new_start, old_start)
    return _Workforce(agency, leaver, starter, born, started, ended)


def _is(values: pl.Series, table: TableSpec, column: str, label: str) -> Mask:
    """Where ``values`` is the code of ``table.column`` labelled ``label``."""
    wanted = code_labelled(table, column, label)
    mask: Mask = (values == wanted).fill_null(False).to_numpy()
    return mask


def _roles(
    rng: np.random.Generator, table: TableSpec, people: _Workforce, origin: pl.Series
) -> tuple[pl.Series, Mask]:
    """Each worker's role, and who is a newly qualified starter (a case holder)."""
    newly_qualified = people.starter & _is(
        origin, table, "StartOrigin", "Newly qualified social worker"
    )
    size = people.size
    agency_roles = _by_label(table, "OrgRole", _AGENCY_ROLE)
    role = pl.select(
        pl.when(pl.Series(newly_qualified))
        .then(pl.lit(code_labelled(table, "OrgRole", "Case holder")))
        .when(pl.Series(people.agency))
        .then(draw(rng, table, "OrgRole", size, agency_roles, default=0))
        .otherwise(
            draw(rng, table, "OrgRole", size, _by_label(table, "OrgRole", _ROLE))
        )
    ).to_series()
    return role, newly_qualified


def _cases(
    rng: np.random.Generator,
    table: TableSpec,
    people: _Workforce,
    role: pl.Series,
    newly_qualified: Mask,
) -> pl.Series:
    """Cases held on 30 September by those in post in a case-holding role."""
    cases = np.zeros(people.size, dtype=np.int64)
    holds = np.zeros(people.size, dtype=np.bool_)
    for label, (low, high) in _CASES.items():
        has_role = _is(role, table, "OrgRole", label)
        cases = np.where(has_role, rng.integers(low, high + 1, people.size), cases)
        holds |= has_role
    cases = np.where(newly_qualified, np.minimum(cases, 14), cases)  # protected
    return _when(people.in_post & holds, pl.Series(cases).cast(pl.String))


def _cfkss(
    rng: np.random.Generator, table: TableSpec, role: pl.Series, newly_qualified: Mask
) -> pl.Series:
    """ASYE for newly qualified starters; some first line managers are accredited
    practice supervisors; blank for the rest."""
    supervisor = _is(role, table, "OrgRole", "First line manager") & (
        rng.random(len(role)) < 0.2
    )
    status = np.where(
        newly_qualified,
        code_labelled(
            table, "CFKSSstatus", "Assessed and supported year in employment (ASYE)"
        ),
        code_labelled(table, "CFKSSstatus", "Practice supervisor"),
    )
    return _when(newly_qualified | supervisor, pl.Series(status, dtype=pl.String))


def _workers(
    rng: np.random.Generator,
    table: TableSpec,
    year: int,
    size: int,
    agency_share: float,
) -> Rows:
    """Every column of the workers table, as text (null: the element is left out).
    Agency workers have only their registration, qualification, role and contract;
    leavers have no "at 30 September" facts."""
    people = _workforce(rng, year, size, agency_share)
    staff, in_post, agency = people.staff, people.in_post, people.agency
    origin = draw(rng, table, "StartOrigin", size, _START_ORIGIN, default=0.5)
    role, newly_qualified = _roles(rng, table, people, origin)
    part_time = rng.random(size) < np.where(agency, 0.05, 0.18)
    fte = np.where(part_time, rng.choice(_PART_TIME_FTE, size), 1.0)
    days_lost = np.where(
        rng.random(size) < 0.45, 0.0, np.round(rng.gamma(1.2, 7.0, size) * 2) / 2
    )
    absent = in_post & staff & (rng.random(size) < 0.06)
    weeks = np.round(rng.uniform(4.0, 52.0, size), 1)
    agency_flag = np.where(
        agency,
        code_labelled(table, "AgencyWorker", "Agency worker"),
        code_labelled(table, "AgencyWorker", "Not an agency worker"),
    )
    gender = _by_label(table, "GenderCurrent", _GENDER)
    qualification = _by_label(table, "QualLevel", _QUALIFICATION)
    institution = rng.integers(0, len(_INSTITUTIONS), size)
    return {
        "AgencyWorker": pl.Series(agency_flag, dtype=pl.String),
        "SWENo": _registration_numbers(rng, size),
        "FTE": _decimals(fte, 6, staff),
        "PersonBirthDate": _iso(people.born, staff),
        "GenderCurrent": _when(
            staff, draw(rng, table, "GenderCurrent", size, gender, default=0)
        ),
        "Ethnicity": _when(
            staff, draw(rng, table, "Ethnicity", size, _ETHNICITY, default=0.5)
        ),
        "QualInst": pl.Series(_INSTITUTIONS).gather(pl.Series(institution)),
        "QualLevel": _when(
            staff, draw(rng, table, "QualLevel", size, qualification, default=0)
        ),
        "StepUpGrad": _yes_no(table, "StepUpGrad", rng.random(size) < 0.03, staff),
        "OrgRole": role,
        "RoleStartDate": _iso(people.started, staff),
        "StartOrigin": _when(people.starter, origin),
        "RoleEndDate": _iso(people.ended, people.leaver),
        "LeaverDestination": _when(
            people.leaver,
            draw(rng, table, "LeaverDestination", size, _DESTINATION, default=0.5),
        ),
        "ReasonLeave": _when(
            people.leaver,
            draw(rng, table, "ReasonLeave", size, _REASON_LEAVE, default=0.5),
        ),
        "FTE30": _decimals(fte, 6, in_post),
        "Cases30": _cases(rng, table, people, role, newly_qualified),
        "WorkingDaysLost": _decimals(days_lost, 2, staff),
        "ContractWeeks": _decimals(weeks, 1, agency),
        "FrontlineGrad": _yes_no(
            table, "FrontlineGrad", rng.random(size) < 0.05, staff
        ),
        "Absat30Sept": _yes_no(table, "Absat30Sept", absent, in_post & staff),
        "ReasonAbsence": _when(
            absent,
            draw(rng, table, "ReasonAbsence", size, _REASON_ABSENCE, default=0.5),
        ),
        "CFKSSstatus": _cfkss(rng, table, role, newly_qualified),
    }


def _vacancies(
    rng: np.random.Generator, table: TableSpec, workers: pl.DataFrame
) -> Rows:
    """The LA-level row, consistent with the workers (``table`` is theirs): agency
    counts are the agency workers in post on 30 September; vacancies a share of the
    LA's own staff in post."""
    fte30 = pl.col("FTE30").cast(pl.Float64)
    agency = pl.col("AgencyWorker") == code_labelled(
        table, "AgencyWorker", "Agency worker"
    )
    totals = workers.select(
        staff=fte30.filter(~agency).sum(),
        agency=fte30.filter(agency).sum(),
        headcount=fte30.filter(agency).count(),
    ).row(0, named=True)
    vacant = totals["staff"] * rng.uniform(0.10, 0.28)
    return {
        "NumberOfVacancies": pl.Series([f"{vacant:.2f}"]),
        "NoAgencyFTE": pl.Series([f"{totals['agency']:.2f}"]),
        "NoAgencyHeadcount": pl.Series([str(totals["headcount"])]),
    }


# --- the file ---------------------------------------------------------------------


def _element(path: str | None, what: str) -> str:
    """The element name of a one-step ``path`` (the only kind this return has)."""
    name = (path or "").lstrip("/")
    if not name or "/" in name:
        raise ValueError(f"{what}: expected one element name, not {path!r}")
    return name


def _header(
    layout: XmlLayout, authority: Authority, rng: np.random.Generator, year: int
) -> list[str]:
    """The ``<Header>``: collection, year and 30 September reference date, then the
    source (the LA's DfE number, its HR system, when the file was made)."""
    made = dt.datetime(year, 9, 30, 8) + dt.timedelta(
        days=int(rng.integers(14, 100)), minutes=int(rng.integers(0, 10 * 60))
    )
    software = _SOFTWARE[stable_number(f"software:{authority.code}") % len(_SOFTWARE)]
    collection = layout.collection_names[0] if layout.collection_names else "CSWW"
    return [
        "  <Header>",
        "    <CollectionDetails>",
        f"      <Collection>{escape(collection)}</Collection>",
        f"      <Year>{year}</Year>",
        f"      <ReferenceDate>{year}-09-30</ReferenceDate>",
        "    </CollectionDetails>",
        "    <Source>",
        "      <SourceLevel>L</SourceLevel>",
        f"      <LEA>{authority.dfe:03d}</LEA>",
        f"      <SoftwareCode>{escape(software)}</SoftwareCode>",
        f"      <DateTime>{made:%Y-%m-%dT%H:%M:%S}</DateTime>",
        "    </Source>",
        "  </Header>",
    ]


def _records(
    lines: list[str],
    table: TableSpec,
    frame: pl.DataFrame,
    element: str,
    empty_elements: bool,
) -> npt.NDArray[np.int64]:
    """Write one ``element`` per row of ``frame`` (a blank cell is left out, or an
    empty element); return the line of each row's start tag."""
    tags = [
        _element(column.path or name, name) for name, column in table.columns.items()
    ]
    starts = []
    for row in frame.iter_rows():
        starts.append(len(lines) + 1)
        lines.append(f"  <{element}>")
        for tag, value in zip(tags, row, strict=True):
            if value is not None:
                lines.append(f"    <{tag}>{escape(value)}</{tag}>")
            elif empty_elements:
                lines.append(f"    <{tag}/>")
        lines.append(f"  </{element}>")
    return np.asarray(starts, dtype=np.int64)


def _xml(
    spec: DatasetSpec,
    layout: XmlLayout,
    authority: Authority,
    rng: np.random.Generator,
    frames: dict[str, pl.DataFrame],
) -> tuple[bytes, dict[str, npt.NDArray[np.int64]]]:
    """The file's bytes, and the line of each row of each table. LA-level tables
    (their record is a path from the root) come before the workers, as in the XSD."""
    root = _element(layout.root, "root")
    unit = _element(layout.unit, "unit")
    empty_elements = stable_number(f"empty elements:{authority.code}") % 3 == 0
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<{root}>"]
    lines += _header(layout, authority, rng, spec.year)
    starts: dict[str, npt.NDArray[np.int64]] = {}
    ordered = sorted(spec.tables.values(), key=lambda t: not _from_root(t))
    for table in ordered:
        if _from_root(table):
            element = _element(table.record, table.name)
        elif table.record in (None, "."):
            element = unit
        else:
            raise ValueError(f"{table.name}: record {table.record!r} is not written")
        starts[table.name] = _records(
            lines, table, frames[table.name], element, empty_elements
        )
    lines.append(f"</{root}>")
    return ("\n".join(lines) + "\n").encode("utf-8"), starts


def _from_root(table: TableSpec) -> bool:
    return bool(table.record and table.record.startswith("/"))
