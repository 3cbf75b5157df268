"""A pygeoapi feature provider backed by the sdgcities store.

One class serves three collections, chosen by ``options.kind`` in the provider
definition: ``cities`` (points), ``boundaries`` (the cities' polygons) and ``hexes``
(the H3 cells of every hex layer, as polygons). The provider's ``data`` is the key of
an engine resolver registered with :func:`register_store` — no database URL (and no
password) is put in pygeoapi's configuration.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import h3
from pygeoapi.provider.base import (
    BaseProvider,
    ProviderInvalidQueryError,
    ProviderItemNotFoundError,
)
from sqlalchemy import Engine, Select, select
from sqlalchemy.orm import Session

from sdgcities.cities.service import MAX_ID
from sdgcities.observations.visibility import visible_layers
from sdgcities.store.models import City, HexCell, HexLayer
from sdgcities.web._geojson import city_boundary, city_point, city_properties, hex_feature

logger = logging.getLogger(__name__)

#: store key -> a callable giving the engine (set by sdgcities.web.ogc.mount_ogc)
_STORES: dict[str, Callable[[], Engine]] = {}

KINDS = ("cities", "boundaries", "hexes")

_CITY_FIELDS: dict[str, dict[str, str]] = {
    "slug": {"type": "string"},
    "name": {"type": "string"},
    "country_iso3": {"type": "string"},
    "country_name": {"type": "string"},
    "sdg_region": {"type": "string"},
    "population": {"type": "number"},
    "population_year": {"type": "integer"},
}
_HEX_FIELDS: dict[str, dict[str, str]] = {
    "h3": {"type": "string"},
    "layer_id": {"type": "integer"},
    "city_id": {"type": "integer"},
    "city": {"type": "string"},
    "indicator": {"type": "string"},
    "population": {"type": "number"},
    "population_covered": {"type": "number"},
    "share": {"type": "number"},
    "distance_m": {"type": "number"},
}


def register_store(key: str, resolver: Callable[[], Engine]) -> None:
    """Make ``key`` (a provider's ``data``) resolve to an engine."""
    _STORES[key] = resolver


def _engine(key: str) -> Engine:
    try:
        return _STORES[key]()
    except KeyError:
        raise RuntimeError(f"no sdgcities store registered as {key!r}") from None


def _in_bbox(box: tuple[float, float, float, float], bbox: list[float]) -> bool:
    minx, miny, maxx, maxy = bbox[0], bbox[1], bbox[-2], bbox[-1]
    return not (box[2] < minx or box[0] > maxx or box[3] < miny or box[1] > maxy)


def _coords(geom: Any) -> Iterator[tuple[float, float]]:
    if isinstance(geom, dict):
        if geom.get("type") == "GeometryCollection":
            for g in geom.get("geometries") or []:
                yield from _coords(g)
            return
        geom = geom.get("coordinates")
    if isinstance(geom, list | tuple):
        if len(geom) >= 2 and all(isinstance(v, int | float) for v in geom[:2]):
            yield float(geom[0]), float(geom[1])
        else:
            for part in geom:
                yield from _coords(part)


def _geom_bbox(geom: dict[str, Any]) -> tuple[float, float, float, float] | None:
    pts = list(_coords(geom))
    if not pts:
        return None
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


class SdgCitiesProvider(BaseProvider):  # type: ignore[misc]
    """Cities, boundaries and hex cells from the sdgcities store, for pygeoapi."""

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        options = provider_def.get("options") or {}
        self.kind = str(options.get("kind", "cities"))
        if self.kind not in KINDS:
            raise RuntimeError(f"unknown sdgcities collection kind {self.kind!r}")
        self.id_field = "slug" if self.kind != "hexes" else "id"
        self.title_field = "name" if self.kind != "hexes" else "h3"
        self._fields = self.get_fields()

    # ------------------------------------------------------------------ metadata

    def get_fields(self) -> dict[str, dict[str, str]]:
        return dict(_HEX_FIELDS if self.kind == "hexes" else _CITY_FIELDS)

    # ------------------------------------------------------------------ reading

    def _city_features(self, session: Session, cities: Iterable[City]) -> Iterator[dict[str, Any]]:
        for city in cities:
            geom = city_point(city) if self.kind == "cities" else city_boundary(city)
            if geom is None:
                continue
            yield {
                "type": "Feature",
                "id": city.slug,
                "geometry": geom,
                "properties": city_properties(city),
            }

    def _city_stmt(self, properties: list[tuple[str, Any]]) -> Select[City]:
        stmt = select(City).order_by(City.id)
        if self.kind == "cities":
            stmt = stmt.where(City.lon.is_not(None), City.lat.is_not(None))
        else:
            stmt = stmt.where(City.boundary_geojson.is_not(None))
        for name, value in properties:
            column = getattr(City, name, None)
            if name not in _CITY_FIELDS or column is None:
                raise ProviderInvalidQueryError(f"cannot filter on {name!r}")
            if _CITY_FIELDS[name]["type"] != "string":
                try:
                    value = float(value)
                except ValueError:
                    raise ProviderInvalidQueryError(f"{name} must be a number") from None
            stmt = stmt.where(column == value)
        return stmt

    def _hex_rows(
        self, session: Session, properties: list[tuple[str, Any]]
    ) -> Iterator[tuple[HexCell, HexLayer, str]]:
        stmt = (
            select(HexCell, HexLayer, City.slug)
            .join(HexLayer, HexLayer.id == HexCell.layer_id)
            .join(City, City.id == HexLayer.city_id)
            .where(visible_layers(()))  # the OGC API is public: layers of public values only
            .order_by(HexCell.id)
        )
        for name, value in properties:
            if name == "city":
                stmt = stmt.where(City.slug == str(value))
            elif name == "indicator":
                stmt = stmt.where(HexLayer.indicator_code == str(value))
            elif name == "h3":
                stmt = stmt.where(HexCell.h3 == str(value))
            elif name in ("layer_id", "city_id"):
                try:
                    number = int(value)
                except ValueError:
                    raise ProviderInvalidQueryError(f"{name} must be an integer") from None
                if not 1 <= number <= MAX_ID:
                    raise ProviderInvalidQueryError(f"{name} must be between 1 and {MAX_ID}")
                column = HexCell.layer_id if name == "layer_id" else HexLayer.city_id
                stmt = stmt.where(column == number)
            else:
                raise ProviderInvalidQueryError(
                    f"cannot filter on {name!r}; use city, indicator, layer_id, city_id or h3"
                )
        for row in session.execute(stmt):
            yield row[0], row[1], row[2]

    def _all_features(
        self, session: Session, bbox: list[float], properties: list[tuple[str, Any]]
    ) -> Iterator[dict[str, Any]]:
        if self.kind == "hexes":
            for cell, layer, slug in self._hex_rows(session, properties):
                if bbox:
                    lat, lng = h3.cell_to_latlng(cell.h3)
                    if not _in_bbox((lng, lat, lng, lat), bbox):
                        continue
                feature = hex_feature(cell, layer)
                feature["properties"]["city"] = slug
                yield feature
            return
        for feature in self._city_features(session, session.scalars(self._city_stmt(properties))):
            if bbox:
                box = _geom_bbox(feature["geometry"])
                if box is None or not _in_bbox(box, bbox):
                    continue
            yield feature

    @staticmethod
    def _shape(
        feature: dict[str, Any], select_properties: list[str], skip_geometry: bool
    ) -> dict[str, Any]:
        if select_properties:
            feature["properties"] = {
                k: v for k, v in feature["properties"].items() if k in select_properties
            }
        if skip_geometry:
            feature["geometry"] = None
        return feature

    def query(
        self,
        offset: int = 0,
        limit: int = 10,
        resulttype: str = "results",
        bbox: list[float] | None = None,
        datetime_: str | None = None,
        properties: list[tuple[str, Any]] | None = None,
        sortby: list[dict[str, Any]] | None = None,
        select_properties: list[str] | None = None,
        skip_geometry: bool = False,
        q: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Features matching ``bbox`` (WGS 84) and property equality filters, paged."""
        bbox = list(bbox or [])
        with Session(_engine(self.data)) as session:
            matched = list(self._all_features(session, bbox, list(properties or [])))
        if q:
            needle = q.lower()
            matched = [
                f
                for f in matched
                if any(needle in str(v).lower() for v in f["properties"].values())
            ]
        for sort in sortby or []:
            prop, reverse = sort.get("property"), sort.get("order") == "-"
            matched.sort(
                key=lambda f: (
                    (f["properties"].get(prop) is None, f["properties"].get(prop) or 0)
                    if isinstance(f["properties"].get(prop), int | float)
                    else (f["properties"].get(prop) is None, str(f["properties"].get(prop) or ""))
                ),
                reverse=reverse,
            )
        page = [] if resulttype == "hits" else matched[offset : offset + limit]
        return {
            "type": "FeatureCollection",
            "features": [
                self._shape(f, list(select_properties or []), skip_geometry) for f in page
            ],
            "numberMatched": len(matched),
            "numberReturned": len(page),
        }

    def get(self, identifier: Any, **kwargs: Any) -> dict[str, Any]:
        """One feature by id: a city's slug, or a hex cell's id."""
        key = str(identifier)
        with Session(_engine(self.data)) as session:
            if self.kind == "hexes":
                if not (key.isascii() and key.isdigit()) or int(key) > MAX_ID:
                    raise ProviderItemNotFoundError(f"no hex cell {key!r}")
                row = session.execute(
                    select(HexCell, HexLayer, City.slug)
                    .join(HexLayer, HexLayer.id == HexCell.layer_id)
                    .join(City, City.id == HexLayer.city_id)
                    .where(HexCell.id == int(key))
                ).first()
                if row is None:
                    raise ProviderItemNotFoundError(f"no hex cell {key!r}")
                feature = hex_feature(row[0], row[1])
                feature["properties"]["city"] = row[2]
                return feature
            city = session.scalars(select(City).where(City.slug == key)).first()
            found = list(self._city_features(session, [city] if city else []))
        if not found:
            raise ProviderItemNotFoundError(f"no feature {key!r} in {self.kind}")
        return found[0]

    def __repr__(self) -> str:
        return f"<SdgCitiesProvider {self.kind}>"
