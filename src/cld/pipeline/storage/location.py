"""Telling a folder from an object-store URL, and opening the store."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from cld.engine.errors import UsageError

WORK_DIR_ENV = "CLD_WORK_DIR"
"""Where a worker keeps its local mirrors of object-store data areas."""
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.IGNORECASE)
_LOCAL = frozenset({"file", "local"})
_EXTRAS = {"s3": "s3", "s3a": "s3", "az": "azure", "abfs": "azure", "abfss": "azure"}


def scheme_of(location: str | Path) -> str | None:
    """The URL scheme of ``location`` (``s3``), None for a plain folder or a
    ``file://`` URL."""
    if isinstance(location, Path):
        return None
    found = _SCHEME.match(location)
    if found is None or found.group(1).lower() in _LOCAL:
        return None
    return found.group(1).lower()


def local_path(location: str | Path) -> Path:
    """The folder a plain path or a ``file://`` URL names, made absolute (and
    ``..`` resolved) against the working folder now, so that every path built on
    it is spelled one way however long the process runs."""
    text = str(location)
    found = _SCHEME.match(text)
    return Path(text[found.end() :] if found else text).resolve()


def mirror_folder(url: str) -> Path:
    """The local mirror of the data area at ``url``: ``$CLD_WORK_DIR`` (made
    absolute) or the user's cache folder, one sub-folder per URL."""
    base = os.environ.get(WORK_DIR_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "cld", "areas"
    )
    digest = hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:16]
    return Path(base).resolve() / digest


def open_filesystem(url: str) -> tuple[object, str]:
    """The fsspec filesystem and root path of ``url``. Credentials and endpoints
    come from the standard variables (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
    ``AWS_PROFILE``, ``AZURE_STORAGE_CONNECTION_STRING``, …)."""
    import fsspec  # noqa: PLC0415 - only object-store areas need it

    scheme = scheme_of(url) or ""
    try:
        fs, root = fsspec.core.url_to_fs(url.rstrip("/"))
    except ImportError as exc:
        extra = _EXTRAS.get(scheme)
        hint = f"pip install 'cld[{extra}]'" if extra else str(exc)
        raise UsageError(
            f"{url}: no driver for {scheme}:// storage is installed ({hint})"
        ) from exc
    except ValueError as exc:
        raise UsageError(f"{url}: {exc}") from exc
    return fs, str(root)
