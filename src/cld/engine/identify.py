"""Tell which dataset, table and collection year a tabular file is.

The header row is read first: it is what the council's system wrote, whatever the
file was renamed to. The file name comes second, to break ties and when the header
row matches nothing. The year comes from ``--year``, else the file name, else the
name of the folder the file is in; every choice is explained in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from cld.engine.conform.headers import match_headers
from cld.engine.errors import UnidentifiedFileError, UsageError
from cld.engine.spec.load import (
    dataset_facts,
    dataset_names,
    distinct_years,
    load_spec,
    raw_tables,
    year_range,
)
from cld.engine.spec.model import DatasetSpec, TableSpec, XmlLayout
from cld.engine.years import find_year

TERMS = {
    "autumn": ("autumn", "aut"),
    "spring": ("spring", "spr"),
    "summer": ("summer", "sum"),
}


@dataclass(frozen=True)
class Identification:
    dataset: str
    table: str
    year: int
    year_reason: str
    table_reason: str

    @property
    def spec(self) -> DatasetSpec:
        return load_spec(self.dataset, self.year)

    @property
    def table_spec(self) -> TableSpec:
        return self.spec.tables[self.table]


@dataclass(frozen=True)
class _Spellings:
    """A column's other header spellings, as its schema file writes them."""

    headers: tuple[str, ...]


@dataclass(frozen=True)
class _Candidate:
    dataset: str
    table: str
    columns: dict[str, _Spellings]
    dataset_words: tuple[str, ...]
    table_words: tuple[str, ...]
    term: str | None = None
    """For returns made each term, the term whose table this is (its name's
    first word, e.g. ``spring_pupilonroll``)."""


@cache
def _candidates(file_format: str) -> tuple[_Candidate, ...]:
    """Every table of every dataset in ``file_format``, with all years' columns.

    Read from the schema files' tables, not from each year's checked schema:
    only the headers count here, and a fresh ``cld validate`` would otherwise
    build and check a dozen schemas to use one (the one chosen is checked when
    the file is conformed)."""
    found: list[_Candidate] = []
    for dataset in dataset_names():
        facts = dataset_facts(dataset)
        if facts.format != file_format:
            continue
        tables: dict[str, dict[str, _Spellings]] = {}
        words: dict[str, tuple[str, ...]] = {}
        for year in distinct_years(dataset):  # the years between add nothing
            for name, table in raw_tables(dataset, year).items():
                tables.setdefault(name, {}).update(
                    (column, _Spellings(tuple(fields.get("headers", ()))))
                    for column, fields in table.get("columns", {}).items()
                )
                words[name] = tuple(table.get("file_names", ()))
        found.extend(
            _Candidate(
                dataset,
                name,
                columns,
                facts.file_names,
                words[name],
                name.split("_", 1)[0] if facts.terms else None,
            )
            for name, columns in tables.items()
        )
    return tuple(found)


def _name_words(name: str) -> str:
    """``name`` lower-cased with runs of other characters as single underscores."""
    return "_" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") + "_"


def _names(words: str, wanted: tuple[str, ...]) -> bool:
    return any(f"_{w.lower().replace(' ', '_')}_" in words for w in wanted)


def _score(headers: tuple[str, ...], candidate: _Candidate) -> tuple[int, float]:
    match = match_headers(headers, candidate.columns)
    named = [h for h in headers if h.strip()]
    extra = len([i for i in match.unknown if headers[i].strip()])
    matched = len(match.found)
    if matched < min(2, len(named)) or matched * 2 < len(named):
        return matched, float("-inf")
    return matched, matched - extra - 0.5 * len(match.missing)


def identify_table(
    headers: tuple[str, ...], file_name: str, file_format: str = "csv"
) -> tuple[str, str, str]:
    """(dataset, table, reason) for a file with ``headers`` called ``file_name``."""
    words = _name_words(file_name)
    term = find_term(file_name)
    candidates = [
        c
        for c in _candidates(file_format)
        if term is None or c.term is None or c.term == term
    ]
    scored = [(_score(headers, c)[1], c) for c in candidates]
    eligible = sorted(
        [(s, c) for s, c in scored if s != float("-inf")],
        key=lambda sc: sc[0],
        reverse=True,
    )
    if eligible:
        best = [c for s, c in eligible if s == eligible[0][0]]
        if len(best) > 1:
            by_name = [c for c in best if _names(words, c.table_words)]
            if len(by_name) != 1:
                tables = ", ".join(f"{c.dataset} {c.table}" for c in best)
                raise UnidentifiedFileError(
                    f"the header row fits more than one table ({tables}) and the file "
                    "name does not say which; put the table name in the file name"
                )
            best = by_name
        chosen = best[0]
        return chosen.dataset, chosen.table, "from the header row"
    by_name = [c for _, c in scored if _names(words, c.table_words)]
    by_both = [c for c in by_name if _names(words, c.dataset_words)]
    named = by_both if len(by_both) == 1 else by_name
    if len(named) == 1:
        chosen = named[0]
        if not match_headers(headers, chosen.columns).found:
            raise UnidentifiedFileError(
                f"the file name says it is the {chosen.dataset} {chosen.table} table, "
                "but its first row has none of that table's columns: is the header "
                "row missing, or is this another file?"
            )
        return (
            chosen.dataset,
            chosen.table,
            "from the file name (the header row matches no table we know)",
        )
    raise UnidentifiedFileError(
        f"could not tell which return this is: its first row ({len(headers)} "
        "columns) is not the header row of any table we know, and the file name "
        "does not name one"
    )


