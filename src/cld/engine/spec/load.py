"""Resolve a dataset's schema files (a base year plus change files) for one year.

Layout of ``cld/schemas/<dataset>/``::

    base.yaml          the dataset, its years and every table as in the first year
    2019.diff.yaml     what changed in the 2019 return (add/modify/rename/remove)
    README.md          where each fact comes from

A change file holds ``year``, ``source`` and a list of ``changes``; each change has
``op`` and a dotted ``path`` (``table`` or ``table.column``):

- ``add``: ``value`` is the new table or column;
- ``modify``: ``set`` replaces those keys of the column (or table);
- ``rename``: ``to`` is the new name; the old header stays accepted as a spelling;
- ``remove``: the table or column no longer exists from that year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml
from pydantic import ValidationError

from cld.engine.errors import SchemaDefinitionError, UsageError
from cld.engine.spec.model import DatasetSpec

_DIFF_NAME = re.compile(r"^(\d{4})\.diff\.yaml$")
_DATASET_EXTRAS = ("xml", "terms")
"""Dataset-level keys of ``base.yaml`` passed to the model as they are."""


def schema_root() -> Traversable:
    return resources.files("cld") / "schemas"


@cache
def dataset_names() -> tuple[str, ...]:
    """Every dataset the platform has a schema for, by folder name."""
    return tuple(
        sorted(
            entry.name
            for entry in schema_root().iterdir()
            if entry.is_dir() and (entry / "base.yaml").is_file()
        )
    )


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it (several times faster: every schema
is read by a worker's first session), else the pure-Python one."""


def _read_yaml(path: Traversable) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506
    except yaml.YAMLError as exc:
        raise SchemaDefinitionError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise SchemaDefinitionError(f"{path.name}: expected a mapping at the top")
    return data


@cache
def _base(dataset: str) -> dict[str, Any]:
    if dataset not in dataset_names():
        raise UsageError(
            f"no schema for dataset {dataset!r}; known: {', '.join(dataset_names())}"
        )
    return _read_yaml(schema_root() / dataset / "base.yaml")


@cache
def _diffs(dataset: str) -> tuple[tuple[int, dict[str, Any]], ...]:
    found = []
    for entry in (schema_root() / dataset).iterdir():
        match = _DIFF_NAME.match(entry.name)
        if match:
            data = _read_yaml(entry)
            if data.get("year") != int(match.group(1)):
                raise SchemaDefinitionError(
                    f"{dataset}/{entry.name}: 'year' must be {match.group(1)}"
                )
            found.append((int(match.group(1)), data))
    return tuple(sorted(found, key=lambda item: item[0]))


def clear_caches() -> None:
    """Forget every schema read so far (tests that point at other schema files)."""
    for cached in (dataset_names, _base, _diffs, raw_tables, load_spec):
        cached.cache_clear()


def year_range(dataset: str) -> range:
    """The collection years ``dataset`` has a schema for."""
    base = _base(dataset)
    return range(int(base["first_year"]), int(base["last_year"]) + 1)


def change_years(dataset: str) -> tuple[int, ...]:
    """The years in which ``dataset``'s return changed (each has a change file)."""
    return tuple(year for year, _ in _diffs(dataset))


def distinct_years(dataset: str) -> tuple[int, ...]:
    """The first year of each distinct schema of ``dataset``: its first year and
    each year it changed (every year between has its predecessor's schema)."""
    years = year_range(dataset)
    return (years.start, *(y for y in change_years(dataset) if y in years[1:]))


@dataclass(frozen=True)
class DatasetFacts:
    """What a dataset's base file says of it as a whole, read without building
    any year's schema (identification asks these of every dataset)."""

    title: str
    format: str
    file_names: tuple[str, ...]
    terms: tuple[str, ...]


def dataset_facts(dataset: str) -> DatasetFacts:
    base = _base(dataset)
    return DatasetFacts(
        title=str(base["title"]),
        format=str(base["format"]),
        file_names=tuple(base.get("file_names", [])),
        terms=tuple(base.get("terms", [])),
    )


