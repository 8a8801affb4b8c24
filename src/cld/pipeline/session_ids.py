"""A session's id: when it was received, whose it is, and a random part
(``20241001T093000Z-CAM-1a2b3c``)."""

from __future__ import annotations

import datetime as dt
import re
import secrets

SESSION_ID = re.compile(r"[0-9]{8}T[0-9]{6}Z-[A-Z0-9]{2,8}-[0-9a-f]{6}")


def new_session_id(la: str, at: dt.datetime) -> str:
    return f"{at:%Y%m%dT%H%M%SZ}-{la}-{secrets.token_hex(3)}"
