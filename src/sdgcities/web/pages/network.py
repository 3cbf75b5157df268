"""Network pages: onboarding pipelines, urban labs, hubs, conflicts and the global reports.

Public: the reports (over published data and the pipeline's dates), each city's pipeline,
the labs and the hubs' cities and experts. The hub's staff, the global hub and admins
also see the hubs' subscriptions and record onboarding steps for the cities they serve;
the global hub and admins see the partner pulls' conflicts. Charts are server-drawn SVG
(no script; each with its table) and the map is the home page's Leaflet map; every
chart's data is at the chart's URL + ``.csv`` / ``.xlsx``.
"""

from __future__ import annotations

import io
import threading
import time
from typing import Any

from fastapi import APIRouter, Depends, Form, Path
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import ColumnElement

from sdgcities.errors import NotFoundError, PermissionDeniedError, SdgCitiesError
from sdgcities.network import federation, reports
from sdgcities.network import onboarding as ob
from sdgcities.network import service as net
from sdgcities.network.models import OnboardingRecord
from sdgcities.store.models import City, Hub
from sdgcities.web import auth
from sdgcities.web.pages._common import PageEnv, form_page_env, page_env
from sdgcities.web.pages._panels import city_panel, exists_for
from sdgcities.web.templating import render, render_fragment

