"""Which cells of a grid to hide: primary suppression, then secondary suppression.

Works on a frame of cells with the internal columns of
:mod:`cld.engine.disclosure.grid` (row number, stratum, area, category, value,
whether the cell is a margin). Within a stratum, each area's row (its categories and
its Total) and each category's column (its areas and London) is an equation: the
cells add up to the total. A hidden cell must not be recoverable from them.

1. **Lonely lines.** A row or column with exactly one hidden cell gives it away by
   subtraction. Repeatedly, each row with exactly one hidden cell has its smallest
   shown non-zero cell hidden too, then each such column, until no row or column has
   exactly one. One Polars pass per round over the whole frame.
2. **Bridges.** Every line may hold two hidden cells or more and a cell still be
   solvable from several equations together. Think of hidden cells as edges between
   their row and their column: a hidden cell can be worked out exactly when its
   edge lies on no cycle (a "bridge", e.g. a single hidden cell joining two closed
   rectangles of hidden cells). For a bridge, the smallest shown non-zero cell that
   joins its two sides is hidden, which puts the bridge on a cycle; then step 1
   again. This looks only at the hidden cells of one stratum (a few dozen at most),
   in plain Python, as a graph search does.

Conventions: a zero is never hidden as a complement (a reader can tell it is 0
whenever the rest of its line adds up to the total, and hiding nobody protects
nobody); a null (not available) count is never a complement either. Ties go to a
cell that is not a total, then to the earlier row. Hidden cells are kept few but
not provably fewest. If a line cannot be closed (everything else in it is 0 or
null) the search stops there rather than hide a zero.
"""

from __future__ import annotations

from collections import defaultdict, deque

import polars as pl

from cld.engine.disclosure.grid import (
    AREA,
    CATEGORY,
    HIDDEN,
    MARGIN,
    ROW,
    STRATUM,
    VALUE,
)

Node = tuple[str, str]
Edge = tuple[Node, Node]


def hidden_cells(cells: pl.DataFrame, threshold: int) -> pl.Series:
    """Which cells of ``cells`` (internal columns, value in ``VALUE``) are hidden."""
    cells = cells.with_columns(
        pl.col(VALUE).is_between(1, threshold).fill_null(False).alias(HIDDEN)
    )
    while True:
        cells = _close_lonely_lines(cells)
        closers = _bridge_closers(cells)
        if not closers:
            return cells[HIDDEN]
        cells = _hide(cells, pl.Series(ROW, closers, dtype=pl.Int64))


def _hide(cells: pl.DataFrame, rows: pl.Series) -> pl.DataFrame:
    return cells.with_columns(
        (pl.col(HIDDEN) | pl.col(ROW).is_in(rows.implode())).alias(HIDDEN)
    )


def _close_lonely_lines(cells: pl.DataFrame) -> pl.DataFrame:
    while True:
        before = int(cells[HIDDEN].sum())
        for line in ([STRATUM, AREA], [STRATUM, CATEGORY]):
            cells = _hide(cells, _complements(cells, line))
        if int(cells[HIDDEN].sum()) == before:
            return cells


def _complements(cells: pl.DataFrame, line: list[str]) -> pl.Series:
    """For each line with exactly one hidden cell, the row number of its smallest
    shown non-zero cell."""
    alone = pl.col(HIDDEN).sum().over(line) == 1
    return (
        _smallest(cells.filter(alone))
        .group_by(line, maintain_order=True)
        .agg(pl.col(ROW).first())[ROW]
    )


def _smallest(cells: pl.DataFrame) -> pl.DataFrame:
    """The shown non-zero cells, in the order complements are chosen."""
    shown = cells.filter(~pl.col(HIDDEN) & (pl.col(VALUE) > 0))
    return shown.sort(VALUE, MARGIN, ROW)


def _bridge_closers(cells: pl.DataFrame) -> list[int]:
    """At most one cell per stratum that puts one of its bridges on a cycle."""
    hidden = cells.filter(pl.col(HIDDEN)).select(STRATUM, AREA, CATEGORY)
    closers = []
    for stratum, part in hidden.group_by(STRATUM, maintain_order=True):
        edges = [(("a", a), ("c", c)) for a, c in part.select(AREA, CATEGORY).rows()]
        bridges = _bridges(edges) if len(set(edges)) == len(edges) else set(edges)
        for edge in edges:
            if edge not in bridges:
                continue  # on a cycle already
            near = _reachable(edges, without=edge, start=edge[0])
            if edge[1] in near:
                continue
            far = _reachable(edges, without=edge, start=edge[1])
            row = _joining(cells, int(stratum[0]), near, far)
            if row is not None:
                closers.append(row)
                break
    return closers


def _bridges(edges: list[Edge]) -> set[Edge]:
    """The edges on no cycle (Tarjan's bridges, one depth-first pass: linear in
    the edges, where trying each edge's removal was quadratic)."""
    neighbours: defaultdict[Node, list[tuple[Node, int]]] = defaultdict(list)
    for index, (one, other) in enumerate(edges):
        neighbours[one].append((other, index))
        neighbours[other].append((one, index))
    order: dict[Node, int] = {}
    low: dict[Node, int] = {}
    found: set[int] = set()
    for root in neighbours:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, -1, iter(neighbours[root]))]
        while stack:
            node, via, pending = stack[-1]
            for nxt, index in pending:
                if index == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                    continue
                order[nxt] = low[nxt] = len(order)
                stack.append((nxt, index, iter(neighbours[nxt])))
                break
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        found.add(via)
    return {edges[index] for index in found}


def _reachable(edges: list[Edge], *, without: Edge, start: Node) -> set[Node]:
    neighbours: defaultdict[Node, list[Node]] = defaultdict(list)
    for edge in edges:
        if edge != without:
            neighbours[edge[0]].append(edge[1])
            neighbours[edge[1]].append(edge[0])
    seen = {start}
    queue = deque([start])
    while queue:
        for node in neighbours[queue.popleft()]:
            if node not in seen:
                seen.add(node)
                queue.append(node)
    return seen


def _joining(
    cells: pl.DataFrame, stratum: int, near: set[Node], far: set[Node]
) -> int | None:
    """The row number of the smallest shown non-zero cell joining the two sides."""

    def side(nodes: set[Node], kind: str) -> list[str]:
        return [name for k, name in nodes if k == kind]

    joins = (
        pl.col(AREA).is_in(side(near, "a")) & pl.col(CATEGORY).is_in(side(far, "c"))
    ) | (pl.col(AREA).is_in(side(far, "a")) & pl.col(CATEGORY).is_in(side(near, "c")))
    found = _smallest(cells.filter((pl.col(STRATUM) == stratum) & joins))
    return int(found[ROW][0]) if found.height else None
