"""Panels other domains add to the city page (the plan's progress, revenue, projects …).

A domain's page module registers a function that renders its panel for one city, or
returns ``None`` when it has nothing to show::

    @city_panel("planning", order=20)
    def plan_panel(env: PageEnv, city: City) -> Markup | None:
        return render_fragment("planning/city_panel.html", {...})

Panels are rendered on every request, after the cached data part of the page, so that a
domain's records never wait for the observations' data version and a reader's rights
(drafts, consent) apply to each panel as it is drawn. Each panel is one ``<section
class="card">`` with its own heading.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from sdgcities.store.models import City
from sdgcities.web.pages._common import PageEnv

log = logging.getLogger(__name__)

PanelFn = Callable[[PageEnv, City], Markup | None]


@dataclass(frozen=True)
class CityPanel:
    key: str
    order: int
    render: PanelFn


_PANELS: dict[str, CityPanel] = {}


def city_panel(key: str, *, order: int = 50) -> Callable[[PanelFn], PanelFn]:
    """Register ``fn`` as the city page's panel ``key`` (lower ``order`` comes first)."""

    def register(fn: PanelFn) -> PanelFn:
        _PANELS[key] = CityPanel(key, order, fn)
        return fn

    return register


def render_panels(env: PageEnv, city: City) -> list[Markup]:
    """Every registered panel for ``city``, in order; a panel that has nothing is left out."""
    out: list[Markup] = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        html = panel.render(env, city)
        if html:
            out.append(html)
    return out


def has_panels() -> bool:
    """Whether any domain adds a panel (the anonymous whole-page cache is off then)."""
    return bool(_PANELS)
