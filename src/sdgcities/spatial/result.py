"""The result every spatial indicator returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd


@dataclass
class IndicatorResult:
    """One computed indicator value with what is needed to store and explain it.

    ``value`` is in ``unit`` (percent for shares). ``value`` may be ``None`` when the
    indicator is undefined (e.g. LCRPGR with PGR = 0); ``undefined_reason`` says why.
    ``parameters`` holds every method parameter explicitly (stored with the value);
    ``population_is_estimate`` is True when population was estimated from buildings.
    ``hexes`` is the H3 layer (EPSG:4326, one row per cell, column ``h3``) when the
    indicator yields one.
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
    hexes: gpd.GeoDataFrame | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready dict (without the hex layer)."""
        d = (
            asdict(self)
            if self.hexes is None
            else {k: v for k, v in asdict(_without_hexes(self)).items()}
        )
        d.pop("hexes", None)
        return d


def _without_hexes(r: IndicatorResult) -> IndicatorResult:
    return IndicatorResult(**{**r.__dict__, "hexes": None})
