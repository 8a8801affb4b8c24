"""The linear bridge finder agrees with trying each edge's removal, on random
area × category graphs."""

from __future__ import annotations

import random

import pytest

from cld.engine.disclosure.secondary import _bridges, _reachable


@pytest.mark.parametrize("seed", range(300))
def test_bridges_are_the_edges_whose_removal_disconnects(seed: int) -> None:
    rng = random.Random(seed)
    areas, categories = rng.randint(1, 7), rng.randint(1, 7)
    density = rng.random()
    cells = [
        (a, c)
        for a in range(areas)
        for c in range(categories)
        if rng.random() < density
    ]
    edges = [(("a", str(a)), ("c", str(c))) for a, c in cells]
    rng.shuffle(edges)
    removal = {e for e in edges if e[1] not in _reachable(edges, without=e, start=e[0])}
    assert _bridges(edges) == removal
