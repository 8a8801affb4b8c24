"""Security headers everywhere: ``Cache-Control: no-store`` on every page and
download the portal's views answer (children's outputs, issue reports, what left
the borough, the API), set centrally (``security.NoStoreMiddleware``); and the
security headers of pages on static files too, which WhiteNoise serves before
Django (``security.static_file_headers``)."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cld.portal.accounts.models import Token
from cld.portal.data_area import registry
from cld.portal.hub.files import output_files


def _no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def _drained(response: Any) -> Any:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
        response.close()
    return response


@pytest.fixture
def cam_session() -> str:
    return next(s.id for s in registry().sessions("CAM") if s.status == "published")


def test_childrens_outputs_are_not_stored(member: Any) -> None:
    client = Client()
    client.force_login(member("hub-analyst", use_cases=("pan",)))
    name = sorted(f.name for f in output_files("pan"))[0]
    for url in (
        reverse("output", kwargs={"use_case": "pan"}),
        reverse("output-file", kwargs={"use_case": "pan", "filename": name}),
    ):
        response = _drained(client.get(url))
        assert response.status_code == 200, url
        assert _no_store(response), url


def test_issue_reports_and_what_left_the_borough_are_not_stored(
    member: Any, cam_session: str
) -> None:
    governance, uploader = Client(), Client()
    governance.force_login(member("la-governance", la="CAM"))
    uploader.force_login(member("la-uploader", la="CAM"))
    urls = [(governance, reverse("shared", kwargs={"la": "CAM"}))] + [
        (uploader, reverse(name, kwargs={"session_id": cam_session}))
        for name in ("session", "session-issues-csv", "session-issues-xlsx")
    ]
    for client, url in urls:
        response = _drained(client.get(url))
        assert response.status_code == 200, url
        assert _no_store(response), url


def test_the_api_and_refusals_are_not_stored(member: Any) -> None:
    _, secret = Token.issue(member("hub-analyst", use_cases=("pan",)))
    auth = {"Authorization": f"Bearer {secret}"}
    table = sorted(f.stem for f in output_files("pan") if f.name.endswith(".csv"))[0]
    answered = _drained(Client().get(f"/api/v1/outputs/pan/{table}.csv", headers=auth))
    assert answered.status_code == 200 and _no_store(answered)
    refused = Client().get("/api/v1/outputs/pan")
    assert refused.status_code == 401 and _no_store(refused)
    assert _no_store(Client().get(reverse("sign-in")))


def _static(path: str) -> tuple[str, dict[str, str]]:
    """GET ``path`` from the WSGI application as the server runs it."""
    from wsgiref.util import setup_testing_defaults

    from cld.portal.wsgi import application

    environ: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    environ["wsgi.errors"] = sys.stderr
    environ["wsgi.input"] = io.BytesIO()
    answered: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answered.update(status=status, headers=dict(headers))

    body = application(environ, start_response)
    getattr(body, "close", lambda: None)()
    return answered["status"], answered["headers"]


@pytest.mark.parametrize(
    "path", ["/static/portal/portal.css", "/static/govuk/assets/images/favicon.ico"]
)
def test_static_files_carry_the_security_headers(
    transactional_db: None, path: str
) -> None:
    status, headers = _static(path)
    assert status.startswith("200")
    page = Client().get(reverse("sign-in"))
    for name in (
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Content-Security-Policy",
    ):
        assert headers[name] == page[name], name
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in headers["Cache-Control"]  # no data: may be cached
