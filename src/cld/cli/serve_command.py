"""``cld serve``: the portal on a production WSGI server (waitress), static files
served by WhiteNoise, after bringing the portal's tables up to date and starting
the upload worker (:func:`cld.portal.uploads.jobs.start_up`: what processes that
died left is cleared, accepted uploads not yet run are queued again)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer

from cld.cli.options import DataDirOption, open_area
from cld.engine.errors import ExitCode


def serve(
    data_dir: DataDirOption,
    host: Annotated[
        str, typer.Option("--host", help="The address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", help="The port.", min=1, max=65535)
    ] = 8000,
) -> int:
    """Serve the web portal for the data area."""
    open_area(data_dir)
    prepare_portal(data_dir)
    serve_portal(host, port)
    return ExitCode.OK


def prepare_portal(data_dir: str | Path) -> None:
    """Set Django up for the data area and bring the portal's tables up to date."""
    from django.core.management import call_command

    from cld.portal import configure

    configure(data_dir)
    call_command("migrate", interactive=False, verbosity=0)


def serve_portal(host: str, port: int) -> None:
    """Serve the portal (already prepared) until interrupted. Behind a TLS proxy
    (``CLD_BEHIND_TLS_PROXY=1``) the proxy's ``X-Forwarded-Proto`` and
    ``X-Forwarded-For`` are believed from ``CLD_TRUSTED_PROXY`` (127.0.0.1 unless
    set) only; waitress drops them from anyone else."""
    from django.conf import settings
    from waitress import serve as waitress_serve

    from cld.cli.queue_log import quieten_queue_warnings
    from cld.pipeline.isolation import warm_up
    from cld.portal.uploads.jobs import start_worker
    from cld.portal.wsgi import application

    proxy: dict[str, object] = {}
    if settings.CLD_BEHIND_TLS_PROXY:
        proxy = {
            "trusted_proxy": settings.CLD_TRUSTED_PROXY,
            "trusted_proxy_headers": "x-forwarded-proto x-forwarded-for",
            "trusted_proxy_count": 1,
        }
    start_worker()  # start-up: what dead processes left, then the queue
    quieten_queue_warnings()
    threading.Thread(  # identifying uploads waits for no process start-up
        target=warm_up, args=(2,), name="cld-warm-up", daemon=True
    ).start()
    typer.echo(f"Serving the portal on http://{host}:{port}/ (Ctrl-C stops it)")
    waitress_serve(application, host=host, port=port, threads=8, **proxy)
