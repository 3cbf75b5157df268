"""OGC API – Features at ``/ogc``, served by pygeoapi from the sdgcities store.

pygeoapi's own Starlette app reads its configuration from files named by environment
variables when imported; here its :class:`pygeoapi.api.API` object is built from a
configuration dict generated in memory (and its OpenAPI document from that dict), and a
small Starlette app routes the Features endpoints to it. Three collections:

* ``cities`` — city points (properties: slug, name, country, region, population);
* ``boundaries`` — city boundary polygons;
* ``hexes`` — the H3 cells of every hex layer as polygons (filter with ``layer_id``,
  ``city`` or ``indicator``).

Links in the responses use ``SDGCITIES_BASE_URL`` when set, else the request's own
scheme and host.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from copy import deepcopy
from importlib import resources
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sdgcities import __version__
from sdgcities.config import Settings, get_settings
from sdgcities.web._guard import content_security_policy
from sdgcities.web.ogc_provider import register_store

logger = logging.getLogger(__name__)

MOUNT_PATH = "/ogc"
PROVIDER = "sdgcities.web.ogc_provider.SdgCitiesProvider"
WORLD = [-180.0, -90.0, 180.0, 90.0]

_COLLECTIONS: dict[str, dict[str, Any]] = {
    "cities": {
        "title": "Cities",
        "description": "Cities monitored by the platform, as points (WGS 84).",
        "keywords": ["cities", "SDG 11", "Urban Monitoring Framework"],
    },
    "boundaries": {
        "title": "City boundaries",
        "description": "The boundary polygons of the cities (WGS 84).",
        "keywords": ["cities", "boundaries"],
    },
    "hexes": {
        "title": "Hex layers",
        "description": (
            "H3 cells of the cities' hex layers (who lacks transport, open space, clean "
            "air …) as polygons; filter with layer_id, city or indicator."
        ),
        "keywords": ["H3", "hexagons", "SDG 11"],
    },
    # issue 12 (profiling): published layers only
    "neighbourhood-profiles": {
        "title": "Neighbourhood profiles",
        "description": "Neighbourhoods with their access indicators, gaps and deprivation "
        "score (Alkire-Foster); filter with city.",
        "keywords": ["neighbourhoods", "SDG 11", "deprivation"],
        "provider": "sdgcities.web.ogc_profiling.ProfileProvider",
        "kind": "neighbourhoods",
    },
    "exposure": {
        "title": "Hazard exposure",
        "description": "Population features with the share of people exposed to a hazard, "
        "and exposed buildings; filter with city.",
        "keywords": ["climate risk", "exposure", "RISE-UP"],
        "provider": "sdgcities.web.ogc_profiling.ProfileProvider",
        "kind": "exposure",
    },
    "group-profiles": {
        "title": "Population group profiles",
        "description": "Areas with each population group's people and access indicators "
        "(host community, migrants, refugees, internally displaced persons) and the gaps "
        "between groups; filter with city.",
        "keywords": ["migration", "displacement", "population groups"],
        "provider": "sdgcities.web.ogc_profiling.ProfileProvider",
        "kind": "groups",
    },
}


def ogc_config(base_url: str, store_key: str) -> dict[str, Any]:
    """The pygeoapi configuration (as a dict) for the store registered as ``store_key``."""
    resources: dict[str, Any] = {}
    for name, meta in _COLLECTIONS.items():
        resources[name] = {
            "type": "collection",
            "title": meta["title"],
            "description": meta["description"],
            "keywords": meta["keywords"],
            "links": [],
            "extents": {
                "spatial": {
                    "bbox": WORLD,
                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                }
            },
            "providers": [
                {
                    "type": "feature",
                    "name": meta.get("provider", PROVIDER),
                    "data": store_key,
                    "id_field": "id" if name == "hexes" or "provider" in meta else "slug",
                    "title_field": "h3" if name == "hexes" else "name",
                    "options": {"kind": meta.get("kind", name)},
                }
            ],
        }
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 0},
            "url": base_url.rstrip("/"),
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "cors": True,
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 1000},
            "map": {
                # no tile server unless one is configured: the pages work offline
                "url": os.environ.get("SDGCITIES_TILE_URL", "") or BLANK_TILE,
                "attribution": "&copy; OpenStreetMap contributors",
            },
        },
        "logging": {"level": "WARNING"},
        "metadata": {
            "identification": {
                "title": "sdgcities OGC API – Features",
                "description": "Cities, boundaries and hex layers of the SDG Cities platform.",
                "keywords": ["SDG 11", "cities", "Urban Monitoring Framework"],
                "keywords_type": "theme",
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
                "url": "https://github.com/sdgcities/sdgcities",
            },
            "license": {
                "name": "CC-BY 4.0 license",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
            "provider": {"name": "sdgcities", "url": "https://github.com/sdgcities/sdgcities"},
            "contact": {"name": "sdgcities", "position": "", "email": "", "url": ""},
        },
        "resources": resources,
    }


class _ApiCache:
    """pygeoapi API objects per base URL (a handful at most; links depend on it)."""

    def __init__(self, store_key: str, size: int = 8) -> None:
        self.store_key = store_key
        self.size = size
        self._apis: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, base_url: str) -> Any:
        from pygeoapi.api import API
        from pygeoapi.openapi import get_oas

        with self._lock:
            api = self._apis.get(base_url)
            if api is not None:
                self._apis.move_to_end(base_url)
                return api
        config = ogc_config(base_url, self.store_key)
        openapi = get_oas(deepcopy(config), fail_on_invalid_collection=False)
        api = API(config, openapi)
        with self._lock:
            self._apis[base_url] = api
            while len(self._apis) > self.size:
                self._apis.popitem(last=False)
        return api


def _base_url(request: Request, root: str) -> str:
    configured = os.environ.get("SDGCITIES_BASE_URL", "").strip()
    if configured:
        return configured.rstrip("/") + root
    return f"{request.url.scheme}://{request.url.netloc}{root}"


#: a transparent 1×1 image standing in for basemap tiles when no tile server is set
BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="

#: pygeoapi's templates load these from CDNs; the package serves its own copies
_LOCAL_ASSETS = {
    "https://unpkg.com/bootstrap@5.1.3/dist/css/bootstrap.min.css": (
        "/static/vendor/bootstrap/bootstrap.min.css"
    ),
    "https://unpkg.com/leaflet@1.3.1/dist/leaflet.css": "/static/vendor/leaflet/leaflet.css",
    "https://unpkg.com/leaflet@1.3.1/dist/leaflet.js": "/static/vendor/leaflet/leaflet.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet/1.3.1/leaflet.js": (
        "/static/vendor/leaflet/leaflet.js"
    ),
    "https://unpkg.com/leaflet.markercluster/dist/leaflet.markercluster-src.js": (
        "/static/vendor/markercluster/leaflet.markercluster.js"
    ),
    "https://unpkg.com/leaflet.markercluster/dist/MarkerCluster.css": (
        "/static/vendor/markercluster/MarkerCluster.css"
    ),
    "https://unpkg.com/leaflet.markercluster/dist/MarkerCluster.Default.css": (
        "/static/vendor/markercluster/MarkerCluster.Default.css"
    ),
    "https://unpkg.com/swagger-ui-dist/swagger-ui-bundle.js": (
        "/static/vendor/swagger-ui/swagger-ui-bundle.js"
    ),
    "https://unpkg.com/swagger-ui-dist/swagger-ui.css": "/static/vendor/swagger-ui/swagger-ui.css",
}
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def offline_html(page: str) -> tuple[str, list[str]]:
    """pygeoapi's page with local assets, and the CSP hashes of its inline scripts.

    The inline scripts are pygeoapi's own (map set-up); each is allowed by its SHA-256
    in this response's Content-Security-Policy rather than by ``'unsafe-inline'``.
    """
    for remote, local in _LOCAL_ASSETS.items():
        page = page.replace(remote, local)
    hashes = []
    for match in _INLINE_SCRIPT.finditer(page):
        body = match.group(1)
        if 'type="application/json"' in match.group(0) or not body.strip():
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return page, hashes


def _to_response(headers: dict[str, str], status: int, content: Any) -> Response:
    ctype = headers.get("Content-Type", "")
    response: Response
    if ctype.startswith("text/html"):
        page, hashes = offline_html(str(content))
        response = HTMLResponse(page, status_code=status)
        response.headers.update(headers)
        response.headers["Content-Security-Policy"] = content_security_policy(
            os.environ.get("SDGCITIES_TILE_URL", ""), script_hashes=hashes
        )
        return response
    elif isinstance(content, dict):
        response = JSONResponse(content, status_code=status)
    else:
        response = Response(content, status_code=status)
    response.headers.update(headers)
    return response


def build_ogc_app(store_key: str, *, root: str = MOUNT_PATH) -> Starlette:
    """A Starlette app serving OGC API – Features for the registered store."""
    import pygeoapi.api as core_api
    import pygeoapi.api.itemtypes as itemtypes_api
    from pygeoapi.api import APIRequest

    cache = _ApiCache(store_key)

    async def run(request: Request, function: Callable[..., Any], *args: Any) -> Response:
        api = cache.get(_base_url(request, root))
        api_request = await APIRequest.from_starlette(request, api.locales)
        if not api_request.is_valid():
            headers, status, content = api.get_format_exception(api_request)
        else:
            loop = asyncio.get_running_loop()

            def call() -> tuple[dict[str, str], int, Any]:
                asyncio.set_event_loop(loop)
                result: tuple[dict[str, str], int, Any] = function(api, api_request, *args)
                return result

            headers, status, content = await loop.run_in_executor(None, call)
        return _to_response(headers, status, content)

    async def landing(request: Request) -> Response:
        return await run(request, core_api.landing_page)

    async def openapi(request: Request) -> Response:
        return await run(request, core_api.openapi_)

    async def conformance(request: Request) -> Response:
        return await run(request, core_api.conformance)

    async def collections(request: Request) -> Response:
        return await run(request, core_api.describe_collections, request.path_params.get("cid"))

    async def queryables(request: Request) -> Response:
        cid = request.path_params["cid"]
        return await run(request, itemtypes_api.get_collection_queryables, cid)

    async def schema(request: Request) -> Response:
        return await run(request, core_api.get_collection_schema, request.path_params["cid"])

    async def items(request: Request) -> Response:
        cid = request.path_params["cid"]
        return await run(request, itemtypes_api.get_collection_items, cid)

    async def item(request: Request) -> Response:
        cid, iid = request.path_params["cid"], request.path_params["iid"]
        return await run(request, itemtypes_api.get_collection_item, cid, iid)

    static = resources.files("pygeoapi") / "static"
    routes = [
        Mount("/static", StaticFiles(directory=str(static)), name="ogc-static"),
        Route("/", landing),
        Route("/openapi", openapi),
        Route("/conformance", conformance),
        Route("/collections", collections),
        Route("/collections/{cid}", collections),
        Route("/collections/{cid}/queryables", queryables),
        Route("/collections/{cid}/schema", schema),
        Route("/collections/{cid}/items", items),
        Route("/collections/{cid}/items/{iid}", item),
    ]
    return Starlette(routes=routes)


def mount_ogc(app: FastAPI, settings: Settings | None = None) -> None:
    """Serve OGC API – Features at ``/ogc`` from the app's store.

    The store is ``app.state.engine`` when set (at request time), else the engine of
    ``settings``.
    """
    from sdgcities.store.db import get_engine

    chosen = settings

    def resolve() -> Engine:
        engine: Engine | None = getattr(app.state, "engine", None)
        return engine if engine is not None else get_engine(chosen or get_settings())

    store_key = f"store-{uuid.uuid4().hex}"
    register_store(store_key, resolve)
    app.mount(MOUNT_PATH, build_ogc_app(store_key), name="ogc")
    logger.debug("OGC API – Features mounted at %s (sdgcities %s)", MOUNT_PATH, __version__)
