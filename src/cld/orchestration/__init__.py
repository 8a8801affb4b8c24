"""The Dagster code location (``docs/orchestration.md``): the same pipeline
functions the CLI and the portal call, as assets partitioned by authority and
dataset, a sensor on the drop zone and a nightly schedule.

Dagster is optional (``pip install 'cld[dagster]'``); nothing outside this package
imports it.
"""

try:
    import dagster  # noqa: F401
except ImportError as exc:
    raise ImportError(
        "cld.orchestration needs Dagster, which is not installed: "
        "pip install 'cld[dagster]'"
    ) from exc
