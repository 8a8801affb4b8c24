"""Synthetic Ofsted Annex A workbooks: one per authority and year, faults and all.

Each authority's workbook has its own habits (:mod:`.style`): its file and sheet
names, a merged title above the header row for some, dates as Excel date cells or
as text, codes as the template's drop-down values or as its own system's spellings.
The lists (:mod:`.lists`) are made clean, then faults are planted in about
``messiness`` of each list's rows (:mod:`cld.synthetic.faults`) and recorded at the
Excel row the validator reports.

Same arguments and seed, same bytes.
"""

from __future__ import annotations

import polars as pl

from cld.engine.spec.load import load_spec
from cld.governance.authorities import Authority
from cld.synthetic.annex_a.lists import (
    SHARE_OF_CHILDREN,
    Children,
    ListContext,
    adopters,
    build_list,
    care_leavers,
    known_children,
    workers_of,
)
from cld.synthetic.annex_a.style import Style, file_name, spellings_of, style_of
from cld.synthetic.annex_a.workbook import workbook_bytes
from cld.synthetic.faults import FAULT_SCHEMA, apply_faults, plan_faults
from cld.synthetic.identifiers import id_style
from cld.synthetic.registry import FileUpload
from cld.synthetic.seeds import rng_for

DATASET = "annex_a"
FAULTS_SCHEMA = pl.Schema({"table": pl.String(), **FAULT_SCHEMA})
_IDENTIFIER_COLUMNS = frozenset({"Child Unique ID"})

__all__ = ["AnnexAWorkbook", "generate"]


class AnnexAWorkbook(FileUpload):
    """One authority's Annex A workbook, and the faults planted in it (rows: data
    rows over every list; a fault's row: the Excel row)."""


def _rows(table: str, children: int) -> int:
    return max(1, round(children * SHARE_OF_CHILDREN[table]))


def _spelled(
    frame: pl.DataFrame, ctx: ListContext, style: Style, table: str
) -> pl.DataFrame:
    """``frame`` with every code written as the authority writes it."""
    spec = ctx.spec.tables[table]
    changes = []
    for name, column in spec.columns.items():
        if column.type != "category":
            continue
        rng = rng_for(0, ctx.authority.code, "annex_a_spelling", name)
        mapping = spellings_of(rng, column, style.template_codes)
        changes.append(
            pl.col(name).replace_strict(mapping, default=None, return_dtype=pl.String)
        )
    return frame.with_columns(changes) if changes else frame


def generate(
    authority: Authority,
    year: int,
    *,
    children: int,
    seed: int = 0,
    messiness: float = 0.0,
) -> list[AnnexAWorkbook]:
    """The Annex A workbook of ``authority`` for ``year``, for ``children`` children
    known to its children's services, with about ``messiness`` of each list's rows
    faulty (0 for a clean workbook)."""
    if children < 1:
        raise ValueError(f"children must be 1 or more, not {children}")
    spec = load_spec(DATASET, year)
    rng = rng_for(seed, authority.code, year, "annex_a")
    ctx = ListContext(authority, spec, rng, workers_of(rng, children))
    style = style_of(authority.code, id_style(authority.code).numeric)
    known = known_children(ctx, children)
    groups: dict[str, Children] = {
        "list_9": care_leavers(ctx, _rows("list_9", children)),
        "list_11": adopters(ctx, _rows("list_11", children)),
    }
    digits = _IDENTIFIER_COLUMNS if style.numeric_ids else frozenset()
    lists: dict[str, pl.DataFrame] = {}
    faults: list[pl.DataFrame] = []
    for name, table in spec.tables.items():
        kids = groups.get(name)
        if kids is None:
            chosen = rng.choice(known.size, size=_rows(name, children), replace=False)
            if name == "list_10":  # children with an adoption plan are young
                young = (known.born >= ctx.end - 9 * 365).nonzero()[0]
                if len(young) >= len(chosen):
                    chosen = rng.choice(young, size=len(chosen), replace=False)
            kids = known.take(chosen)
        clean = _spelled(build_list(ctx, table, kids), ctx, style, name)
        fault_rng = rng_for(seed, authority.code, year, "annex_a_faults", name)
        plan = plan_faults(fault_rng, table, clean.height, messiness, digits)
        frame, planted = apply_faults(clean, table, year, plan, fault_rng, digits)
        lists[name] = frame
        # apply_faults counts a header on row 1; the workbook's is on header_row
        faults.append(
            planted.select(
                pl.lit(name).alias("table"),
                pl.col("row") + (style.header_row - 1),
                "column",
                "code",
            )
        )
    data = workbook_bytes(lists, spec.tables, style, authority.name, year)
    return [
        AnnexAWorkbook(
            la=authority.code,
            year=year,
            name=file_name(style, authority.code, authority.name, year),
            data=data,
            rows=sum(frame.height for frame in lists.values()),
            faults=pl.concat(faults).cast(FAULTS_SCHEMA)
            if faults
            else pl.DataFrame(schema=FAULTS_SCHEMA),
        )
    ]
