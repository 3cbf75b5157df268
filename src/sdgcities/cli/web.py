"""CLI: web commands (``sdgcities serve``)."""

from __future__ import annotations

import logging
from typing import Any

import typer

from sdgcities.cli._common import console, handle_errors

logger = logging.getLogger(__name__)


def check_port(host: str, port: int) -> None:
    """Raise :class:`ConfigurationError` naming a free port when ``host:port`` is taken."""
    import socket

    from sdgcities.errors import ConfigurationError

    def bind(p: int) -> int:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            if hasattr(socket, "SO_REUSEADDR"):  # as uvicorn binds: TIME_WAIT is no conflict
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, p))
            return int(sock.getsockname()[1])

    try:
        bind(port)
    except OSError as err:
        try:
            free = next(p for p in range(port + 1, min(port + 50, 65535)) if _free(bind, p))
        except StopIteration:
            free = bind(0)
        except OSError as bad_host:
            raise ConfigurationError(
                f"cannot listen on {host}: {bad_host.strerror}; give --host 127.0.0.1 "
                "or an address of this machine"
            ) from None
        reason = "is in use" if err.errno in (98, 48, 10048) else f"cannot be used ({err.strerror})"
        raise ConfigurationError(
            f"port {port} on {host} {reason}; use --port {free}, which is free now"
        ) from None


def _free(bind: object, port: int) -> bool:
    try:
        bind(port)  # type: ignore[operator]
    except OSError as err:
        if err.errno in (98, 48, 10048, 13):  # in use, or a privileged port
            return False
        raise
    return True


@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Worker processes (each keeps its own page cache)."
    ),
    reload: bool = typer.Option(False, "--reload", help="Restart on code changes (development)."),
) -> None:
    """Serve the web platform: pages, JSON API (/api/v1) and OGC API (/ogc).

    At most SDGCITIES_WEB_THREADS requests per worker compute at once (default 2).

    SDGCITIES_PAGE_CACHE=off computes every page afresh (no per-process cache).

    Examples:

      sdgcities serve

      sdgcities serve --host 0.0.0.0 --port 8080 --workers 4

      SDGCITIES_WEB_THREADS=4 sdgcities serve --workers 2
    """
    import uvicorn

    from sdgcities.store.db import init_store

    check_port(host, port)
    init_store()  # migrate once here, not in every worker
    console.print(f"[bold]SDG Cities[/] on http://{host}:{port}/  (API docs: /api/v1/docs)")
    options: dict[str, Any] = {
        "log_level": "info",
        # forwarded headers are trusted only from SDGCITIES_TRUSTED_PROXIES (in the app)
        "proxy_headers": False,
    }
    if workers > 1 and not reload:
        from sdgcities.web.workers import reuseport_available, serve_workers

        if reuseport_available():  # a socket per worker: connections spread over them all
            raise typer.Exit(serve_workers(host, port, workers, options))
    uvicorn.run(
        "sdgcities.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        **options,
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("serve")(serve)
