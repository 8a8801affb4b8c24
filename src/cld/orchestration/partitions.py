"""Partitions: one per authority and dataset, so each authority's returns of each
dataset are processed, retried and seen apart. Both dimensions come from what the
platform ships (its authorities, its schemas), never a list written here."""

from __future__ import annotations

import dagster as dg

from cld.engine.spec.load import dataset_names
from cld.governance.authorities import authorities

AUTHORITY = "authority"
DATASET = "dataset"
AUTHORITY_TAG = f"dagster/partition/{AUTHORITY}"
"""The tag Dagster puts on every run of an authority's partition (from the sensor,
the UI or a backfill): the key of the per-authority concurrency limit."""

AUTHORITY_CODES = tuple(a.code for a in authorities())
AUTHORITY_DATASETS = dg.MultiPartitionsDefinition(
    {
        AUTHORITY: dg.StaticPartitionsDefinition(list(AUTHORITY_CODES)),
        DATASET: dg.StaticPartitionsDefinition(list(dataset_names())),
    }
)


def partition_key(la: str, dataset: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({AUTHORITY: la, DATASET: dataset})


def authority_and_dataset(key: str) -> tuple[str, str]:
    """The authority code and dataset of a partition key (``CAM|ssda903``)."""
    dimensions = AUTHORITY_DATASETS.get_partition_key_from_str(key).keys_by_dimension
    return dimensions[AUTHORITY], dimensions[DATASET]
