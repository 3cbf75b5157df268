"""The registry of spatial indicators — the extension point built-ins use too.

A spatial indicator is a :class:`SpatialIndicator`: its SDG code, the kit inputs it
needs, its method version and a ``compute(kit, params)`` function returning a list of
:class:`~sdgcities.spatial.result.IndicatorResult` (11.7.1 yields two: a and b).
Third-party packages register theirs through the ``sdgcities.spatial_indicators``
entry-point group (a callable that receives :func:`register`); the built-ins register
through the same function.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from sdgcities.errors import NotFoundError
from sdgcities.spatial.kit import CityKit
from sdgcities.spatial.result import IndicatorResult

logger = logging.getLogger(__name__)

ComputeFn = Callable[[CityKit, dict[str, Any]], list[IndicatorResult]]


@dataclass(frozen=True)
class SpatialIndicator:
    name: str  # CLI name, e.g. "transit-access"
    code: str  # SDG code, e.g. "11.2.1"
    title: str
    requires: tuple[str, ...]  # kit inputs that must be present
    uses: tuple[str, ...]  # kit inputs whose change invalidates a cached value
    method_version: str
    compute: ComputeFn
    defaults: dict[str, Any] = field(default_factory=dict)
    #: how results are stored: as observations of their ``indicator`` code, or as a
    #: city typology (``typology:<kind>``, e.g. the Degree-of-Urbanisation class)
    store_as: str = "observation"
    #: why the kit's inputs, though present, cannot serve this indicator (e.g. a CSV
    #: population for the Degree of Urbanisation), or ``None``; such indicators are
    #: skipped with that reason instead of failing
    unsuitable: Callable[[CityKit], str | None] | None = None

    def available(self, kit: CityKit) -> bool:
        return all(kit.has(name) for name in self.requires)

    def skip_reason(self, kit: CityKit) -> str | None:
        """Why this indicator cannot run on ``kit`` (missing or unsuitable inputs), or None."""
        missing = [n for n in self.requires if not kit.has(n)]
        if missing:
            return f"needs {', '.join(missing)}"
        return self.unsuitable(kit) if self.unsuitable is not None else None


_REGISTRY: dict[str, SpatialIndicator] = {}
_LOADED = False


def register(indicator: SpatialIndicator) -> None:
    """Add (or replace) a spatial indicator."""
    _REGISTRY[indicator.name] = indicator


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    from sdgcities.spatial import builtin

    builtin.register_all(register)
    from sdgcities.profiling import indicators as profiling_indicators

    profiling_indicators.register_all(register)
    for ep in entry_points(group="sdgcities.spatial_indicators"):
        try:
            ep.load()(register)
        except Exception:  # a broken plugin must not break the built-ins
            logger.exception("spatial indicator plugin %s failed to load", ep.name)


def spatial_indicators() -> list[SpatialIndicator]:
    _load()
    return list(_REGISTRY.values())


def get_spatial_indicator(name_or_code: str) -> SpatialIndicator:
    _load()
    for ind in _REGISTRY.values():
        if name_or_code in (ind.name, ind.code):
            return ind
    raise NotFoundError(
        f"no spatial indicator {name_or_code!r}; known: {', '.join(sorted(_REGISTRY))}"
    )
