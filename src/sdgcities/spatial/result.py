"""The result every spatial indicator returns."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from sdgcities.spatial._features import LazyFrame

if TYPE_CHECKING:
    import geopandas as gpd


@dataclass
class IndicatorResult:
    """One computed indicator value with what is needed to store and explain it.

    ``value`` is in ``unit`` (percent for shares). ``value`` may be ``None`` when the
    indicator is undefined (e.g. LCRPGR with PGR = 0); ``undefined_reason`` says why.
    ``parameters`` holds every method parameter explicitly (stored with the value);
    ``population_is_estimate`` is True when population was estimated from buildings.
    ``hexes`` is the H3 layer (EPSG:4326, one row per cell, column ``h3``) when the
    indicator yields one: a GeoDataFrame, built on first read when the method left
    :class:`~sdgcities.spatial._features.Features` (``features_of(result, "hexes")``
    reads them without geopandas).
    """

    indicator: str
    value: float | None
    unit: str
    method_version: str
    parameters: dict[str, Any] = field(default_factory=dict)
    population_total: float | None = None
    population_covered: float | None = None
    population_is_estimate: bool = False
    undefined_reason: str | None = None
    disaggregation: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    hexes: gpd.GeoDataFrame | None = LazyFrame()

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready dict (without the hex layer), deep-copied as ``asdict`` would."""
        return {
            f.name: copy.deepcopy(getattr(self, f.name)) for f in fields(self) if f.name != "hexes"
        }
