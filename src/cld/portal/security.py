"""Headers on every response: a strict Content-Security-Policy (no inline scripts
or styles, nothing from another origin), and ``Cache-Control: no-store`` on
everything the portal's views answer (pages with data, downloads of children's
records and issue reports, the API), so no browser or proxy keeps a copy. Static
files, served by WhiteNoise before Django, get the same security headers from
:func:`static_file_headers` (``wsgi.py``)."""

from __future__ import annotations

from collections.abc import Callable
from wsgiref.headers import Headers

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault(
            "Content-Security-Policy", settings.CONTENT_SECURITY_POLICY
        )
        return response


class NoStoreMiddleware:
    """No view's answer is kept by a browser or a proxy: every page and download
    of the portal may hold what only its reader may see."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


def static_file_headers(headers: Headers, path: str, url: str) -> None:
    """WhiteNoise's ``add_headers_function``: the headers Django's middleware puts
    on pages, on each static file too (static files hold no data, so they may
    be cached)."""
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    headers["Referrer-Policy"] = settings.SECURE_REFERRER_POLICY
    headers["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
    headers["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
