"""What is fixed for one session from its start: whose, by whom, when, under which
policy, pseudonym key and use cases, where its working copies go, and the hook
told as each stage begins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cld.engine.errors import UsageError
from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.governance.authorities import Authority
from cld.governance.policy import Policy
from cld.pipeline.data_area import DataArea
from cld.pipeline.registry.store import Registry, now
from cld.pipeline.session_ids import SESSION_ID, new_session_id
from cld.pipeline.session_records import ProcessedUnder

STAGES = (
    "receive",
    "identify",
    "parse",
    "conform",
    "minimise",
    "enrich",
    "pseudonymise",
    "archive",
    "publish",
)
StageHook = Callable[[str], None]


def _silent(name: str) -> None:
    """No one follows the stages."""


@dataclass(frozen=True)
class SessionContext:
    area: DataArea
    registry: Registry
    authority: Authority
    session_id: str
    by: str
    key: PseudonymKey
    received_at: dt.datetime
    policy: Policy
    under: ProcessedUnder
    """The policy version, pseudonym key and use cases in force."""
    stage: StageHook

    @property
    def la(self) -> str:
        return self.authority.code

    @property
    def use_cases(self) -> frozenset[str]:
        return frozenset(self.under.use_cases)

    @property
    def incoming(self) -> Path:
        """Where the files are received (private to the authority)."""
        return self.area.incoming / self.la / self.session_id

    @property
    def partial(self) -> Path:
        """Where the archive is made, under a temporary name."""
        return self.area.sessions / self.la / f".{self.session_id}.partial"

    @property
    def folder(self) -> Path:
        """The archive, once made."""
        return self.area.session_dir(self.la, self.session_id)


def session_context(
    area: DataArea,
    registry: Registry,
    authority: Authority,
    *,
    by: str,
    key: PseudonymKey,
    today: dt.date | None,
    on_stage: StageHook | None,
    session_id: str | None,
) -> SessionContext:
    """The context of a session starting now for ``authority``; ``session_id``
    (from :func:`new_session_id`) when the caller named it before."""
    received_at = now()
    day = today or received_at.date()
    version, policy = registry.policy()
    permissions = registry.permissions(authority.code, day)
    session_id = session_id or new_session_id(authority.code, received_at)
    if not SESSION_ID.fullmatch(session_id) or f"-{authority.code}-" not in session_id:
        raise UsageError(f"{session_id!r} is not a session id for {authority.code}")
    return SessionContext(
        area=area,
        registry=registry,
        authority=authority,
        session_id=session_id,
        by=by,
        key=key,
        received_at=received_at,
        policy=policy,
        under=ProcessedUnder(
            policy_version=version.version,
            policy_sha256=version.sha256,
            pseudonym_key=key.fingerprint,
            use_cases=tuple(sorted(permissions.use_cases)),
        ),
        stage=on_stage or _silent,
    )