router = APIRouter(prefix="/network")
LOGGED_IN = Depends(auth.require_user)
REPORT_KEY = Path(..., max_length=64, pattern=r"^[a-z0-9_-]+$")
SLUG = Path(..., max_length=200, pattern=r"^[A-Za-z0-9-]+$")
#: Okabe–Ito, colour-blind safe, then greys for the later stages
PALETTE = (
    "#bbbbbb",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
    "#666666",
    "#888888",
    "#aaaaaa",
    "#444444",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ----------------------------------------------------------------------------- data (cached)

_VERSION_TTL_S = 1.0  # as the page cache's own data version: looked up at most once a second
_version_memo: dict[str, tuple[float, tuple[Any, ...]]] = {}
_version_lock = threading.Lock()


def _net_version(env: PageEnv) -> tuple[Any, ...]:
    """:func:`reports.network_version`, read at most once a second per process (and once
    per request); a write through these pages forgets it at once."""
    cached = getattr(env.request.state, "network_version", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    now = time.monotonic()
    with _version_lock:
        hit = _version_memo.get("v")
    if hit is not None and now - hit[0] < _VERSION_TTL_S:
        version = hit[1]
    else:
        version = reports.network_version(env.session)
        with _version_lock:
            _version_memo["v"] = (now, version)
    env.request.state.network_version = version
    return version


def _forget_version() -> None:
    with _version_lock:
        _version_memo.clear()


def _tables(env: PageEnv) -> dict[str, reports.Table]:
    return env.cache.get_or_compute(
        env.session,
        ("page", "network-reports", _net_version(env)),
        lambda: reports.all_tables(env.session),
    )


def _geojson(env: PageEnv) -> dict[str, Any]:
    return env.cache.get_or_compute(
        env.session,
        ("page", "network-map", _net_version(env)),
        lambda: reports.network_cities_geojson(env.session, ob.all_pipelines(env.session)),
    )


def _report_body(env: PageEnv, table: reports.Table) -> Markup:
    """The chart, links and table of a report, rendered once per language and version."""
    from sdgcities.web import i18n

    lang = getattr(env.request.state, "lang", "en")

    def draw() -> Markup:
        i18n.set_locale(lang)
        return render_fragment(
            "network/_report_body.html", {"table": table, "scene": chart_for(table)}
        )

    key = ("page", "network-body", table.key, lang, _net_version(env))
    return env.cache.get_or_compute(env.session, key, draw)


# ----------------------------------------------------------------------------- SVG charts

W, BAR_H, GAP, LEFT = 640, 22, 6, 210


def _hbars(
    rows: list[tuple[str, float | None, str]], *, top: float | None = None
) -> dict[str, Any]:
    """Horizontal bars: (label, value, shown text)."""
    vmax = top or max([v for _, v, _ in rows if v is not None] or [1.0]) or 1.0
    shapes = []
    for i, (label, value, text) in enumerate(rows):
        y = i * (BAR_H + GAP)
        w = 0.0 if value is None else (W - LEFT - 70) * value / vmax
        shapes.append(
            {
                "y": y,
                "label": label,
                "segments": [
                    {"x": LEFT, "w": round(w, 1), "fill": PALETTE[2], "title": f"{label}: {text}"}
                ],
                "text": text,
                "tx": LEFT + w + 6,
            }
        )
    return {
        "kind": "bars",
        "height": len(rows) * (BAR_H + GAP) + 4,
        "rows": shapes,
        "width": W,
        "left": LEFT,
    }


def _stacked(rows: list[tuple[str, list[tuple[str, int]]]], legend: list[str]) -> dict[str, Any]:
    vmax = max([sum(v for _, v in segs) for _, segs in rows] or [1]) or 1
    shapes = []
    for i, (label, segs) in enumerate(rows):
        y = i * (BAR_H + GAP)
        x = float(LEFT)
        out = []
        for j, (_name, v) in enumerate(segs):
            w = (W - LEFT - 70) * v / vmax
            if v:
                out.append(
                    {
                        "x": round(x, 1),
                        "w": round(w, 1),
                        "fill": PALETTE[j % len(PALETTE)],
                        "title": f"{label} — {legend[j]}: {v}",
                    }
                )
            x += w
        shapes.append(
            {
                "y": y,
                "label": label,
                "segments": out,
                "text": str(sum(v for _, v in segs)),
                "tx": x + 6,
            }
        )
    return {
        "kind": "bars",
        "height": len(rows) * (BAR_H + GAP) + 4,
        "rows": shapes,
        "width": W,
        "left": LEFT,
        "legend": [
            {"label": name, "fill": PALETTE[j % len(PALETTE)]} for j, name in enumerate(legend)
        ],
    }


def _boxes(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """Box plots on a 0–100 scale: (group, n, min, q1, median, q3, max)."""
    span = W - LEFT - 40

    def sx(v: float) -> float:
        return round(LEFT + span * max(0.0, min(100.0, v)) / 100, 1)

    shapes = []
    for i, (g, n, lo, q1, med, q3, hi) in enumerate(rows):
        y = i * (BAR_H + GAP)
        shapes.append(
            {
                "y": y,
                "label": f"{g} (n={n})",
                "lo": sx(lo),
                "q1": sx(q1),
                "med": sx(med),
                "q3": sx(q3),
                "hi": sx(hi),
                "title": f"{g}: min {lo}, Q1 {q1}, median {med}, Q3 {q3}, max {hi}",
            }
        )
    ticks = [{"x": sx(t), "label": str(t)} for t in (0, 25, 50, 75, 100)]
    return {
        "kind": "boxes",
        "height": len(rows) * (BAR_H + GAP) + 24,
        "rows": shapes,
        "width": W,
        "left": LEFT,
        "ticks": ticks,
    }


def _lines(table: reports.Table) -> dict[str, Any]:
    """Cumulative count per region over months (a real time axis: months evenly spaced)."""
    months = sorted({r[1] for r in table.rows})
    series: dict[str, list[tuple[str, int]]] = {}
    for region, month, _new, cum in table.rows:
        series.setdefault(region, []).append((month, cum))
    h, left, bottom = 260, 50, 30
    ymax = max([c for *_x, c in table.rows] or [1]) or 1
    n = max(1, len(months) - 1)

    def sx(m: str) -> float:
        return round(left + (W - left - 45) * months.index(m) / n, 1)

    def sy(v: float) -> float:
        return round(h - bottom - (h - bottom - 10) * v / ymax, 1)

    out = []
    for j, (region, pts) in enumerate(sorted(series.items())):
        out.append(
            {
                "label": region,
                "stroke": PALETTE[(j + 1) % len(PALETTE)],
                "points": " ".join(f"{sx(m)},{sy(v)}" for m, v in pts),
                "last": {"x": sx(pts[-1][0]), "y": sy(pts[-1][1]), "v": pts[-1][1]},
            }
        )
    step = max(1, len(months) // 8)
    xticks = [{"x": sx(m), "label": m} for m in months[::step]]
    yticks = [{"y": sy(v), "label": str(v)} for v in sorted({0, ymax // 2, ymax})]
    return {
        "kind": "lines",
        "height": h,
        "width": W,
        "series": out,
        "xticks": xticks,
        "yticks": yticks,
        "axis_y": h - bottom,
        "left": left,
        "legend": [{"label": s["label"], "fill": s["stroke"]} for s in out],
    }


def chart_for(table: reports.Table) -> dict[str, Any] | None:
    """The SVG scene of a report table (None when there is nothing to draw)."""
    if not table.rows:
        return None
    if table.key == "funnel":
        rows = [(r[1], r[2], "—" if r[2] is None else f"{r[2]} ({r[3]} %)") for r in table.rows]
        return _hbars(rows, top=float(reports.GOAL_CITIES))
    if table.key.startswith("stage-by-"):
        keys = ["none", *ob.step_keys()]
        labels = ["not started", *(s.label for s in ob.steps())]
        return _stacked([(r[0], list(zip(keys, r[2:], strict=True))) for r in table.rows], labels)
    if table.key == "coverage":
        return _hbars([(f"{r[0]}", r[3], f"{r[3]} % · {r[4]}") for r in table.rows], top=100.0)
    if table.key.startswith("scores-by-"):
        return _boxes(table.rows)
    if table.key == "onboarding-time":
        return _lines(table)
    if table.key == "portfolio-money":
        bars: list[tuple[str, float | None, str]] = [
            (f"{r[0]} · {r[1].replace('_', ' ')} ({r[2]})", float(r[3]), f"{r[3]:,.0f} {r[2]}")
            for r in table.rows
        ]
        return _hbars(bars)
    return None


# ----------------------------------------------------------------------------- reports


def _table_bytes(table: reports.Table, fmt: str) -> bytes:
    import pandas as pd

    from sdgcities.exports._cells import escape_frame

    frame = escape_frame(pd.DataFrame(table.rows, columns=list(table.columns)).convert_dtypes())
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name=table.key[:31], index=False)
    return buf.getvalue()


@router.get("/reports", response_class=HTMLResponse)
def reports_index(env: PageEnv = Depends(page_env)) -> Response:
    tables = _tables(env)
    funnel = tables["funnel"]
    return render(
        env.request,
        "network/reports.html",
        {
            "tables": tables,
            "funnel": funnel,
            "scene": chart_for(funnel),
            "goal": reports.GOAL_CITIES,
            "unrecorded": [s for s in ob.steps() if not ob.has_source(s.key)],
        },
    )


@router.get("/reports/cities.geojson")
def reports_map(env: PageEnv = Depends(page_env)) -> Response:
    return JSONResponse(_geojson(env), media_type="application/geo+json")


@router.get("/reports/{key}.csv")
def report_csv(key: str = REPORT_KEY, env: PageEnv = Depends(page_env)) -> Response:
    table = _table_or_404(env, key)
    return Response(
        env.cache.get_or_compute(
            env.session,
            ("page", "network-file", table.key, "csv", _net_version(env)),
            lambda: _table_bytes(table, "csv"),
        ),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{table.key}.csv"'},
    )


@router.get("/reports/{key}.xlsx")
def report_xlsx(key: str = REPORT_KEY, env: PageEnv = Depends(page_env)) -> Response:
    table = _table_or_404(env, key)
    return Response(
        env.cache.get_or_compute(
            env.session,
            ("page", "network-file", table.key, "xlsx", _net_version(env)),
            lambda: _table_bytes(table, "xlsx"),
        ),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{table.key}.xlsx"'},
    )


def _table_or_404(env: PageEnv, key: str) -> reports.Table:
    tables = _tables(env)
    if key not in tables:
        raise NotFoundError(f"no report {key!r}; reports: {', '.join(tables)}")
    return tables[key]


@router.get("/reports/{key}", response_class=HTMLResponse)
def report_page(key: str = REPORT_KEY, env: PageEnv = Depends(page_env)) -> Response:
    table = _table_or_404(env, key)
    return render(
        env.request,
        "network/report.html",
        {"table": table, "body": _report_body(env, table), "tables": _tables(env)},
    )


# ----------------------------------------------------------------------------- onboarding


@router.get("/cities", response_class=HTMLResponse)
def cities_page(env: PageEnv = Depends(page_env)) -> Response:
    from sqlalchemy import select

    pipes = ob.all_pipelines(env.session)
    names = {c.id: c for c in env.session.scalars(select(City).where(City.id.in_(list(pipes))))}
    rows = sorted(
        ((names[cid], p) for cid, p in pipes.items() if cid in names),
        key=lambda cp: (-cp[1].stage_index, cp[0].name),
    )
    return render(env.request, "network/cities.html", {"rows": rows[:2000], "total": len(rows)})


def _city_page(
    env: PageEnv,
    slug: str,
    *,
    status_code: int = 200,
    problems: list[str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    from sqlalchemy import select

    from sdgcities.network.models import UrbanLab

    city, pipeline = net.city_pipeline(env.session, slug)
    ids = net.manageable_city_ids(env.user, env.session)
    can_record = env.user is not None and (ids is None or city.id in ids)
    records = net.onboarding_records(env.session, city.id)
    lab, hub = net.city_lab_and_hub(env.session, city.id)
    return render(
        env.request,
        "network/city.html",
        {
            "city": city,
            "pipeline": pipeline,
            "records": records,
            "lab": lab,
            "hub": hub,
            "can_record": can_record,
            "next_step": next((s.step for s in pipeline.states if s.on is None), None),
            "labs": list(env.session.scalars(select(UrbanLab).order_by(UrbanLab.name)))
            if can_record
            else [],
            "hubs": list(
                env.session.scalars(select(Hub).where(Hub.kind == "regional").order_by(Hub.name))
            )
            if can_record
            else [],
            "typed": (*ob.TYPED, "urban_lab", "regional_hub"),
            "problems": problems or [],
            "form": form or {},
        },
        status_code=status_code,
    )


@router.get("/cities/{slug}", response_class=HTMLResponse)
def city_page(slug: str = SLUG, env: PageEnv = Depends(form_page_env)) -> Response:
    return _city_page(env, slug)


@router.post("/cities/{slug}/steps", dependencies=[LOGGED_IN, auth.CsrfChecked])
def record_step(
    slug: str = SLUG,
    env: PageEnv = Depends(form_page_env),
    step: str = Form(..., max_length=40, pattern=r"^[a-z0-9_]+$"),
    on: str = Form(..., alias="date", max_length=10),
    authority: str = Form("", max_length=300),
    lab: str = Form("", max_length=200),
    hub: str = Form("", max_length=200),
    note: str = Form("", max_length=2000),
) -> Response:
    try:
        net.record_step(
            env.session,
            slug,
            step,
            on,
            authority=authority,
            lab=lab or None,
            hub=hub or None,
            note=note,
            by=env.user,
            check_rights=True,
        )
        env.session.commit()
        _forget_version()
    except PermissionDeniedError:
        env.session.rollback()
        raise
    except SdgCitiesError as err:
        env.session.rollback()
        problems = [str(err), *(str(f) for f in getattr(err, "findings", []))]
        form = {"step": step, "date": on, "authority": authority, "lab": lab, "hub": hub}
        return _city_page(env, slug, status_code=422, problems=problems, form=form)
    return RedirectResponse(f"/network/cities/{slug}", status_code=303)


#: "the city has a record of the first step" (built once; steps are fixed)
_FIRST_STEP_RECORDED = exists_for(
    OnboardingRecord.city_id, OnboardingRecord.step == ob.steps()[0].key
)


def _may_be_onboarded(env: PageEnv, city: City) -> ColumnElement[bool] | bool:
    """A city has a stage only once its first, typed step is recorded (``ob.has_stage``)."""
    return _FIRST_STEP_RECORDED if ob.first_step_typed() is not None else True


@city_panel("network", order=80, present=_may_be_onboarded)
def onboarding_panel(env: PageEnv, city: City) -> Markup | None:
    if not ob.has_stage(env.session, city.id):
        return None  # one query for a city never onboarded
    pipeline = ob.pipelines(env.session, [city.id])[city.id]
    if pipeline.stage is None:
        return None
    return render_fragment("network/_city_panel.html", {"city": city, "pipeline": pipeline})


# ----------------------------------------------------------------------------- labs, hubs


@router.get("/labs", response_class=HTMLResponse)
def labs_page(env: PageEnv = Depends(page_env)) -> Response:
    return render(env.request, "network/labs.html", {"labs": net.list_labs(env.session)})


@router.get("/hubs", response_class=HTMLResponse)
def hubs_page(env: PageEnv = Depends(page_env)) -> Response:
    from sqlalchemy import select

    hubs = [
        net.hub_network(env.session, h.slug)
        for h in env.session.scalars(select(Hub).order_by(Hub.name))
    ]
    return render(env.request, "network/hubs.html", {"hubs": hubs})


@router.get("/hubs/{slug}", response_class=HTMLResponse)
def hub_page(slug: str = SLUG, env: PageEnv = Depends(page_env)) -> Response:
    h = net.hub_network(env.session, slug)
    return render(
        env.request,
        "network/hub.html",
        {"h": h, "subscriptions": net.may_see_subscriptions(env.user, env.session, h.hub.id)},
    )


@router.get("/conflicts", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def conflicts_page(env: PageEnv = Depends(page_env)) -> Response:
    if env.user is None or env.user.role not in ("admin", "global_hub"):
        raise PermissionDeniedError(
            "the partner pulls' conflicts are for the global hub and admins"
        )
    rows, total = federation.list_conflicts(env.session, limit=500)
    return render(
        env.request,
        "network/conflicts.html",
        {"rows": rows, "total": total, "partners": federation.list_partners(env.session)},
    )
