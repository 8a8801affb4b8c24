"""A schema-driven fuzz of the API (schemathesis): generated requests to every
operation in ``/api/v1/openapi.json``, with a real token and without, must never
make the portal fail (5xx) and every answer must match the document: its status
codes, content types and bodies.

One check is left out: "schema-valid data is accepted". The schema can say an
upload is a file, not that it is a statutory return; a generated PNG is rightly
refused (415), which that check would call a failure."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from cld.portal.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def analyst_token(member: Any) -> str:
    from cld.portal.accounts.models import Token

    _, secret = Token.issue(member("hub-analyst", use_cases=("pan",)))
    return secret


@pytest.fixture
def uploader_token(member: Any) -> str:
    from cld.portal.accounts.models import Token

    _, secret = Token.issue(member("la-uploader", la="HAC"))
    return secret


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_the_api_keeps_to_its_schema(
    case: Any, analyst_token: str, uploader_token: str
) -> None:
    for token in (analyst_token, uploader_token, None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        case.call_and_validate(
            headers=headers, excluded_checks=[positive_data_acceptance]
        )
