"""Features: columns and shapely geometries, what the engine computes on.

A spatial command spends as long importing pandas and geopandas (about 0.4 s) as it spends
reading a city's streets, so the 11.2.1 path keeps its stops, buildings, population points
and hex cells as numpy columns beside a numpy array of shapely geometries (EPSG:4326),
and builds a GeoDataFrame only when somebody asks for one: :class:`LazyFrame` fields of
:class:`~sdgcities.spatial.osm.OsmData`, :class:`~sdgcities.spatial.population.Population`
and :class:`~sdgcities.spatial.result.IndicatorResult` hold either and hand out a
GeoDataFrame on first read. numpy and shapely only; geopandas is imported by
:meth:`Features.to_geodataframe` and :meth:`Features.from_geodataframe` alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

import numpy as np
import shapely

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["Features", "LazyFrame", "features_of", "is_missing"]

WGS84 = "EPSG:4326"


@dataclass
class Features:
    """``geometry`` (shapely, EPSG:4326) and equally long ``columns``, in order.

    >>> f = Features(shapely.points([1.0, 2.0], [3.0, 4.0]), {"n": np.array([5, 6])})
    >>> len(f), f["n"].tolist(), [round(v) for v in f.xy()[1]]
    (2, [5, 6], [3, 4])
    >>> f.take(np.array([False, True])).records()
    [{'n': 6}]
    """

    geometry: np.ndarray
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.geometry = np.asarray(self.geometry, dtype=object)
        for name, col in self.columns.items():
            if len(col) != len(self.geometry):
                raise ValueError(
                    f"column {name!r} has {len(col)} values for {len(self.geometry)} geometries"
                )

    def __len__(self) -> int:
        return len(self.geometry)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __iter__(self) -> Iterator[str]:
        return iter(self.columns)

    @property
    def empty(self) -> bool:
        return len(self.geometry) == 0

    def take(self, which: np.ndarray) -> Features:
        """The rows ``which`` selects (a boolean mask or indices)."""
        return Features(
            self.geometry[which],
            {k: v[which] for k, v in self.columns.items()},
            dict(self.attrs),
        )

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes and latitudes: of the points, or of each shape's representative point
        (inside it: ``shapely.point_on_surface``)."""
        g = self.geometry
        if len(g) and not bool(np.all(shapely.get_type_id(g) == 0)):
            g = shapely.point_on_surface(g)
        return shapely.get_x(g), shapely.get_y(g)

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts of plain Python values (no geometry)."""
        cols = {k: v.tolist() for k, v in self.columns.items()}
        return [{k: cols[k][i] for k in cols} for i in range(len(self))]

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The same rows as a GeoDataFrame (EPSG:4326), ``attrs`` carried over."""
        import geopandas as gpd

        gdf = gpd.GeoDataFrame(dict(self.columns), geometry=self.geometry, crs=WGS84)
        gdf.attrs.update(self.attrs)
        return gdf

    @classmethod
    def from_geodataframe(cls, gdf: gpd.GeoDataFrame) -> Features:
        """The rows of ``gdf`` in EPSG:4326 (it is reprojected when it has another CRS).

        A layer without CRS is refused (as ``to_crs`` refuses it) unless it is empty.
        """
        if gdf.crs is None and len(gdf):
            raise ValueError("the layer has no CRS; declare it (e.g. EPSG:4326)")
        if gdf.crs is not None and gdf.crs != WGS84:
            gdf = gdf.to_crs(WGS84)
        name = gdf.geometry.name
        return cls(
            np.asarray(gdf.geometry.values, dtype=object),
            {str(c): gdf[c].to_numpy() for c in gdf.columns if c != name},
            dict(gdf.attrs),
        )

    @classmethod
    def concat(cls, parts: Iterable[Features]) -> Features:
        """Rows of every part, in order; a column some parts lack is missing there (NaN
        for numbers, which makes the column float as ``pandas.concat`` does; ``None``
        otherwise, where pandas writes NaN)."""
        parts = list(parts)
        if len(parts) == 1:
            return parts[0]
        names: list[str] = []
        for p in parts:
            names += [n for n in p.columns if n not in names]
        columns: dict[str, np.ndarray] = {}
        for n in names:
            have = [p.columns[n] for p in parts if n in p.columns]
            if len(have) == len(parts):  # in every part: numpy's own promotion (int stays)
                columns[n] = np.concatenate(have)
                continue
            numeric = all(np.issubdtype(a.dtype, np.number) for a in have)
            filler: Any = np.nan if numeric else None
            arrays = [
                p.columns[n] if n in p.columns else np.full(len(p), filler, dtype=object)
                for p in parts
            ]
            if numeric:
                arrays = [np.asarray(a, dtype=float) for a in arrays]
                columns[n] = np.concatenate(arrays)
            else:
                columns[n] = np.concatenate([np.asarray(a, dtype=object) for a in arrays])
        return cls(np.concatenate([p.geometry for p in parts]), columns)


def is_missing(values: np.ndarray) -> np.ndarray:
    """Per value: ``None`` or NaN (what ``pandas.isna`` calls missing)."""
    if values.dtype != object:
        return (
            ~np.isfinite(values)
            if np.issubdtype(values.dtype, np.floating)
            else (np.zeros(len(values), dtype=bool))
        )
    return np.fromiter(
        (v is None or (isinstance(v, float) and v != v) for v in values),
        dtype=bool,
        count=len(values),
    )


T = TypeVar("T")


class LazyFrame(Generic[T]):
    """A dataclass field that holds :class:`Features` or a GeoDataFrame and reads as a
    GeoDataFrame, built on first read and kept (Python's "descriptor-typed fields").

    :func:`features_of` reads the same field as :class:`Features` without building one.
    The field's default is ``None``.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = "_lazy_" + name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> None: ...

    @overload
    def __get__(self, obj: object, objtype: type | None = None) -> T: ...

    def __get__(self, obj: object | None, objtype: type | None = None) -> Any:
        if obj is None:
            return None  # the dataclass default
        value = obj.__dict__.get(self._name)
        if isinstance(value, Features):
            gdf = value.to_geodataframe()
            obj.__dict__[self._name] = gdf
            obj.__dict__[self._name + "_features"] = value
            return gdf
        return value

    def __set__(self, obj: object, value: Any) -> None:
        obj.__dict__[self._name] = value
        obj.__dict__.pop(self._name + "_features", None)


def features_of(obj: object, name: str) -> Features | None:
    """Field ``name`` of ``obj`` (a :class:`LazyFrame`) as :class:`Features`, converting a
    GeoDataFrame (reprojected to EPSG:4326) once and keeping the result."""
    key = "_lazy_" + name
    value = obj.__dict__.get(key)
    if value is None or isinstance(value, Features):
        return value
    cached = obj.__dict__.get(key + "_features")
    if cached is None:
        cached = Features.from_geodataframe(value)
        obj.__dict__[key + "_features"] = cached
    return cached
