"""Reading and changing the registry. Every change is one transaction that also
writes its ``events`` row, so the record can never miss an action that happened; the
rows form a hash chain the database will not let anyone change (``audit.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, inspect, select, update
from sqlalchemy.exc import OperationalError

from cld.engine.errors import GovernanceError, UsageError
from cld.engine.spec.load import dataset_names, load_spec, year_range
from cld.governance.agreements import (
    Agreement,
    AgreementStatus,
    Dpia,
    DpiaStatus,
    Permissions,
    add_years,
    in_force,
    no_agreement,
    no_dpia,
)
from cld.governance.authorities import Authority, authorities, find_authority
from cld.governance.policy import Policy, default_policy, policy_from_document
from cld.pipeline.registry import audit, custody
from cld.pipeline.registry import tables as t
from cld.pipeline.registry.audit_actions import AuditAction
from cld.pipeline.registry.database import engine_for, registry_url
from cld.pipeline.session_records import JsonObject, SessionSummary
from cld.pipeline.session_status import SessionStatus


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


EVENTS_PAGE_LIMIT = 1000
"""The most events :meth:`Registry.events_page` reads at once."""


@dataclass(frozen=True)
class PolicyVersion:
    version: int
    sha256: str
    created_at: dt.datetime
    created_by: str
    reason: str


@dataclass(frozen=True)
class SessionRecord:
    id: str
    la: str
    status: str
    """A :class:`SessionStatus` (the registry reads each as one)."""
    submitted_by: str
    received_at: dt.datetime
    finished_at: dt.datetime | None
    policy_version: int
    summary: JsonObject | None
    """The summary as the registry holds it (JSON); :attr:`outcome` reads it,
    and every reader but the DPIA draft's (``dpia_document``) reads that."""

    @property
    def outcome(self) -> SessionSummary:
        """The summary, read (empty while the session runs)."""
        return SessionSummary.from_json(self.summary)


@dataclass(frozen=True)
class Event:
    id: int
    at: dt.datetime
    actor: str
    action: str
    la: str | None
    use_case: str | None
    detail: JsonObject
    source: str | None
    outcome: str
    previous_hash: str
    hash: str


