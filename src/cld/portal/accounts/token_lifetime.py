"""How long an API token works: ``DEFAULT_TOKEN_DAYS`` unless its issuer asks for
another number of days, up to ``MAX_TOKEN_DAYS``. Plain numbers, so the CLI reads
them without setting Django up."""

from __future__ import annotations

DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
