"""CLI: web commands (``sdgcities serve``)."""

from __future__ import annotations

import logging

import typer

from sdgcities.cli._common import console, handle_errors

logger = logging.getLogger(__name__)


@handle_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Worker processes (each keeps its own page cache)."
    ),
    reload: bool = typer.Option(False, "--reload", help="Restart on code changes (development)."),
) -> None:
    """Serve the web platform: pages, JSON API (/api/v1) and OGC API (/ogc)."""
    import uvicorn

    from sdgcities.store.db import init_store

    init_store()  # migrate once here, not in every worker
    console.print(f"[bold]SDG Cities[/] on http://{host}:{port}/  (API docs: /api/v1/docs)")
    uvicorn.run(
        "sdgcities.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        log_level="info",
        # forwarded headers are trusted only from SDGCITIES_TRUSTED_PROXIES (in the app)
        proxy_headers=False,
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("serve")(serve)
