"""Pure transforms of conformed tables under a policy.

Minimise, enrich, pseudonymise, degrade: Polars frames in, Polars frames out.
"""
