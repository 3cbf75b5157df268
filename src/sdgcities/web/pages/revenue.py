"""A city's own-source revenue diagnostic: gap matrix, pie charts (SVG), priorities."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from sdgcities.accounts.permissions import can_see_drafts
from sdgcities.cities.service import get_city
from sdgcities.revenue.rosra import GAPS, PARTS, StreamSplit
from sdgcities.revenue.service import list_diagnostics
from sdgcities.web.pages._common import PageEnv, page_env
from sdgcities.web.pages.revenue_entry import upload_context
from sdgcities.web.templating import render

router = APIRouter()

#: one colour per part, colour-blind safe (Okabe–Ito)
COLOURS = {
    "actual": "#009E73",
    "compliance_gap": "#E69F00",
    "coverage_gap": "#56B4E9",
    "valuation_gap": "#CC79A7",
    "mixed_gap_unregistered": "#0072B2",
    "mixed_gap_registered": "#D55E00",
}


def _slices(s: StreamSplit, radius: float = 60.0) -> list[dict[str, Any]]:
    """SVG path of each positive part of the potential as a pie slice (centre 0, 0)."""
    parts = [(p, float(getattr(s, p))) for p in PARTS]
    total = math.fsum(v for _, v in parts if v > 0)
    out: list[dict[str, Any]] = []
    if total <= 0:
        return out
    angle = -math.pi / 2
    for name, value in parts:
        if value <= 0:
            continue
        share = value / total
        end = angle + share * 2 * math.pi
        x0, y0 = radius * math.cos(angle), radius * math.sin(angle)
        x1, y1 = radius * math.cos(end), radius * math.sin(end)
        if share >= 0.9999:
            arc = f"A {radius} {radius} 0 1 1"
            path = f"M {-radius} 0 {arc} {radius} 0 {arc} {-radius} 0 Z"
        else:
            large = 1 if share > 0.5 else 0
            path = f"M 0 0 L {x0:.2f} {y0:.2f} A {radius} {radius} 0 {large} 1 {x1:.2f} {y1:.2f} Z"
        out.append({"part": name, "share": share, "path": path, "colour": COLOURS[name]})
        angle = end
    return out


@router.get("/cities/{slug}/revenue", response_class=HTMLResponse)
def revenue_page(
    slug: str,
    env: PageEnv = Depends(page_env),
    year: int | None = Query(None, ge=1900, le=2100),
) -> Response:
    return render_revenue(env, slug, year)


def render_revenue(
    env: PageEnv,
    slug: str,
    year: int | None,
    *,
    problems: list[str] | None = None,
    status_code: int | None = None,
) -> Response:
    """The revenue page (``problems``: an upload's findings, shown above the page)."""
    city = get_city(env.session, slug)
    drafts = can_see_drafts(env.user, city.id, env.session)
    items = list_diagnostics(env.session, city.id, published_only=not drafts)
    chosen = next((d for d in items if year is None or d.year == year), None)
    status = 200 if chosen is not None or year is None else 404
    return render(
        env.request,
        "revenue/diagnostic.html",
        {
            "city": city,
            "items": items,
            "d": chosen,
            "parts": PARTS,
            "gaps": GAPS,
            "colours": COLOURS,
            **upload_context(env, city),
            "upload_problems": problems or [],
            "pies": (
                {s.stream: _slices(s) for s in (*chosen.result.streams, chosen.result.total)}
                if chosen
                else {}
            ),
        },
        status_code=status_code or status,
    )
