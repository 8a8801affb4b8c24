"""The portal in production behind a TLS-terminating proxy, as deployed: `cld
serve` (waitress) on loopback with ``CLD_ENV=production``, ``CLD_BEHIND_TLS_PROXY=1``
and ``CLD_PUBLIC_URL``, and Debian's nginx in front of it on
https://127.0.0.1:PORT with a certificate made here. A real GET of the sign-in
page and POST of the form through the proxy reach the second-factor step; HTTPS
answers carry HSTS and Secure cookies; plain HTTP is sent to HTTPS.

nginx comes from Debian's packages (``.ci/run`` installs it); where it is missing
the test is skipped, except in CI (``CI=true``), where it fails."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

PASSWORD = "a long password for the proxy test"
NGINX_CONF = """
daemon off;
master_process off;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {root}/body;
  proxy_temp_path {root}/proxy;
  fastcgi_temp_path {root}/fastcgi;
  uwsgi_temp_path {root}/uwsgi;
  scgi_temp_path {root}/scgi;
  server {{
    listen 127.0.0.1:{https} ssl;
    ssl_certificate {root}/cert.pem;
    ssl_certificate_key {root}/key.pem;
    location / {{
      proxy_pass http://127.0.0.1:{portal};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $remote_addr;
    }}
  }}
  server {{
    listen 127.0.0.1:{http};
    location / {{
      proxy_pass http://127.0.0.1:{portal};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $remote_addr;
    }}
  }}
}}
"""
"""The proxy as docs/portal.md describes it: it sets (never passes on) the
forwarded headers, and the portal listens on loopback only."""


def _nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("nginx is missing in CI: .ci/run installs it")
        pytest.skip("Debian's nginx is not installed here (.ci/run installs it)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _certificate(root: Path) -> Path:
    """A self-signed certificate for 127.0.0.1, made for this test."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    (root / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path = root / "cert.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _wait_for(
    url: str, process: subprocess.Popen[bytes], log: Path, cert: Path | None = None
) -> None:
    """Until ``url`` answers (or the process ends: then fail with its log)."""
    import requests

    deadline = time.monotonic() + 300  # a limit on waiting, not a measurement
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args!r} ended:\n{log.read_text()}")
        try:
            _browser(cert).get(url, timeout=10, allow_redirects=False)
            return
        except (requests.ConnectionError, requests.Timeout):
            try:
                process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
    pytest.fail(f"{url} never answered:\n{log.read_text()}")


def _browser(cert: Path | None) -> Any:
    """A requests session trusting only ``cert`` and ignoring the environment's
    proxies and CA bundle (REQUESTS_CA_BUNDLE would override ``verify``)."""
    import requests

    session = requests.Session()
    session.trust_env = False
    session.verify = str(cert) if cert else True
    return session


@dataclass(frozen=True)
class Proxied:
    https: str
    http: str
    cert: Path


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[Proxied]:
    """The production portal on loopback behind nginx; stopped afterwards."""
    nginx = _nginx()
    portal, https, http = _free_port(), _free_port(), _free_port()
    data = tmp_path / "data"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLD_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        CLD_ENV="production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        CLD_PSEUDONYM_KEY=secrets.token_urlsafe(32),
        CLD_AUDIT_KEY=secrets.token_urlsafe(32),
        DATABASE_URL=f"sqlite:///{data / 'registry.sqlite'}",
        CLD_BEHIND_TLS_PROXY="1",
        CLD_PUBLIC_URL=f"https://127.0.0.1:{https}",
    )
    cld = [str(shutil.which("cld", path=str(Path(sys.executable).parent)))]
    subprocess.run([*cld, "init", "--data-dir", str(data)], env=env, check=True)
    subprocess.run(
        [*cld, "users", "add", "--data-dir", str(data), "proxy-admin"]
        + ["--role", "admin", "--password-stdin", "--by", "test"],
        input=f"{PASSWORD}\n".encode(),
        env=env,
        check=True,
        capture_output=True,
    )
    cert = _certificate(tmp_path)
    (tmp_path / "nginx.conf").write_text(
        NGINX_CONF.format(root=tmp_path, https=https, http=http, portal=portal)
    )
    portal_log, nginx_log = tmp_path / "portal.log", tmp_path / "nginx.log"
    with portal_log.open("wb") as out, nginx_log.open("wb") as nginx_out:
        server = subprocess.Popen(
            [*cld, "serve", "--data-dir", str(data), "--port", str(portal)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        proxy = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
            + ["-e", str(tmp_path / "nginx-error.log")],
            stdout=nginx_out,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(f"http://127.0.0.1:{portal}/health/", server, portal_log)
            _wait_for(f"https://127.0.0.1:{https}/health/", proxy, nginx_log, cert)
            yield Proxied(
                https=f"https://127.0.0.1:{https}",
                http=f"http://127.0.0.1:{http}",
                cert=cert,
            )
        finally:
            for process in (proxy, server):
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:  # pragma: no cover - stuck
                    process.kill()
                    process.wait()


def test_signing_in_through_a_tls_proxy_reaches_the_second_factor(
    proxied: Proxied,
) -> None:

    browser = _browser(proxied.cert)
    page = browser.get(f"{proxied.https}/sign-in/", allow_redirects=False)
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    )
    assert "no-store" in page.headers["Cache-Control"]
    csrf_cookie = next(c for c in browser.cookies if c.name == "csrftoken")
    assert csrf_cookie.secure
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token is not None
    signed_in = browser.post(
        f"{proxied.https}/sign-in/",
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": "proxy-admin",
            "password": PASSWORD,
        },
        headers={  # what a browser sends with a form from the page
            "Origin": proxied.https,
            "Referer": f"{proxied.https}/sign-in/",
        },
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text
    assert signed_in.headers["Location"] == "/"
    session_cookie = next(c for c in browser.cookies if c.name == "sessionid")
    assert session_cookie.secure
    start = browser.get(f"{proxied.https}/", allow_redirects=False)
    assert start.status_code == 302
    assert start.headers["Location"].startswith("/two-factor/")
    second = browser.get(f"{proxied.https}{start.headers['Location']}")
    assert second.status_code == 200
    assert "authenticator app" in second.text
    assert "Strict-Transport-Security" in second.headers


def test_plain_http_through_the_proxy_is_sent_to_https(proxied: Proxied) -> None:

    browser = _browser(proxied.cert)
    answer = browser.get(f"{proxied.http}/sign-in/", allow_redirects=False)
    assert answer.status_code == 301
    assert answer.headers["Location"].startswith("https://127.0.0.1:")
    assert "Strict-Transport-Security" not in answer.headers
    assert "Set-Cookie" not in answer.headers
    assert browser.get(f"{proxied.http}/health/").text == "ok\n"


def test_serve_believes_forwarded_headers_from_the_proxy_only(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """waitress drops X-Forwarded-* unless told which peer to believe: `cld serve`
    names the proxy (``CLD_TRUSTED_PROXY``) behind a TLS proxy, and nobody
    otherwise."""
    import waitress

    from cld.cli.serve_command import serve_portal

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: calls.append(kw))
    settings.CLD_BEHIND_TLS_PROXY = False
    serve_portal("127.0.0.1", 8000)
    settings.CLD_BEHIND_TLS_PROXY = True
    settings.CLD_TRUSTED_PROXY = "10.0.0.5"
    serve_portal("127.0.0.1", 8000)
    assert "trusted_proxy" not in calls[0]
    assert calls[1]["trusted_proxy"] == "10.0.0.5"
    assert calls[1]["trusted_proxy_headers"] == "x-forwarded-proto x-forwarded-for"
