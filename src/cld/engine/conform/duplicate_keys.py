"""Duplicate keys: every row whose complete keys an earlier row has, pointing at
the first.

Only rows whose keys' hash is seen more than once are compared by their keys: a
hash a row (8 bytes) instead of a group of every key over the whole table, which
cost about 100 MiB at 900,000 rows. A table conformed from disk a slice at a time
(:class:`KeyRows` with a folder) holds none of it: each slice's key columns and
hashes are written to a Parquet file; the repeated hashes are found a share of
the hashes at a time (:data:`HASHES_AT_ONCE`), and the files read back a file at
a time for the rows whose hash repeats, so memory stays flat in the table's
length.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cld.engine.conform.dtypes import Check
from cld.engine.conform.issue_rows import issue_rows
from cld.engine.conform.messages import and_list, message_expr
from cld.engine.issues import IssueCode
from cld.engine.query import ENGINE
from cld.engine.readers.table import ROW
from cld.engine.spec.model import TableSpec

HASHES_AT_ONCE = 250_000
"""Hashes of a table on disk held at once to find those seen twice (2 MB)."""

_HASH = "__key_hash"
_FIRST = "__first_row"


def duplicate_keys(conformed: pl.DataFrame, table: TableSpec) -> pl.DataFrame:
    """The duplicate-key issue rows of ``conformed`` (:data:`ROW` and the keys)."""
    hashes = conformed.select(_key_hash(table)).to_series()
    candidates = conformed.filter(hashes.is_in(_repeated(hashes).implode()))
    return _duplicates_among(candidates.lazy(), table)


@dataclass
class KeyRows:
    """The keys of a table's conformed rows, gathered a slice at a time and held
    in memory, or (given a ``folder``) written there with only their hashes held."""

    table: TableSpec
    folder: Path | None = None
    parts: list[pl.DataFrame] = field(default_factory=list)
    """Each slice's :data:`ROW` and key columns (held in memory)."""
    files: list[Path] = field(default_factory=list)
    """Each slice's :data:`ROW`, key columns and hash (written to ``folder``)."""
    height: int = 0

    def add(self, part: pl.DataFrame) -> None:
        """Keep the keys of ``part``, the next slice of conformed rows."""
        self.height += part.height
        keys = part.select(ROW, *self.table.key)
        if self.folder is None:
            self.parts.append(keys)
            return
        keys = keys.with_columns(_key_hash(self.table))
        if not self.files:  # a folder of its own, removed once read
            self.folder = Path(tempfile.mkdtemp(prefix="keys-", dir=self.folder))
        path = self.folder / f"{len(self.files):06d}.parquet"
        keys.write_parquet(path, compression="lz4", statistics=False)
        self.files.append(path)

    def duplicates(self) -> pl.DataFrame:
        """The duplicate-key issue rows of every slice added (one at least)."""
        if self.folder is None:
            return duplicate_keys(pl.concat(self.parts), self.table)
        try:
            repeated = self._repeated_on_disk().implode()
            candidates = [
                pl.read_parquet(path).filter(pl.col(_HASH).is_in(repeated))
                for path in self.files
            ]
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
        return _duplicates_among(pl.concat(candidates).lazy(), self.table)

    def _repeated_on_disk(self) -> pl.Series:
        """The hashes seen more than once in the files, found among a share of
        them at a time (a hash's every copy is in the same share)."""
        shares = max(1, -(-self.height // HASHES_AT_ONCE))
        found = []
        for share in range(shares):
            mine = pl.col(_HASH) % shares == share
            hashes = pl.concat(
                pl.read_parquet(path, columns=[_HASH]).filter(mine).to_series()
                for path in self.files
            )
            found.append(_repeated(hashes))
        return pl.concat(found)


def _key_hash(table: TableSpec) -> pl.Expr:
    return pl.struct(list(table.key)).hash().alias(_HASH)


def _repeated(hashes: pl.Series) -> pl.Series:
    """The hashes seen more than once: neighbours once sorted (a sort of 8-byte
    numbers is several times faster here than hashing them again)."""
    ordered = hashes.sort()
    return ordered.filter(ordered == ordered.shift(1))


def _duplicates_among(candidates: pl.LazyFrame, table: TableSpec) -> pl.DataFrame:
    """Of ``candidates`` (every row whose keys may repeat, in the file's order),
    each row whose complete keys an earlier row has."""
    keys = list(table.key)
    complete = pl.all_horizontal([pl.col(k).is_not_null() for k in keys])
    code = IssueCode.DUPLICATE_KEY
    first = pl.col(_FIRST)
    check = Check(
        code,
        first != pl.col(ROW),
        message_expr(code, {"first": first}, keys=and_list(keys), table=table.name),
    )
    found = candidates.filter(complete).with_columns(
        pl.col(ROW).min().over(keys).alias(_FIRST)
    )
    return issue_rows(found, table.name, and_list(keys), check).collect(engine=ENGINE)
