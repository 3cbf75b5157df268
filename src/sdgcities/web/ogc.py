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
import logging
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from sdgcities import __version__
from sdgcities.config import Settings, get_settings
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
                    "name": PROVIDER,
                    "data": store_key,
                    "id_field": "id" if name == "hexes" else "slug",
                    "title_field": "h3" if name == "hexes" else "name",
                    "options": {"kind": name},
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
                "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
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


def _to_response(headers: dict[str, str], status: int, content: Any) -> Response:
    ctype = headers.get("Content-Type", "")
    response: Response
    if ctype.startswith("text/html"):
        response = HTMLResponse(content, status_code=status)
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

    routes = [
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
