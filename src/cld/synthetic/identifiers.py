"""Identifiers and postcodes as councils' systems write them.

Each authority numbers children its own way (digits only, or a prefix and digits);
UPNs are a letter and 12 digits; postcodes are real postcodes of the authority's
districts, drawn from the ONS Postcode Directory (so distances and authorities can
be worked out from them, as from a council's), and placements are sometimes
outside London.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from cld.engine.transforms.postcodes import postcode_directory
from cld.synthetic.codes import pick
from cld.synthetic.seeds import stable_number

LONDON_OUTWARD = (
    "E1", "E2", "E3", "E5", "E6", "E8", "E9", "E10", "E13", "E14", "E15", "E16", "E17",
    "N1", "N4", "N7", "N8", "N9", "N15", "N17", "N18", "N19", "N22",
    "NW1", "NW2", "NW5", "NW6", "NW9", "NW10",
    "SE1", "SE2", "SE5", "SE6", "SE8", "SE9", "SE13", "SE15", "SE18", "SE25", "SE28",
    "SW2", "SW4", "SW6", "SW8", "SW9", "SW11", "SW16", "SW17", "SW19",
    "W2", "W3", "W5", "W7", "W10", "W12", "WC1A", "EC1V",
    "CR0", "CR4", "CR7", "HA0", "HA1", "HA8", "UB1", "UB3", "UB7", "TW3", "TW9",
    "KT1", "KT6", "SM1", "SM4", "BR1", "BR3", "DA1", "DA15", "RM7", "RM10", "IG1",
    "IG11", "EN1", "EN3",
)  # fmt: skip
"""Outward codes of London postcode districts."""

NEARBY_OUTWARD = ("ME4", "RH10", "CM2", "LU1", "SS1", "TN1", "GU1", "MK9", "AL1", "SL1")
"""Outward codes outside London where children are sometimes placed."""

_UPN_LETTERS = tuple("ABCDEFGHJKLMNPQRTUVWXYZ")


@dataclass(frozen=True)
class IdStyle:
    """How an authority writes child identifiers: ``prefix`` then digits."""

    prefix: str
    digits: int

    @property
    def numeric(self) -> bool:
        return not self.prefix


_ID_STYLES = (
    IdStyle("", 6),
    IdStyle("", 7),
    IdStyle("C", 7),
    IdStyle("", 8),
    IdStyle("LA", 6),
    IdStyle("CL", 5),
)


def id_style(la_code: str) -> IdStyle:
    """The identifier style of the authority ``la_code`` (the same in every run)."""
    return _ID_STYLES[stable_number(f"ids:{la_code}") % len(_ID_STYLES)]


def child_ids(rng: np.random.Generator, style: IdStyle, size: int) -> pl.Series:
    """``size`` distinct identifiers in ``style``, at most 10 characters, ascending."""
    digits = max(style.digits, len(str(size * 20)))
    if len(style.prefix) + digits > 10:
        raise ValueError(f"{size} identifiers do not fit in 10 characters")
    low, high = 10 ** (digits - 1), 10**digits - 1
    widest = max(1, (high - low) // max(size, 1))
    steps = rng.integers(1, widest + 1, size=size, dtype=np.int64)
    start = low + int(rng.integers(0, max(1, (high - low) - int(steps.sum()))))
    numbers = start + np.cumsum(steps)
    text = pl.Series(numbers).cast(pl.String)
    if style.numeric:
        return text
    return pl.select(pl.concat_str([pl.lit(style.prefix), text])).to_series()


def upns(rng: np.random.Generator, size: int) -> pl.Series:
    """Unique pupil numbers: a letter and 12 digits."""
    letters = pick(_UPN_LETTERS, rng.integers(0, len(_UPN_LETTERS), size=size))
    numbers = pl.Series(rng.integers(0, 10**12, size=size, dtype=np.int64))
    return pl.select(
        pl.concat_str([letters, numbers.cast(pl.String).str.zfill(12)])
    ).to_series()


def outward_codes(la_code: str, count: int = 6) -> tuple[str, ...]:
    """The postcode districts the authority ``la_code`` mostly covers."""
    first = stable_number(f"postcodes:{la_code}") % len(LONDON_OUTWARD)
    return tuple(
        LONDON_OUTWARD[(first + i * 7) % len(LONDON_OUTWARD)] for i in range(count)
    )


@cache
def district_postcodes() -> dict[str, np.ndarray]:
    """Every located postcode of the districts the generator uses, by district,
    sorted (read once per process from the ONS Postcode Directory)."""
    districts = (*LONDON_OUTWARD, *NEARBY_OUTWARD)
    directory = postcode_directory().load({d[0] for d in districts})
    located = directory.filter(
        pl.col("easting").is_not_null() & pl.col("la").is_not_null()
    ).select(
        "postcode", pl.col("postcode").str.split(" ").list.first().alias("district")
    )
    found = located.filter(pl.col("district").is_in(districts)).sort("postcode")
    return {
        str(district): group.get_column("postcode").to_numpy()
        for (district,), group in found.group_by("district", maintain_order=True)
    }


def postcodes(
    rng: np.random.Generator, outward: tuple[str, ...], size: int
) -> pl.Series:
    """``size`` real postcodes in the districts ``outward``, e.g. 'SE15 4QF'."""
    known = district_postcodes()
    pools = [known.get(d, np.array([f"{d} 1AA"])) for d in outward]
    lengths = np.array([len(pool) for pool in pools])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    chosen = rng.integers(0, len(outward), size=size)
    within = (rng.random(size) * lengths[chosen]).astype(np.int64)
    return pl.Series(np.concatenate(pools)[starts[chosen] + within], dtype=pl.String)


def numbered(
    rng: np.random.Generator, prefix: str, digits: int, pool: int, size: int
) -> pl.Series:
    """``size`` values like 'SW01234' drawn from a pool of ``pool`` distinct numbers."""
    numbers = rng.integers(10 ** (digits - 1), 10**digits, size=max(pool, 1))
    chosen = pl.Series(numbers[rng.integers(0, len(numbers), size=size)])
    return pl.select(
        pl.concat_str([pl.lit(prefix), chosen.cast(pl.String)])
    ).to_series()
