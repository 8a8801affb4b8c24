"""The differential tests need the DfE's validators: ``make dfe-validators`` builds
them; without them these tests are skipped (CI builds them, and there they fail)."""

from __future__ import annotations

import os

import pytest
from dfe_validators import DFE_PYTHON


@pytest.fixture(scope="session", autouse=True)
def _dfe_validators_built() -> None:
    if DFE_PYTHON.exists():
        return
    if os.environ.get("CI"):
        pytest.fail("CI builds the DfE validators first (make dfe-validators)")
    pytest.skip("the DfE validators are not built here (make dfe-validators)")
