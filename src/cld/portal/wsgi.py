"""The WSGI application, with WhiteNoise serving the portal's static files."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application
from whitenoise import WhiteNoise

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cld.portal.settings")

STATIC_DIR = Path(__file__).parent / "static"

application = WhiteNoise(get_wsgi_application(), root=STATIC_DIR, prefix="static/")
