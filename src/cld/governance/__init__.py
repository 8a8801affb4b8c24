"""Governance: authorities, use cases, agreements and the processing policy."""
