"""A local S3 (moto's server on loopback) for the object-storage tests: started
by the fixture, stopped after, reached through the standard AWS variables."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from moto.server import ThreadedMotoServer

AWS_VARIABLES = {
    "AWS_ACCESS_KEY_ID": "moto-test-only",
    "AWS_SECRET_ACCESS_KEY": "moto-test-only",
    "AWS_DEFAULT_REGION": "us-east-1",
}


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


def new_bucket_url(prefix: str = "platform") -> str:
    """A URL in a bucket of its own (``cld init`` makes the bucket)."""
    return f"s3://cld-test-{secrets.token_hex(4)}/{prefix}"
