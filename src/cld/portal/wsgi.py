"""The WSGI application, with WhiteNoise serving the portal's static files (with
the portal's security headers: ``security.static_file_headers``)."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application
from whitenoise import WhiteNoise

from cld.portal.security import static_file_headers

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cld.portal.settings")

STATIC_DIR = Path(__file__).parent / "static"

application = WhiteNoise(
    get_wsgi_application(),
    root=STATIC_DIR,
    prefix="static/",
    add_headers_function=static_file_headers,
)
