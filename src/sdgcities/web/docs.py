"""``/api/v1/docs``: Swagger UI for the JSON API, served entirely from the package.

FastAPI's default page loads Swagger UI from a CDN (blank offline) and starts it with
an inline script (refused by the Content-Security-Policy). This page loads the copy of
``swagger-ui-dist`` vendored by ``scripts/vendor-assets.sh`` and starts it from
``/static/js/swagger-init.js``, which reads the OpenAPI URL from a ``data-`` attribute.
"""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

VENDOR = "/static/vendor/swagger-ui"


@router.get("/api/v1/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The interactive documentation of the JSON API (no request leaves this server)."""
    title = html.escape(f"{request.app.title} – API")
    openapi = html.escape(request.app.openapi_url or "/api/v1/openapi.json")
    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" href="{VENDOR}/favicon-32x32.png">
<link rel="stylesheet" href="{VENDOR}/swagger-ui.css">
</head>
<body>
<main><h1 class="visually-hidden">{title}</h1>
<div id="swagger-ui" data-openapi="{openapi}"></div></main>
<script src="{VENDOR}/swagger-ui-bundle.js"></script>
<script src="/static/js/swagger-init.js"></script>
</body>
</html>
"""
    return HTMLResponse(page)
