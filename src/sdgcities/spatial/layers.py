"""Stored hex layers: reading them back as GeoDataFrames / GeoJSON."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import h3
import pandas as pd
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.errors import NotFoundError
from sdgcities.spatial._outputs import LAYER_FORMATS, check_output_path
from sdgcities.store.models import City, HexCell, HexLayer

__all__ = [
    "LAYER_FORMATS",
    "check_output_path",
    "city_layers",
    "hex_layer_geojson",
    "hex_polygon",
    "load_hex_layer",
]


def hex_polygon(cell: str) -> shapely.Polygon:
    """The cell's boundary as a lon/lat polygon."""
    return shapely.Polygon([(lon, lat) for lat, lon in h3.cell_to_boundary(cell)])


def city_layers(session: Session, city_id: int) -> list[HexLayer]:
    return list(
        session.scalars(
            select(HexLayer).where(HexLayer.city_id == city_id).order_by(HexLayer.indicator_code)
        )
    )


def _layer(session: Session, city: str | int, indicator: str) -> HexLayer:
    from sdgcities.cities.service import get_city

    c: City = get_city(session, city)
    layer = session.scalar(
        select(HexLayer)
        .where(HexLayer.city_id == c.id, HexLayer.indicator_code == indicator)
        .order_by(HexLayer.id.desc())
    )
    if layer is None:
        known = [lay.indicator_code for lay in city_layers(session, c.id)]
        raise NotFoundError(
            f"{c.name} has no hex layer for {indicator!r}"
            + (f"; it has: {', '.join(known)}" if known else "; run `sdgcities spatial run`")
        )
    return layer


def load_hex_layer(session: Session, city: str | int, indicator: str) -> gpd.GeoDataFrame:
    """A city's stored hex layer for ``indicator`` (EPSG:4326, one row per H3 cell)."""
    layer = _layer(session, city, indicator)
    rows = session.execute(
        select(
            HexCell.h3, HexCell.population, HexCell.population_covered, HexCell.share,
            HexCell.distance_m,
        ).where(HexCell.layer_id == layer.id)
    ).all()  # fmt: skip
    df = pd.DataFrame(
        rows, columns=["h3", "population", "population_covered", "share", "distance_m"]
    )
    geoms = [hex_polygon(c) for c in df["h3"]]
    gdf = gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:4326")
    gdf.attrs["attribution"] = layer.attribution
    gdf.attrs["population_is_estimate"] = layer.population_is_estimate
    return gdf


def hex_layer_geojson(session: Session, city: str | int, indicator: str) -> dict[str, Any]:
    """The layer as a GeoJSON FeatureCollection (with attribution and estimate flag)."""
    layer = _layer(session, city, indicator)
    rows = session.execute(
        select(
            HexCell.h3, HexCell.population, HexCell.population_covered, HexCell.share,
            HexCell.distance_m,
        ).where(HexCell.layer_id == layer.id)
    ).all()  # fmt: skip
    features = [
        {
            "type": "Feature",
            "id": cell,
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[round(lon, 6), round(lat, 6)] for lat, lon in h3.cell_to_boundary(cell)]
                    + [[round(h3.cell_to_boundary(cell)[0][1], 6),
                        round(h3.cell_to_boundary(cell)[0][0], 6)]]
                ],
            },
            "properties": {
                "h3": cell, "population": pop, "population_covered": cov, "share": share,
                "distance_m": dist,
            },
        }
        for cell, pop, cov, share, dist in rows
    ]  # fmt: skip
    return {
        "type": "FeatureCollection",
        "name": layer.name,
        "indicator": layer.indicator_code,
        "resolution": layer.resolution,
        "population_is_estimate": layer.population_is_estimate,
        "attribution": layer.attribution,
        "features": features,
    }
