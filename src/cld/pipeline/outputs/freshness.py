"""Whether a use case's built outputs are still what a build would make now, and
if not, why.

A build records what it was made from in its manifest: the policy, the
authorities in force and the snapshot each of them had published. Between builds
the registry moves on — a DPIA approved, an agreement signed or withdrawn, a new
upload, a year withdrawn, the policy edited — and until the next build the outputs
say something else than the hub. Every page and command that shows outputs says
so, with the reasons, from :func:`freshness`; nothing here changes the outputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cld.pipeline.data_area import DataArea
from cld.pipeline.outputs.outputs_manifest import OutputsManifest
from cld.pipeline.publish import current_snapshot, refresh_current
from cld.pipeline.registry import Registry


@dataclass(frozen=True)
class Freshness:
    """What :func:`freshness` found for one use case's outputs."""

    use_case: str
    built: bool
    reasons: tuple[str, ...] = ()
    """Why the outputs are out of date, in words a person reads (empty when they
    are up to date, or not built)."""

    @property
    def up_to_date(self) -> bool:
        return self.built and not self.reasons

    def to_json(self) -> dict[str, object]:
        return {"up_to_date": self.up_to_date, "reasons": list(self.reasons)}


def freshness(
    area: DataArea,
    registry: Registry,
    use_case: str,
    manifest: OutputsManifest | None,
    *,
    today: dt.date | None = None,
) -> Freshness:
    """How the outputs whose manifest is ``manifest`` (None: not built) stand
    against the registry and the published snapshots now."""
    if manifest is None:
        return Freshness(use_case, built=False)
    day = today or dt.date.today()
    names = {a.code: a.name for a in registry.authorities()}
    version, _ = registry.policy()
    permissions = registry.all_permissions(day)
    now_in = {la for la, p in permissions.items() if p.allows(use_case)}
    built_from = list(manifest.las)
    reasons: list[str] = []
    if manifest.policy.sha256 != version.sha256:
        made = manifest.policy.version
        reasons.append(
            f"the policy has changed since they were built (they follow version "
            f"{made}; version {version.version} is in force)"
        )
    added = sorted(now_in - set(built_from))
    if added:
        reasons.append(
            f"{_names(added, names)} may now share data for this use case (an "
            f"agreement signed or a DPIA approved since the build) and "
            f"{'is' if len(added) == 1 else 'are'} not in them yet"
        )
    gone = sorted(set(built_from) - now_in)
    if gone:
        reasons.append(
            f"{_names(gone, names)} no longer {'has' if len(gone) == 1 else 'have'} "
            "an agreement and approved DPIA in force for this use case, but "
            f"{'its' if len(gone) == 1 else 'their'} data is still in them until "
            "the next build"
        )
    changed = _changed(area, manifest, [la for la in built_from if la in now_in])
    if changed:
        reasons.append(
            f"{_names(changed, names)} {'has' if len(changed) == 1 else 'have'} "
            "shared new data, or withdrawn some, since the build"
        )
    return Freshness(use_case, built=True, reasons=tuple(reasons))


def _changed(
    area: DataArea, manifest: OutputsManifest, las: Sequence[str]
) -> list[str]:
    """The authorities of ``las`` whose published snapshot is no longer the one the
    build read (a manifest from before snapshots were recorded: none)."""
    built = manifest.snapshots
    if built is None:
        return []
    changed = []
    for la in las:
        refresh_current(area, la)  # an object-store area: the store's pointer
        snapshot = current_snapshot(area, la)
        if (snapshot.name if snapshot else None) != built.get(la):
            changed.append(la)
    return changed


def _names(codes: Sequence[str], names: Mapping[str, str]) -> str:
    """``Camden``, ``Camden and Hackney``, ``Camden, Hackney and Lewisham``."""
    words = [names.get(code, code) for code in codes]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
