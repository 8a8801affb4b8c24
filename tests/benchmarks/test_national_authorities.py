"""The 153 authorities of `cld bench --national` and their sizes: distinct, England's
regions, national totals, a realistic skew — and London's own list untouched."""

from __future__ import annotations

import statistics
from collections import Counter

import numpy as np
import pytest

from cld.benchmarks.national_authorities import (
    AUTHORITIES,
    REGIONS,
    national_authorities,
    synthetic_authorities,
)
from cld.benchmarks.national_sizes import (
    IN_NEED,
    LOOKED_AFTER,
    national_sizes,
    sample_sizes,
)
from cld.governance.authorities import authorities
from cld.pipeline.registry.store import now
from cld.pipeline.session_ids import SESSION_ID, new_session_id


def test_london_list_is_unchanged() -> None:
    london = authorities()
    assert len(london) == 33
    assert {a.region for a in london} == {"London"}
    assert national_authorities()[:33] == london


def test_153_distinct_authorities() -> None:
    every = national_authorities()
    assert len(every) == AUTHORITIES == 153
    for field in ("code", "name", "dfe", "ons"):
        values = [getattr(a, field) for a in every]
        assert len(set(values)) == 153, field
    london = {a.code for a in authorities()}
    assert not london & {a.code for a in synthetic_authorities()}
    assert Counter(a.region for a in synthetic_authorities()) == dict(REGIONS)
    for authority in synthetic_authorities():
        assert len(authority.code) == 3 and authority.code.isupper()
        assert 100 <= authority.dfe <= 999
        assert len(authority.ons) == 9 and authority.ons.startswith("E")
        assert "synthetic" in authority.name
        assert SESSION_ID.fullmatch(new_session_id(authority.code, now()))


def test_sizes_sum_to_the_national_totals() -> None:
    sizes = national_sizes()
    assert [s.authority for s in sizes] == list(national_authorities())
    assert sum(s.looked_after for s in sizes) == LOOKED_AFTER == 80_000
    assert sum(s.in_need for s in sizes) == IN_NEED == 400_000
    assert national_sizes() == sizes  # fixed: the same every call


def test_sizes_are_skewed_and_in_need_follows_looked_after() -> None:
    sizes = national_sizes()
    looked_after = [s.looked_after for s in sizes]
    in_need = [s.in_need for s in sizes]
    assert max(looked_after) >= 10 * min(looked_after)
    assert statistics.mean(looked_after) > statistics.median(looked_after)  # a tail
    assert max(looked_after) < 10 * statistics.mean(looked_after)  # no giant
    assert np.corrcoef(looked_after, in_need)[0, 1] > 0.8
    ratios = [n / c for n, c in zip(in_need, looked_after, strict=True)]
    assert 3 < statistics.median(ratios) < 7


def test_a_sample_keeps_national_sizes_and_the_mix() -> None:
    every = {s.authority.code: s for s in national_sizes()}
    assert sample_sizes(153) == national_sizes()
    for las in (1, 3, 20, 80):
        sample = sample_sizes(las)
        assert len({s.authority.code for s in sample}) == las
        assert all(every[s.authority.code] == s for s in sample)
    share = sum(s.looked_after for s in sample_sizes(40)) / 40 * 153 / LOOKED_AFTER
    assert 0.9 < share < 1.1  # an even spread over the ranking: about the mean
    with pytest.raises(ValueError, match="las"):
        sample_sizes(154)


def test_scale_shrinks_every_authority_alike() -> None:
    small = national_sizes(0.02)
    assert all(s.looked_after >= 1 and s.in_need >= 1 for s in small)
    assert sum(s.looked_after for s in small) == pytest.approx(1_600, rel=0.05)
    assert sum(s.in_need for s in small) == pytest.approx(8_000, rel=0.05)
    with pytest.raises(ValueError, match="scale"):
        national_sizes(0)
