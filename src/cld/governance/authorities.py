"""The local authorities the platform knows (the 33 London authorities for now)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from cld.engine.errors import UsageError


@dataclass(frozen=True)
class Authority:
    code: str
    """Three-letter code used throughout the platform, e.g. ``CAM``."""
    name: str
    dfe: int
    """DfE LA number, as in the ``<LEA>`` of XML returns, e.g. 202."""
    ons: str
    region: str


@cache
def authorities() -> tuple[Authority, ...]:
    text = (resources.files("cld.governance") / "authorities.yaml").read_text("utf-8")
    return tuple(
        Authority(
            code=str(row["code"]),
            name=str(row["name"]),
            dfe=int(row["dfe"]),
            ons=str(row["ons"]),
            region=str(row["region"]),
        )
        for row in yaml.safe_load(text)["authorities"]
    )


def find_authority(text: str, among: Iterable[Authority] | None = None) -> Authority:
    """The authority named by its code, DfE number, ONS code or name, among
    ``among`` (default: every authority the platform ships)."""
    wanted = text.strip().casefold()
    for authority in authorities() if among is None else among:
        names = (authority.code, str(authority.dfe), authority.ons, authority.name)
        if wanted in (n.casefold() for n in names):
            return authority
    raise UsageError(
        f"unknown local authority {text!r}; use a code such as CAM, a DfE number "
        "such as 202, or a name such as Camden"
    )
