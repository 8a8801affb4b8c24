"""The web portal (Django): accounts and roles, uploads and their issue reports,
agreements and DPIAs, the hub's dashboard and downloads, administration (users,
policy, the audit log) and the API. Views stay thin: they check a permission and
call ``cld.pipeline``."""

from __future__ import annotations

import os
from pathlib import Path

SETTINGS_MODULE = "cld.portal.settings"
DATA_DIR_ENV = "CLD_DATA_DIR"


def configure(data_dir: str | Path) -> None:
    """Point Django at the data area ``data_dir`` (a folder or an object-store
    URL) and set it up (once per process; a second call for another data area is
    refused)."""
    import django
    from django.conf import settings

    from cld.engine.errors import UsageError
    from cld.portal.environment import data_dir as location_of

    wanted = location_of({DATA_DIR_ENV: str(data_dir)})
    if settings.configured:
        if wanted != settings.CLD_DATA_DIR:
            raise UsageError(
                f"the portal is already set up for {settings.CLD_DATA_DIR}, "
                f"not {wanted}"
            )
        return
    os.environ[DATA_DIR_ENV] = str(wanted)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    django.setup()
