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

Most cities have nothing in most domains, so a panel may say cheaply whether it could
show anything: ``present`` returns an SQL condition (or a plain ``bool``) that is false
only when the panel would render nothing, e.g. "the city has a plan row at all"::

    HAS_PLAN = exists_for(Plan.city_id)  # built once: about the city CITY_ID names

    @city_panel("planning", order=20, present=lambda env, city: HAS_PLAN)

Conditions are built once, at import, about the parameters :data:`CITY_ID`,
:data:`CITY_SLUG` and :data:`CITY_COUNTRY`, so that a page pays for no statement
building. The conditions of every panel are read in **one** query per page; a panel
whose condition is false is not rendered (its own queries never run), one whose
condition is true renders as before and still applies the reader's rights. The
condition must be conservative: it may be true for a panel that then shows nothing,
never false for one that would show something (``tests/web/test_access_matrix.py``
renders every page of its world both ways, for every role).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import ColumnElement, Integer, Select, String, bindparam, exists, select

from sdgcities.store.models import City
from sdgcities.web.pages._common import PageEnv

log = logging.getLogger(__name__)

PanelFn = Callable[[PageEnv, City], Markup | None]
#: whether a panel could show anything for the city: an SQL condition, or known in Python
PresenceFn = Callable[[PageEnv, City], "ColumnElement[bool] | bool"]


@dataclass(frozen=True)
class CityPanel:
    key: str
    order: int
    render: PanelFn
    present: PresenceFn | None = None


_PANELS: dict[str, CityPanel] = {}


def city_panel(
    key: str, *, order: int = 50, present: PresenceFn | None = None
) -> Callable[[PanelFn], PanelFn]:
    """Register ``fn`` as the city page's panel ``key`` (lower ``order`` comes first).

    ``present``: a conservative test that the panel could show anything (module docstring).
    """

    def register(fn: PanelFn) -> PanelFn:
        _PANELS[key] = CityPanel(key, order, fn, present)
        return fn

    return register


#: the city a presence condition is about (bound when a page asks)
CITY_ID = bindparam("panel_city_id", type_=Integer)
CITY_SLUG = bindparam("panel_city_slug", type_=String)
CITY_COUNTRY = bindparam("panel_city_country", type_=String)


def exists_for(city_column: Any, *where: Any) -> ColumnElement[bool]:
    """``EXISTS`` a row of ``city_column``'s table for the city :data:`CITY_ID` names."""
    return exists().where(city_column == CITY_ID, *where)


#: one statement per combination of conditions asked (they are module constants)
_STATEMENTS: dict[tuple[int, ...], Select[Any]] = {}


def _presence(env: PageEnv, city: City, panels: list[CityPanel]) -> dict[str, bool]:
    """Panel key → whether it could show anything; every SQL condition in one query."""
    known: dict[str, bool] = {}
    asked: dict[str, ColumnElement[bool]] = {}
    for panel in panels:
        if panel.present is None:
            continue
        answer = panel.present(env, city)
        if isinstance(answer, bool):
            known[panel.key] = answer
        else:
            asked[panel.key] = answer
    if asked:
        shape = tuple(id(c) for c in asked.values())
        stmt: Any = _STATEMENTS.get(shape)
        if stmt is None:
            if len(_STATEMENTS) > 64:  # conditions built per call: no unbounded growth
                _STATEMENTS.clear()
            stmt = select(*(c.label(f"p{i}") for i, c in enumerate(asked.values())))
            _STATEMENTS[shape] = stmt
        params = {
            "panel_city_id": city.id,
            "panel_city_slug": city.slug,
            "panel_city_country": city.country_iso3 or "",
        }
        row = env.session.execute(stmt, params).one()
        known.update(zip(asked, (bool(v) for v in row), strict=True))
    return known


def render_panels(env: PageEnv, city: City) -> list[Markup]:
    """Every registered panel for ``city``, in order; a panel that has nothing is left out.

    Panels whose ``present`` condition is false are skipped unrendered (one query for all).
    """
    panels = sorted(_PANELS.values(), key=lambda p: (p.order, p.key))
    present = _presence(env, city, panels)
    out: list[Markup] = []
    for panel in panels:
        if not present.get(panel.key, True):
            continue
        html = panel.render(env, city)
        if html:
            out.append(html)
    return out


def has_panels() -> bool:
    """Whether any domain adds a panel (the anonymous whole-page cache is off then)."""
    return bool(_PANELS)