def choose_year(
    file_name: str,
    *,
    given: int | None = None,
    folder: str | None = None,
    ending_march: bool = True,
) -> tuple[int, str]:
    """The collection year of a file and why it was chosen (``ending_march``: see
    :meth:`YearReading.explain`)."""
    in_name = find_year(file_name)
    if given is not None:
        note = ""
        if in_name is not None and in_name.year != given:
            note = f" (the file name says {in_name.year})"
        return given, f"{given}, given with --year{note}"
    if in_name is not None:
        where = f"the file name '{file_name}'"
        return in_name.year, in_name.explain(where, ending_march=ending_march)
    in_folder = find_year(folder) if folder else None
    if in_folder is not None and folder is not None:
        where = f"the folder name '{folder}'"
        return in_folder.year, in_folder.explain(where, ending_march=ending_march)
    raise UnidentifiedFileError(
        f"the collection year could not be told from the file name '{file_name}'; "
        "put the year in the name (e.g. SSDA903_2024_episodes.csv) or pass --year"
    )


def identify(
    headers: tuple[str, ...],
    file_name: str,
    *,
    year: int | None = None,
    folder: str | None = None,
    file_format: str = "csv",
) -> Identification:
    dataset, table, table_reason = identify_table(headers, file_name, file_format)
    termly = bool(load_spec(dataset, year_range(dataset).start).terms)
    chosen_year, year_reason = choose_year(
        file_name, given=year, folder=folder, ending_march=not termly
    )
    try:
        spec = load_spec(dataset, chosen_year)
    except UsageError as exc:
        raise UnidentifiedFileError(f"{exc} (year {year_reason})") from exc
    if table not in spec.tables:
        since = [
            y for y in year_range(dataset) if table in load_spec(dataset, y).tables
        ]
        raise UnidentifiedFileError(
            f"the {table} table is part of {spec.title} only in "
            f"{since[0]}–{since[-1]}, but this file is for {year_reason}"
        )
    return Identification(dataset, table, chosen_year, year_reason, table_reason)


def find_term(file_name: str) -> str | None:
    """The school term a file name mentions (autumn, spring, summer), or None."""
    words = _name_words(file_name)
    found = [term for term, spellings in TERMS.items() if _names(words, spellings)]
    return found[0] if len(found) == 1 else None


def datasets_named(file_name: str) -> set[str]:
    """The datasets whose words (``file_names`` in base.yaml) a file name uses."""
    words = _name_words(file_name)
    named = set()
    for dataset in dataset_names():
        if _names(words, dataset_facts(dataset).file_names):
            named.add(dataset)
    return named


def check_name_fits(file_name: str, dataset: str) -> None:
    """Refuse a file whose name says it is another dataset than its content is."""
    named = datasets_named(file_name)
    if named and dataset not in named:
        said = ", ".join(sorted(dataset_facts(d).title for d in named))
        title = dataset_facts(dataset).title
        raise UnidentifiedFileError(
            f"the file name says {said}, but the file is the {title}: check this is "
            "the file you meant to upload, and name it for what it is"
        )


def year_from_header(
    values: dict[str, str | None], layout: XmlLayout
) -> tuple[int, str] | None:
    """The collection year an XML header states, and where it says so."""
    written = (values.get("year") or "").strip()
    if written.isdigit() and len(written) == 4:
        tag = (layout.year or "Year").rsplit("/", 1)[-1]
        return int(written), f"{written}, from <{tag}> in the file's header"
    reference = (values.get("reference_date") or "").strip()
    match = re.fullmatch(r"(\d{4})-\d{2}-\d{2}", reference)
    if match:
        # a census is named by the year of its reference date (CIN: 31 March 2024
        # is the 2024 census; the workforce census: 30 September 2024 is 2024)
        collection = int(match.group(1))
        tag = (layout.reference_date or "ReferenceDate").rsplit("/", 1)[-1]
        return (
            collection,
            f"{collection}, from <{tag}>{reference}</{tag}> in the file's header",
        )
    return None


def xml_datasets(root: str) -> list[DatasetSpec]:
    """The XML datasets (in their first year) whose root element is ``root``."""
    found = []
    for dataset in dataset_names():
        spec = load_spec(dataset, year_range(dataset).start)
        if spec.xml is not None and spec.xml.root == root:
            found.append(spec)
    return found


def format_datasets(file_format: str) -> list[str]:
    return [d for d in dataset_names() if dataset_facts(d).format == file_format]
