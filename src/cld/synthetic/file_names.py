"""File names as each authority writes them: every council has its own habit.

All of them name the table and the collection year in a way the platform reads
(:mod:`cld.engine.identify`, :mod:`cld.engine.years`); the style is fixed per
authority, so the same authority always names its files the same way.
"""

from __future__ import annotations

from cld.engine.spec.model import TableSpec
from cld.synthetic.seeds import stable_number

_STYLES = (
    "SSDA903_{year}_{table}.csv",
    "903_{table}_{year}.csv",
    "SSDA903_{start}-{yy}_{Table}.csv",
    "ssda903 {start_yy}{yy} {table}.csv",
    "{la}_CLA_{table}_{start}{yy}.csv",
    "{Table} {start}-{year}.csv",
    "{la} 903 {Table} {start}-{yy}.csv",
    "{la}_{year}_{TABLE}.csv",
)


def naming_style(la_code: str) -> str:
    """The file name pattern of the authority ``la_code``."""
    return _STYLES[stable_number(f"names:{la_code}") % len(_STYLES)]


def file_name(la_code: str, year: int, table: TableSpec) -> str:
    """What the authority ``la_code`` calls its ``table`` file for ``year``."""
    word = table.file_names[0] if table.file_names else table.name
    return naming_style(la_code).format(
        la=la_code,
        year=year,
        start=year - 1,
        start_yy=f"{(year - 1) % 100:02d}",
        yy=f"{year % 100:02d}",
        table=word,
        Table=word.title(),
        TABLE=word.upper(),
    )
