"""Local object stores for the object-storage tests, started by the fixtures,
stopped after, and reached through the standard variables:

- S3: moto's server on loopback (``AWS_ENDPOINT_URL`` and the AWS keys);
- Azure Blob: Azurite, Microsoft's emulator, installed by ``make install`` under
  ``tools/azurite`` (``AZURE_STORAGE_CONNECTION_STRING``). Its account and key are
  made for each run: nothing secret is in the repo.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from moto.server import ThreadedMotoServer

AWS_VARIABLES = {
    "AWS_ACCESS_KEY_ID": "moto-test-only",
    "AWS_SECRET_ACCESS_KEY": "moto-test-only",
    "AWS_DEFAULT_REGION": "us-east-1",
}
AZURITE = Path(__file__).parents[2] / "tools/azurite/node_modules/.bin/azurite-blob"
"""Azurite's blob service, as ``npm ci --prefix tools/azurite`` installs it."""
AZURE_ACCOUNT = "cldtest"


@contextmanager
def moto_s3() -> Iterator[str]:
    """Run moto's S3 on a free loopback port; yields its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@contextmanager
def azurite_blob(*, wait_seconds: float = 30.0) -> Iterator[str]:
    """Run Azurite's blob service on a free loopback port, in memory, with an
    account and key of its own; yields the connection string that reaches it."""
    if not AZURITE.exists():
        raise FileNotFoundError(
            f"{AZURITE} is missing: `make install` installs Azurite with npm"
        )
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    port = _free_port()
    with (
        tempfile.TemporaryDirectory(prefix="azurite-") as workspace,
        open(Path(workspace) / "azurite.log", "wb") as log,
    ):
        process = subprocess.Popen(  # noqa: S603 - our own pinned tool
            [
                str(AZURITE),
                *("--blobHost", "127.0.0.1", "--blobPort", str(port)),
                "--inMemoryPersistence",
                *("--silent", "--loose", "--skipApiVersionCheck"),
            ],
            cwd=workspace,
            env={**os.environ, "AZURITE_ACCOUNTS": f"{AZURE_ACCOUNT}:{key}"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(process, port, wait_seconds, Path(log.name))
            yield (
                "DefaultEndpointsProtocol=http;"
                f"AccountName={AZURE_ACCOUNT};AccountKey={key};"
                f"BlobEndpoint=http://127.0.0.1:{port}/{AZURE_ACCOUNT};"
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(
    process: subprocess.Popen[bytes], port: int, seconds: float, log: Path
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Azurite stopped as it started:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"Azurite did not listen on port {port} in {seconds} s")


def new_bucket_url(prefix: str = "platform") -> str:
    """A URL in a bucket of its own (``cld init`` makes the bucket)."""
    return f"s3://cld-test-{secrets.token_hex(4)}/{prefix}"


def new_container_url(prefix: str = "platform") -> str:
    """A URL in an Azure Blob container of its own (``cld init`` makes it)."""
    return f"az://cld-test-{secrets.token_hex(4)}/{prefix}"
