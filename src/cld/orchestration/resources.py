"""The platform as a Dagster resource: where the data area is, who the runs act
as. The registry (``DATABASE_URL``) and the pseudonym key (``CLD_PSEUDONYM_KEY``)
come from the environment exactly as for the CLI."""

from __future__ import annotations

import dagster as dg

from cld.engine.transforms.pseudonymise import PseudonymKey
from cld.pipeline.data_area import DataArea, open_existing_area
from cld.pipeline.pseudonym_key import key_from_environment
from cld.pipeline.registry import Registry, open_registry

DATA_AREA_ENV = "CLD_DATA_DIR"
"""The data area's location: a folder, or an object-store URL (the portal reads
the same variable)."""


class PlatformResource(dg.ConfigurableResource["PlatformResource"]):
    """The data area a code location works on, and the name its runs are recorded
    under in the registry (``submitted_by`` of sessions, ``actor`` of events)."""

    data_area: str
    actor: str = "dagster"

    def area(self) -> DataArea:
        """The data area, refusing a location ``cld init`` has not made one."""
        return open_existing_area(self.data_area)

    def open(self) -> tuple[DataArea, Registry]:
        """The data area and its registry, as ``cld`` commands open them."""
        area = self.area()
        return area, open_registry(area.registry_file)

    def pseudonym_key(self) -> PseudonymKey:
        return key_from_environment()


def platform_from_environment() -> PlatformResource:
    """The resource a deployment gets: the location from ``CLD_DATA_DIR``, read
    when a run or a sensor tick starts (not when the code location loads)."""
    return PlatformResource(data_area=dg.EnvVar(DATA_AREA_ENV))
