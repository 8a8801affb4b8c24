"""The registry's tables (SQLAlchemy Core). ``cld init`` creates them; idempotent.

``events`` is the record of every governance and processing action: rows are only
ever added, and hold no foreign keys, so the record never blocks deleting live data.
Each event also holds the hash of the one before it and its own (keyed with
``CLD_AUDIT_KEY``), so a changed or missing row shows, and the database refuses to
change, replace or delete one (triggers that ``Registry.create`` installs; on
PostgreSQL a role of its own may own the table): see ``audit.py`` and
``custody.py``.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

authorities = Table(
    "authorities",
    metadata,
    Column("code", String(8), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("dfe", Integer, nullable=False, unique=True),
    Column("ons", String(16), nullable=False),
    Column("region", String(100), nullable=False),
)

datasets = Table(
    "datasets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("document", JSON, nullable=False),
)

use_cases = Table(
    "use_cases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("retention_years", Integer, nullable=False),
    Column(
        "active",
        Integer,
        nullable=False,
        default=1,
        comment="0 once a policy version no longer has the use case",
    ),
)

agreements = Table(
    "agreements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("la", String(8), ForeignKey("authorities.code"), nullable=False),
    Column("use_case", String(64), ForeignKey("use_cases.name"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("requested_on", Date),
    Column("signed_on", Date),
    Column("expires_on", Date),
    Column("withdrawn_on", Date),
    Column("signatory", String(200)),
    Column("role", String(200)),
    Column("document_sha256", String(64)),
    Column("isg_reference", String(100)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(200), nullable=False),
    UniqueConstraint("la", "use_case"),
)

dpias = Table(
    "dpias",
    metadata,
    Column("la", String(8), ForeignKey("authorities.code"), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("covers", JSON, nullable=False),
    Column("submitted_on", Date),
    Column("approved_on", Date),
    Column("reviewer", String(200)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(200), nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("la", String(8), ForeignKey("authorities.code"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("policy_version", Integer, nullable=False),
    Column("summary", JSON),
)

events = Table(
    "events",
    metadata,
    Column(
        "id",
        Integer,
        primary_key=True,
        autoincrement=True,
        comment="the last id + 1, given under the chain's lock: no gaps",
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("la", String(8)),
    Column("use_case", String(64)),
    Column("detail", JSON, nullable=False),
    Column("source", String(100), comment='where from: an IP address, or "cli"'),
    Column(
        "outcome",
        String(16),
        nullable=False,
        default="done",
        comment='"done", or "refused" for an attempt that was refused',
    ),
    Column(
        "previous_hash",
        String(64),
        nullable=False,
        unique=True,
        comment="the hash of the event before (64 zeros for the first): one chain, "
        "never a fork",
    ),
    Column(
        "hash",
        String(64),
        nullable=False,
        unique=True,
        comment="HMAC-SHA256 (CLD_AUDIT_KEY) of previous_hash and this row's "
        "content; plain sha256 before keying",
    ),
)
