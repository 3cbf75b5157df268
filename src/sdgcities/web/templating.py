"""The Jinja2 environment of the pages: translations, filters and the ``render`` helper."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from sdgcities import __version__
from sdgcities.web import i18n

#: traffic-light colours of the scoring engine → (css class, label, symbol)
COLOUR_LABELS: dict[str, tuple[str, str]] = {
    "green": ("SDG achieved", "●"),
    "yellow": ("Challenges remain", "◐"),
    "orange": ("Significant challenges", "◑"),
    "red": ("Major challenges", "○"),
    "grey": ("No rating", "–"),
}

#: progress categories → (arrow, label)
TRENDS: dict[str, tuple[str, str]] = {
    "target achieved": ("★", "Target achieved"),
    "on track": ("↑", "On track"),
    "acceleration needed": ("↗", "Acceleration needed"),
    "limited progress": ("→", "Limited progress"),
    "worsening": ("↓", "Worsening"),
    "decreasing": ("↓", "Worsening"),
    "deterioration": ("↓", "Worsening"),
    "deteriorating": ("↓", "Worsening"),
    "improving": ("↑", "Improving"),
    "stable": ("→", "Stable"),
    # SDSN Sustainable Development Report trend method (progress method sdr-trend)
    "on track or maintaining achievement": ("↑", "On track or maintaining achievement"),
    "moderately improving": ("↗", "Moderately improving"),
    "stagnating": ("→", "Stagnating"),
}


@lru_cache(maxsize=16)
def _symbols(lang: str) -> tuple[str, str]:
    """(decimal, group) symbols of a locale, from Babel's CLDR data."""
    loc = Locale.parse(lang)
    return get_decimal_symbol(loc), get_group_symbol(loc)


def fmt_number(value: Any, digits: int = 1) -> str:
    """A number in the current locale, at most ``digits`` decimals (``—`` when missing)."""
    if value is None:
        return "—"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x) or math.isinf(x):
        return "—"
    if abs(x) >= 1000:
        digits = 0
    text = f"{x:,.{digits}f}"
    if digits:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    decimal, group = _symbols(i18n.get_locale())
    if decimal == "." and group == ",":
        return text
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", group)


def fmt_int(value: Any) -> str:
    return fmt_number(value, 0)


def colour_label(colour: str | None) -> str:
    label, _sym = COLOUR_LABELS.get(colour or "grey", COLOUR_LABELS["grey"])
    return i18n.gettext(label)


def colour_symbol(colour: str | None) -> str:
    return COLOUR_LABELS.get(colour or "grey", COLOUR_LABELS["grey"])[1]


@lru_cache(maxsize=256)
def _light_html(colour: str, lang: str) -> Markup:
    symbol = colour_symbol(colour)
    return Markup(
        f'<span class="light light-{escape(colour)}"><span aria-hidden="true">{symbol}</span> '
        f"{escape(colour_label(colour))}</span>"
    )


def light(colour: str | None) -> Markup:
    """A traffic light with its text label (never colour alone)."""
    c = colour if colour in COLOUR_LABELS else "grey"
    return _light_html(c, i18n.get_locale())


@lru_cache(maxsize=256)
def _trend_html(category: str, lang: str) -> Markup:
    arrow, label = trend_arrow(category), trend_label(category)
    if not arrow:
        return Markup('<span class="muted">—</span>') if not category else Markup(escape(category))
    return Markup(
        f'<span class="trend"><span class="trend-arrow" aria-hidden="true">{arrow}</span> '
        f"{escape(label)}</span>"
    )


def trend(category: str | None) -> Markup:
    """A trend arrow with its text label."""
    return _trend_html(category or "", i18n.get_locale())


def trend_arrow(category: str | None) -> str:
    return TRENDS.get((category or "").lower(), ("", ""))[0]


def trend_label(category: str | None) -> str:
    label = TRENDS.get((category or "").lower(), ("", ""))[1]
    return i18n.gettext(label) if label else ""


# the labels above are translated through variables; keep them in the catalogue
_LABELS_FOR_EXTRACTION = (
    i18n._("SDG achieved"),
    i18n._("Challenges remain"),
    i18n._("Significant challenges"),
    i18n._("Major challenges"),
    i18n._("No rating"),
    i18n._("Target achieved"),
    i18n._("On track"),
    i18n._("Acceleration needed"),
    i18n._("Limited progress"),
    i18n._("Worsening"),
    i18n._("Improving"),
    i18n._("Stable"),
)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("sdgcities.web", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=os.environ.get("SDGCITIES_TEMPLATE_RELOAD") == "1",
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    env.filters.update(
        num=fmt_number,
        int=fmt_int,
        colour_label=colour_label,
        colour_symbol=colour_symbol,
        trend_arrow=trend_arrow,
        trend_label=trend_label,
        light=light,
        trend=trend,
    )
    env.globals.update(
        version=__version__,
        languages=i18n.LANGUAGES,
        tile_url=os.environ.get("SDGCITIES_TILE_URL", ""),
    )
    return env


def render_fragment(name: str, context: Mapping[str, Any]) -> Markup:
    """Render a partial template to HTML in the current language (for caching)."""
    return Markup(environment().get_template(name).render(dict(context)))


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render template ``name`` for ``request`` in the request's language."""
    state = request.state
    lang = getattr(state, "lang", i18n.DEFAULT_LOCALE)
    i18n.set_locale(lang)
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "user": getattr(state, "page_user", None),
        "csrf_token": getattr(state, "csrf_token", ""),
        "current_path": request.url.path,
        "current_query": str(request.url.query),
    }
    if context:
        ctx.update(context)
    html = environment().get_template(name).render(ctx)
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
