"""``cld bench``: how fast and how lean validating a large return is.

Each measurement runs in a fresh Python process (``python -m
cld.benchmarks.<module>``) so that its peak memory is its own.
"""
