"""The registry: authorities, datasets, use cases, agreements, DPIAs, the versioned
policy, sessions and the record of every governance action (SQLAlchemy; SQLite in
the data area by default, the database ``DATABASE_URL`` names otherwise)."""

from cld.pipeline.registry.store import Registry, open_registry

__all__ = ["Registry", "open_registry"]