class Registry:
    """The registry of one platform. Build it with :func:`open_registry`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- set-up ---------------------------------------------------------------

    def create(self, *, by: str) -> bool:
        """Create the tables, make ``events`` append-only and load the defaults;
        False when they were there (then an audit log made before keying is keyed
        from its end: ``audit.key_chain``). Idempotent."""
        t.metadata.create_all(self.engine)
        custody.install_append_only(self.engine)
        with self.engine.begin() as db:
            if db.execute(select(t.policy_versions.c.version).limit(1)).first():
                audit.key_chain(db, by=by)
                return False
            db.execute(insert(t.authorities), authority_rows(authorities()))
            db.execute(
                insert(t.datasets),
                [
                    {"name": d, "title": load_spec(d, year_range(d)[-1]).title}
                    for d in dataset_names()
                ],
            )
            self._store_policy(
                db, default_policy(), by=by, reason="the platform's default policy"
            )
            audit.append_event(db, AuditAction.REGISTRY_CREATED, by=by)
        return True

    def ready(self) -> bool:
        try:
            return inspect(self.engine).has_table("policy_versions")
        except OperationalError:
            return False

    # -- authorities ----------------------------------------------------------

    def authorities(self) -> list[Authority]:
        with self.engine.connect() as db:
            rows = db.execute(select(t.authorities).order_by(t.authorities.c.name))
            return [Authority(**row._mapping) for row in rows]

    def authority(self, text: str) -> Authority:
        """The authority named by its code, DfE number, ONS code or name."""
        return find_authority(text, self.authorities())

    # -- policy ---------------------------------------------------------------

    def policy(self) -> tuple[PolicyVersion, Policy]:
        """The policy in force and its version."""
        with self.engine.connect() as db:
            row = db.execute(
                select(t.policy_versions)
                .order_by(t.policy_versions.c.version.desc())
                .limit(1)
            ).one()
        return _policy_version(row._mapping), policy_from_document(
            row.document, check=False
        )

    def policy_at(self, version: int) -> Policy:
        with self.engine.connect() as db:
            row = db.execute(
                select(t.policy_versions.c.document).where(
                    t.policy_versions.c.version == version
                )
            ).first()
        if row is None:
            raise UsageError(f"there is no policy version {version}")
        return policy_from_document(row.document, check=False)

    def policy_history(self) -> list[PolicyVersion]:
        with self.engine.connect() as db:
            rows = db.execute(
                select(t.policy_versions).order_by(t.policy_versions.c.version)
            )
            return [_policy_version(row._mapping) for row in rows]

    def set_policy(
        self, policy: Policy, *, by: str, reason: str, source: str | None = None
    ) -> int | None:
        """Store ``policy`` as a new version; None when it is the one in force.
        ``source``: where the change came from (the portal's client address)."""
        if not reason.strip():
            raise GovernanceError("say why the policy changes (--reason)")
        current, _ = self.policy()
        if current.sha256 == policy.sha256:
            return None
        with self.engine.begin() as db:
            return self._store_policy(db, policy, by=by, reason=reason, source=source)

    def _store_policy(
        self,
        db: Connection,
        policy: Policy,
        *,
        by: str,
        reason: str,
        source: str | None = None,
    ) -> int:
        last = db.execute(
            select(t.policy_versions.c.version)
            .order_by(t.policy_versions.c.version.desc())
            .limit(1)
        ).scalar()
        version = (last or 0) + 1
        db.execute(
            insert(t.policy_versions).values(
                version=version,
                created_at=now(),
                created_by=by,
                reason=reason,
                sha256=policy.sha256,
                document=policy.document(),
            )
        )
        known = {r.name for r in db.execute(select(t.use_cases.c.name))}
        db.execute(update(t.use_cases).values(active=0))
        for name, use_case in policy.use_cases.items():
            values = {
                "title": use_case.title,
                "retention_years": use_case.retention_years,
                "active": 1,
            }
            if name in known:
                db.execute(
                    update(t.use_cases).where(t.use_cases.c.name == name).values(values)
                )
            else:
                db.execute(insert(t.use_cases).values(name=name, **values))
        audit.append_event(
            db,
            AuditAction.POLICY_CHANGED,
            by=by,
            detail={"version": version, "sha256": policy.sha256, "reason": reason},
            source=source,
        )
        return version

    # -- agreements and DPIAs -------------------------------------------------

    def agreement(self, la: str, use_case: str) -> Agreement:
        with self.engine.connect() as db:
            row = db.execute(
                select(t.agreements).where(
                    t.agreements.c.la == la, t.agreements.c.use_case == use_case
                )
            ).first()
        return no_agreement(la, use_case) if row is None else _agreement(row._mapping)

    def agreements(self) -> list[Agreement]:
        with self.engine.connect() as db:
            rows = db.execute(select(t.agreements))
            return [_agreement(row._mapping) for row in rows]

    def dpia(self, la: str) -> Dpia:
        with self.engine.connect() as db:
            row = db.execute(select(t.dpias).where(t.dpias.c.la == la)).first()
        return no_dpia(la) if row is None else _dpia(row._mapping)

    def dpias(self) -> list[Dpia]:
        with self.engine.connect() as db:
            return [_dpia(row._mapping) for row in db.execute(select(t.dpias))]

    def permissions(self, la: str, day: dt.date) -> Permissions:
        """The use cases ``la``'s data may flow into on ``day``."""
        _, policy = self.policy()
        dpia = self.dpia(la)
        allowed = frozenset(
            name
            for name in policy.use_cases
            if in_force(self.agreement(la, name), dpia, day)
        )
        return Permissions(la=la, day=day, use_cases=allowed)

    def all_permissions(self, day: dt.date) -> dict[str, Permissions]:
        """:meth:`permissions` of every authority, read in one go."""
        _, policy = self.policy()
        agreements = {(a.la, a.use_case): a for a in self.agreements()}
        dpias = {d.la: d for d in self.dpias()}
        found = {}
        for authority in self.authorities():
            la = authority.code
            dpia = dpias.get(la, no_dpia(la))
            allowed = frozenset(
                name
                for name in policy.use_cases
                if in_force(
                    agreements.get((la, name), no_agreement(la, name)), dpia, day
                )
            )
            found[la] = Permissions(la=la, day=day, use_cases=allowed)
        return found

    def request(
        self,
        la: str,
        use_case: str,
        *,
        on: dt.date,
        by: str,
        source: str | None = None,
    ) -> Agreement:
        self._known_use_case(use_case)
        current = self.agreement(la, use_case)
        if current.status == AgreementStatus.SIGNED:
            raise GovernanceError(f"{la} has already signed the {use_case} agreement")
        values = {
            "status": AgreementStatus.REQUESTED.value,
            "requested_on": on,
            "signed_on": None,
            "expires_on": None,
            "withdrawn_on": None,
        }
        return self._write_agreement(
            la, use_case, values, AuditAction.AGREEMENT_REQUESTED, by, source
        )

    def sign(
        self,
        la: str,
        use_case: str,
        *,
        on: dt.date,
        by: str,
        expires_on: dt.date | None = None,
        signatory: str | None = None,
        role: str | None = None,
        document_sha256: str | None = None,
        isg_reference: str | None = None,
        source: str | None = None,
    ) -> Agreement:
        """Record a signed DPA (its end date is the use case's term unless given).
        ``source``: where it was recorded from (the portal's client address)."""
        _, policy = self.policy()
        term = policy.use_case(use_case).agreement_years
        ends = expires_on or add_years(on, term) - dt.timedelta(days=1)
        if ends < on:
            raise GovernanceError(
                f"the agreement would end ({ends}) before it is signed ({on})"
            )
        current = self.agreement(la, use_case)
        values = {
            "status": AgreementStatus.SIGNED.value,
            "requested_on": current.requested_on or on,
            "signed_on": on,
            "expires_on": ends,
            "withdrawn_on": None,
            "signatory": signatory,
            "role": role,
            "document_sha256": document_sha256,
            "isg_reference": isg_reference or current.isg_reference,
        }
        return self._write_agreement(
            la, use_case, values, AuditAction.AGREEMENT_SIGNED, by, source
        )

    def withdraw(
        self,
        la: str,
        use_case: str,
        *,
        on: dt.date,
        by: str,
        source: str | None = None,
    ) -> Agreement:
        self._known_use_case(use_case)
        current = self.agreement(la, use_case)
        if current.status not in (AgreementStatus.SIGNED, AgreementStatus.REQUESTED):
            raise GovernanceError(
                f"{la} has no {use_case} agreement to withdraw "
                f"(it is {current.status.value})"
            )
        values = {"status": AgreementStatus.WITHDRAWN.value, "withdrawn_on": on}
        return self._write_agreement(
            la, use_case, values, AuditAction.AGREEMENT_WITHDRAWN, by, source
        )

    def _known_use_case(self, use_case: str) -> None:
        _, policy = self.policy()
        policy.use_case(use_case)

    def _write_agreement(
        self,
        la: str,
        use_case: str,
        values: dict[str, object],
        action: AuditAction,
        by: str,
        source: str | None,
    ) -> Agreement:
        self._known_use_case(use_case)
        stamp = {"updated_at": now(), "updated_by": by}
        with self.engine.begin() as db:
            exists = db.execute(
                select(t.agreements.c.id).where(
                    t.agreements.c.la == la, t.agreements.c.use_case == use_case
                )
            ).first()
            if exists:
                db.execute(
                    update(t.agreements)
                    .where(t.agreements.c.id == exists.id)
                    .values(**values, **stamp)
                )
            else:
                db.execute(
                    insert(t.agreements).values(
                        la=la, use_case=use_case, **values, **stamp
                    )
                )
            audit.append_event(
                db,
                action,
                by=by,
                la=la,
                use_case=use_case,
                detail={k: _plain(v) for k, v in values.items()},
                source=source,
            )
        return self.agreement(la, use_case)

    def set_dpia(
        self,
        la: str,
        *,
        status: DpiaStatus,
        by: str,
        on: dt.date,
        covers: frozenset[str] | None = None,
        reviewer: str | None = None,
        reason: str | None = None,
        source: str | None = None,
    ) -> Dpia:
        """Record the DPIA's state; ``covers`` replaces the use cases it covers. An
        approval names its reviewer (by default whoever records it); ``reason``
        says why (a DPIA returned to its authority), kept in the record."""
        _, policy = self.policy()
        current = self.dpia(la)
        scope = current.covers if covers is None else covers
        for name in scope:
            policy.use_case(name)
        if status == DpiaStatus.APPROVED and not scope:
            raise GovernanceError(
                "a DPIA is approved for the use cases it covers: give --covers"
            )
        if status == DpiaStatus.APPROVED and not reviewer:
            reviewer = by  # whoever records the approval is the reviewer of record
        values = {
            "status": status.value,
            "covers": sorted(scope),
            "submitted_on": on
            if status == DpiaStatus.SUBMITTED
            else current.submitted_on,
            "approved_on": on if status == DpiaStatus.APPROVED else None,
            "reviewer": reviewer or current.reviewer,
            "updated_at": now(),
            "updated_by": by,
        }
        with self.engine.begin() as db:
            if db.execute(select(t.dpias.c.la).where(t.dpias.c.la == la)).first():
                db.execute(update(t.dpias).where(t.dpias.c.la == la).values(values))
            else:
                db.execute(insert(t.dpias).values(la=la, **values))
            detail = {
                k: _plain(v)
                for k, v in values.items()
                if k not in ("updated_at", "updated_by")
            }
            if reason:
                detail["reason"] = reason
            audit.append_event(
                db, AuditAction.DPIA_CHANGED, by=by, la=la, detail=detail, source=source
            )
        return self.dpia(la)

    # -- sessions -------------------------------------------------------------

    def start_session(
        self,
        session_id: str,
        la: str,
        *,
        by: str,
        received_at: dt.datetime,
        policy_version: int,
    ) -> None:
        with self.engine.begin() as db:
            before = db.execute(
                select(t.sessions.c.status, t.sessions.c.summary, t.sessions.c.la)
                .where(t.sessions.c.id == session_id)
                .with_for_update()
            ).one_or_none()
            again = before is not None and _interrupted(before.status, before.summary)
            if again and before is not None and before.la == la:
                db.execute(  # an upload run again after the process running it died
                    update(t.sessions)
                    .where(t.sessions.c.id == session_id)
                    .values(
                        status=SessionStatus.RUNNING.value,
                        policy_version=policy_version,
                        finished_at=None,
                        summary=None,
                    )
                )
            else:
                db.execute(
                    insert(t.sessions).values(
                        id=session_id,
                        la=la,
                        status=SessionStatus.RUNNING.value,
                        submitted_by=by,
                        received_at=received_at,
                        policy_version=policy_version,
                    )
                )
            audit.append_event(
                db,
                AuditAction.SESSION_STARTED,
                by=by,
                la=la,
                detail={
                    "session": session_id,
                    "policy_version": policy_version,
                    **({"again": "after an interruption"} if again else {}),
                },
            )

    def finish_session(
        self,
        session_id: str,
        *,
        status: SessionStatus,
        summary: SessionSummary | Mapping[str, object],
        by: str,
    ) -> None:
        """End a session with ``status`` (a :class:`SessionStatus`) and
        ``summary`` (a :class:`SessionSummary`, or one already as JSON), and
        record it."""
        status = SessionStatus(status)
        if isinstance(summary, SessionSummary):
            summary = summary.to_json()
        with self.engine.begin() as db:
            row = db.execute(
                select(t.sessions.c.la).where(t.sessions.c.id == session_id)
            ).one()
            db.execute(
                update(t.sessions)
                .where(t.sessions.c.id == session_id)
                .values(status=status.value, finished_at=now(), summary=dict(summary))
            )
            audit.append_event(
                db,
                AuditAction.session_ended(status),
                by=by,
                la=row.la,
                detail={"session": session_id, **summary},
            )

    def sessions(self, la: str | None = None) -> list[SessionRecord]:
        query = select(t.sessions).order_by(t.sessions.c.received_at, t.sessions.c.id)
        if la is not None:
            query = query.where(t.sessions.c.la == la)
        with self.engine.connect() as db:
            return [
                SessionRecord(
                    **{
                        **row._mapping,
                        "status": SessionStatus(row.status),
                        "received_at": _aware(row.received_at),
                        "finished_at": _aware(row.finished_at),
                    }
                )
                for row in db.execute(query)
            ]

    def mark_session(self, session_id: str, status: str) -> None:
        """Set the status (a :class:`SessionStatus`) of a session."""
        with self.engine.begin() as db:
            db.execute(
                update(t.sessions)
                .where(t.sessions.c.id == session_id)
                .values(status=SessionStatus(status).value)
            )

    # -- the record -----------------------------------------------------------

    def record(
        self,
        action: AuditAction,
        *,
        by: str,
        la: str | None = None,
        use_case: str | None = None,
        detail: Mapping[str, object] | None = None,
        source: str | None = None,
        outcome: str = audit.Outcome.DONE,
    ) -> None:
        """Record an action done (or, ``outcome="refused"``, refused) elsewhere."""
        with self.engine.begin() as db:
            audit.append_event(
                db,
                action,
                by=by,
                la=la,
                use_case=use_case,
                detail=detail,
                source=source,
                outcome=outcome,
            )

    def events(
        self, action: str | None = None, *, la: str | None = None
    ) -> list[Event]:
        """The record, oldest first; only ``action``'s, or ``la``'s, when given."""
        query = select(t.events).order_by(t.events.c.id)
        if action is not None:
            query = query.where(t.events.c.action == action)
        if la is not None:
            query = query.where(t.events.c.la == la)
        with self.engine.connect() as db:
            return [
                Event(**{**row._mapping, "at": _aware(row.at)})
                for row in db.execute(query)
            ]

    def events_page(
        self,
        *,
        action: str | None = None,
        la: str | None = None,
        actor: str | None = None,
        outcome: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[Event]:
        """One page of the record, newest first: at most ``limit`` events that
        match every filter given, all older than event ``before_id`` when it is
        given (the last id of the page before). Filtered and cut at the database,
        on the id (keyset), so a page deep in the log costs what the first does.

        ``since`` is inclusive and ``until`` exclusive; a time without a zone is
        taken as UTC."""
        if not 1 <= limit <= EVENTS_PAGE_LIMIT:
            raise UsageError(
                f"a page holds 1 to {EVENTS_PAGE_LIMIT} events, not {limit}"
            )
        e = t.events.c
        query = select(t.events).order_by(e.id.desc()).limit(limit)
        if action is not None:
            query = query.where(e.action == action)
        if la is not None:
            query = query.where(e.la == la)
        if actor is not None:
            query = query.where(e.actor == actor)
        if outcome is not None:
            try:
                query = query.where(e.outcome == audit.Outcome(outcome).value)
            except ValueError:
                known = ", ".join(o.value for o in audit.Outcome)
                raise UsageError(
                    f"unknown outcome {outcome!r}; the outcomes are {known}"
                ) from None
        if since is not None:
            query = query.where(e.at >= _utc(since))
        if until is not None:
            query = query.where(e.at < _utc(until))
        if before_id is not None:
            query = query.where(e.id < before_id)
        with self.engine.connect() as db:
            return [
                Event(**{**row._mapping, "at": _aware(row.at)})
                for row in db.execute(query)
            ]

    def event_actions(self) -> list[str]:
        """Every action the record holds, in alphabetical order (to filter by)."""
        query = select(t.events.c.action).distinct().order_by(t.events.c.action)
        with self.engine.connect() as db:
            return list(db.execute(query).scalars())

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as db:
            yield db


def authority_rows(found: Iterable[Authority]) -> list[dict[str, object]]:
    """The rows of the registry's ``authorities`` table for ``found``."""
    return [
        {"code": a.code, "name": a.name, "dfe": a.dfe, "ons": a.ons, "region": a.region}
        for a in found
    ]


def open_registry(
    registry_file: Path, *, must_exist: bool = True, embedded: bool = False
) -> Registry:
    """The registry of a data area (or of ``DATABASE_URL``). ``embedded`` keeps it
    in the data area's SQLite file whatever ``DATABASE_URL`` says (the demo and the
    benchmarks run on the embedded defaults)."""
    registry = Registry(engine_for(registry_url(registry_file, embedded=embedded)))
    if must_exist and not registry.ready():
        raise UsageError(
            f"no registry at {registry_file.parent} (or DATABASE_URL); run "
            f"`cld init --data-dir {registry_file.parent}` first"
        )
    return registry


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC (a naive one is taken as UTC): SQLite keeps times without
    their zone, so a bound time must be in the zone the stored ones are in."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _policy_version(row: Any) -> PolicyVersion:
    return PolicyVersion(
        version=row["version"],
        sha256=row["sha256"],
        created_at=_aware(row["created_at"]) or now(),
        created_by=row["created_by"],
        reason=row["reason"],
    )


def _agreement(row: Any) -> Agreement:
    return Agreement(
        la=row["la"],
        use_case=row["use_case"],
        status=AgreementStatus(row["status"]),
        requested_on=row["requested_on"],
        signed_on=row["signed_on"],
        expires_on=row["expires_on"],
        withdrawn_on=row["withdrawn_on"],
        signatory=row["signatory"],
        role=row["role"],
        document_sha256=row["document_sha256"],
        isg_reference=row["isg_reference"],
    )


def _dpia(row: Any) -> Dpia:
    return Dpia(
        la=row["la"],
        status=DpiaStatus(row["status"]),
        covers=frozenset(row["covers"] or ()),
        submitted_on=row["submitted_on"],
        approved_on=row["approved_on"],
        reviewer=row["reviewer"],
    )


def _interrupted(status: str, summary: object) -> bool:
    """Whether a session ended because the process running it died (it may run
    again, under the same id, when its upload is taken up again)."""
    return status == SessionStatus.INTERRUPTED or (
        status == SessionStatus.FAILED
        and SessionSummary.from_json(summary).error == "interrupted"  # as once kept
    )