def _locate(
    tables: dict[str, Any], path: str, where: str
) -> tuple[dict[str, Any], str]:
    """The mapping that holds the last part of ``path`` and that part's name.

    The table and its columns on the way are copied into ``tables`` first (a
    shallow copy each), so a change never reaches the mappings ``tables`` shares
    with the base file and other years: each year's schema copies only what its
    changes touch, not the whole base."""
    parts = path.split(".")
    if len(parts) == 1:
        return tables, parts[0]
    if len(parts) == 2:
        table = tables.get(parts[0])
        if table is None:
            raise SchemaDefinitionError(f"{where}: no table {parts[0]!r} to change")
        table = tables[parts[0]] = dict(table)
        columns: dict[str, Any] = dict(table.get("columns", {}))
        table["columns"] = columns
        return columns, parts[1]
    raise SchemaDefinitionError(f"{where}: path {path!r} must be 'table[.column]'")


def apply_change(tables: dict[str, Any], change: dict[str, Any], where: str) -> None:
    """Apply one change (``op`` and ``path``) to the raw ``tables`` mapping,
    replacing what it changes rather than changing it in place: the mappings of
    the base file and of the change files are shared by every year's schema and
    never changed, so none is copied deeply."""
    op, path = change.get("op"), change.get("path")
    if not isinstance(path, str):
        raise SchemaDefinitionError(f"{where}: every change needs a 'path'")
    holder, name = _locate(tables, path, where)
    if op == "add":
        if name in holder:
            raise SchemaDefinitionError(f"{where}: {path} exists already")
        holder[name] = change["value"]  # shared, never changed in place
        return
    if name not in holder:
        raise SchemaDefinitionError(f"{where}: {op} of {path}, which does not exist")
    if op == "modify":
        holder[name] = {**holder[name], **change["set"]}
    elif op == "remove":
        del holder[name]
    elif op == "rename":
        new_name = change["to"]
        entry = dict(holder.pop(name))
        if "." in path:  # a column: its old header is still a known spelling
            entry["headers"] = [*entry.get("headers", []), re.escape(name)]
        holder[new_name] = entry
    else:
        raise SchemaDefinitionError(f"{where}: unknown op {op!r}")


@cache
def raw_tables(dataset: str, year: int) -> dict[str, dict[str, Any]]:
    """The tables of ``dataset`` in ``year`` as the schema files write them: the
    base file with every change up to ``year`` applied, not yet checked
    (:func:`load_spec` checks them). Identification reads only the headers of
    every year's tables, and building and checking every year's schema would
    cost a fresh process several times what reading these does. Shared: never
    change what this returns."""
    base = _base(dataset)
    years = year_range(dataset)
    if year not in years:
        raise UsageError(
            f"{base['title']} is defined for collection years "
            f"{years.start} to {years.stop - 1}, not {year}"
        )
    tables = dict(base["tables"])  # changes copy what they touch (_locate)
    for change_year, diff in _diffs(dataset):
        if change_year > year:
            break
        for index, change in enumerate(diff.get("changes", [])):
            apply_change(
                tables, change, f"{dataset}/{change_year}.diff.yaml change {index}"
            )
    return tables


@cache
def load_spec(dataset: str, year: int) -> DatasetSpec:
    """The schema of ``dataset`` for collection ``year`` (the year ending 31 March)."""
    base = _base(dataset)
    years = year_range(dataset)
    tables = {
        name: {**table, "name": name}
        for name, table in raw_tables(dataset, year).items()
    }
    try:
        return DatasetSpec.model_validate(
            {
                "name": dataset,
                "title": base["title"],
                "format": base["format"],
                "year": year,
                "first_year": years.start,
                "last_year": years.stop - 1,
                "file_names": base.get("file_names", []),
                "tables": tables,
                **{key: base[key] for key in _DATASET_EXTRAS if key in base},
            }
        )
    except ValidationError as exc:
        raise SchemaDefinitionError(
            f"{dataset} {year}: schema is badly written:\n{exc}"
        ) from exc
