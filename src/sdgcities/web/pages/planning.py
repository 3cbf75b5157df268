"""Strategic-plan pages: the city's 2030 plan, its editing forms, workflow and panel.

The approved version is public; draft, submitted and returned versions are seen only by
the city's editors, the hub serving it, the global hub and admins (404 for the rest).
Editors write the plan (forms, a YAML/CSV upload, polygons drawn on the map or uploaded
as GeoJSON); the city's hub reviewer, the global hub or an admin approve or return it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from sdgcities.accounts.permissions import (
    can_edit_city,
    can_review,
    can_see_drafts,
    draft_city_ids,
)
from sdgcities.cities.service import get_city
from sdgcities.errors import (
    Finding,
    NotFoundError,
    PermissionDeniedError,
    SdgCitiesError,
    ValidationError,
)
from sdgcities.observations.visibility import visible_layers
from sdgcities.planning import service as ps
from sdgcities.planning import workflow as wf
from sdgcities.planning.files import import_plan_file
from sdgcities.planning.models import PlanVersion, StrategicPlan
from sdgcities.planning.progress import plan_progress
from sdgcities.planning.units import accepted_units
from sdgcities.scoring.progress import PROGRESS_METHODS, check_progress_method
from sdgcities.store.models import City, HexLayer, Indicator
from sdgcities.web import auth
from sdgcities.web.deps import get_settings_dep
from sdgcities.web.errors import status_of
from sdgcities.web.i18n import gettext as _
from sdgcities.web.pages._common import PageEnv, page_env, script_json
from sdgcities.web.pages._panels import city_panel, exists_for
from sdgcities.web.templating import render, render_fragment

router = APIRouter()
SLUG = PathParam(..., max_length=200, pattern=r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")
#: progress categories → CSS class of their badge (both methods)
BADGES = {
    "target achieved": "good",
    "on track": "good",
    "on track or maintaining achievement": "good",
    "acceleration needed": "warn",
    "moderately improving": "warn",
    "limited progress": "bad",
    "stagnating": "bad",
    "deterioration": "bad",
    "decreasing": "bad",
}


@contextmanager
def saved_upload(env: PageEnv, file: UploadFile, suffixes: tuple[str, ...]) -> Iterator[Path]:
    """The uploaded file saved under its (cleaned) name in a temporary folder.

    A wrong suffix or a file over the upload limit is a :class:`ValidationError` naming
    the file.
    """
    name = re.sub(r"[^\w.\- ]+", "_", Path(file.filename or "upload").name)[:200] or "upload"
    if not name.lower().endswith(suffixes):
        raise ValidationError(
            f"{name}: only {', '.join(suffixes)} files are accepted here",
            [Finding("wrong file type", file=name, fix=f"upload a {' or '.join(suffixes)} file")],
        )
    limit = get_settings_dep(env.request).max_upload_bytes
    with tempfile.TemporaryDirectory(prefix="sdgcities-upload-") as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1024 * 1024)
        if path.stat().st_size > limit:
            raise ValidationError(
                f"{name} is larger than {limit / 1048576:g} MB",
                [Finding("file too large", file=name, fix="split it into smaller files")],
            )
        yield path


def _problems(err: SdgCitiesError) -> list[str]:
    if isinstance(err, ValidationError):
        return [err.summary, *(str(f) for f in err.findings)]
    return [str(err)]


def _versions(env: PageEnv, city: City) -> tuple[list[PlanVersion], bool]:
    drafts = can_see_drafts(env.user, city.id, env.session)
    return ps.visible_versions(env.session, city, drafts=drafts), drafts


def _hex_urls(env: PageEnv, city: City) -> list[dict[str, str]]:
    layers = env.session.scalars(
        select(HexLayer)
        .where(HexLayer.city_id == city.id, visible_layers(draft_city_ids(env.user, env.session)))
        .order_by(HexLayer.id)
    )
    return [
        {"url": f"/cities/{city.slug}/hexes/{la.id}.geojson", "name": la.name or la.indicator_code}
        for la in layers
    ]


def _plan_page(
    env: PageEnv,
    city: City,
    *,
    number: int | None = None,
    status_code: int = 200,
    problems: list[str] | None = None,
    method: str | None = None,
) -> Response:
    versions, staff = _versions(env, city)
    if number is not None:
        chosen = next((v for v in versions if v.number == number), None)
        if chosen is None:
            raise NotFoundError(f"{city.name}'s plan has no version {number} that you may see")
    else:
        chosen = versions[-1] if versions else None
    editor = can_edit_city(env.user, city.id, env.session)
    reviewer = can_review(env.user, city.id, env.session)
    if env.user is not None:
        env.request.state.csrf_token = auth.csrf_token(env.request)
    chosen_method = check_progress_method(method or "cagr-ratio")
    progress = plan_progress(env.session, city, chosen, method=chosen_method) if chosen else []
    indicators = list(env.session.scalars(select(Indicator).order_by(Indicator.code)))
    plan = ps.find_plan(env.session, city)
    latest = plan.versions[-1] if plan and plan.versions else None
    strategies = [
        s for s in ps.list_smart_strategies(env.session, city) if staff or s.status != "draft"
    ]
    ctx = {
        "city": city,
        "versions": versions,
        "v": chosen,
        "data": ps.version_as_dict(chosen, staff=staff) if chosen else None,
        "places_json": Markup(
            script_json(ps.version_as_dict(chosen)["spatial_priorities"])
            if chosen
            else '{"type":"FeatureCollection","features":[]}'
        ),
        "progress": {r["indicator"]: r for r in progress},
        "badges": BADGES,
        "methods": PROGRESS_METHODS,
        "method": chosen_method,
        "staff": staff,
        "editor": editor,
        "editable": editor and (latest is None or latest.status in (*wf.EDITABLE, wf.APPROVED)),
        "can_submit": editor and latest is not None and latest.status in wf.EDITABLE,
        "can_review": reviewer and latest is not None and latest.status == wf.SUBMITTED,
        "latest": latest,
        "events": ps.events(env.session, plan) if plan and staff else [],
        "indicators": [
            {"code": i.code, "unit": i.unit, "name": i.name, "units": accepted_units(i.unit)}
            for i in indicators
        ],
        "hex_layers": _hex_urls(env, city),
        "boundary_url": f"/cities/{city.slug}/boundary.geojson" if city.boundary_geojson else "",
        "strategies": strategies,
        "problems": problems or [],
        "today": date.today().isoformat(),
    }
    return render(env.request, "planning/plan.html", ctx, status_code=status_code)


@router.get("/cities/{slug}/plan", response_class=HTMLResponse)
def plan_page(
    slug: str = SLUG,
    env: PageEnv = Depends(page_env),
    method: str | None = Query(None, pattern=r"^(cagr-ratio|sdr-trend)$"),
) -> Response:
    return _plan_page(env, get_city(env.session, slug), method=method)


@router.get("/cities/{slug}/plan/versions/{number}", response_class=HTMLResponse)
def plan_version_page(
    slug: str = SLUG,
    number: int = PathParam(..., ge=1, le=100_000),
    env: PageEnv = Depends(page_env),
) -> Response:
    return _plan_page(env, get_city(env.session, slug), number=number)


def _act(env: PageEnv, slug: str, fn: Any) -> Response:
    """Run an edit; on a user error show the plan page with every problem (nothing saved)."""
    city = get_city(env.session, slug)
    if env.user is None:
        raise PermissionDeniedError("log in to change a strategic plan")
    try:
        fn(city)
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        city = get_city(env.session, slug)
        return _plan_page(env, city, status_code=status_of(err), problems=_problems(err))
    env.cache.invalidate()
    return RedirectResponse(f"/cities/{city.slug}/plan", status_code=303)


CHECKED = [Depends(auth.require_user), auth.CsrfChecked]


@router.post("/cities/{slug}/plan/vision", dependencies=CHECKED)
def post_vision(
    slug: str = SLUG,
    env: PageEnv = Depends(page_env),
    title: str = Form("", max_length=300),
    vision: str = Form("", max_length=20_000),
) -> Response:
    return _act(
        env, slug, lambda c: ps.set_vision(env.session, c, env.user, vision=vision, title=title)
    )


def _float(value: str, field: str) -> float:
    try:
        return float(value.strip().replace(",", "."))
    except ValueError:
        raise ValidationError(
            f"{field} {value!r} is not a number",
            [Finding(f"{field} is not a number", column=field, value=value, fix="e.g. 75.5")],
        ) from None


@router.post("/cities/{slug}/plan/targets", dependencies=CHECKED)
def post_target(
    slug: str = SLUG,
    env: PageEnv = Depends(page_env),
    indicator: str = Form(..., max_length=64),
    value: str = Form(..., max_length=40),
    unit: str = Form(..., max_length=64),
    baseline_value: str = Form(..., max_length=40),
    baseline_year: int = Form(..., ge=1900, le=2100),
    target_year: int = Form(2030, ge=1900, le=2100),
    justification: str = Form("", max_length=5000),
    source: str = Form("", max_length=2000),
) -> Response:
    def edit(c: City) -> None:
        t = ps.TargetIn(
            indicator=indicator.strip(),
            value=_float(value, "value"),
            unit=unit,
            baseline_value=_float(baseline_value, "baseline_value"),
            baseline_year=baseline_year,
            target_year=target_year,
            justification=justification,
            source=source,
        )
        ps.add_target(env.session, c, env.user, t)

    return _act(env, slug, edit)


@router.post("/cities/{slug}/plan/targets/remove", dependencies=CHECKED)
def post_remove_target(
    slug: str = SLUG, env: PageEnv = Depends(page_env), indicator: str = Form(..., max_length=64)
) -> Response:
    return _act(env, slug, lambda c: ps.remove_target(env.session, c, env.user, indicator))


@router.post("/cities/{slug}/plan/priorities", dependencies=CHECKED)
def post_priority(
    slug: str = SLUG,
    env: PageEnv = Depends(page_env),
    title: str = Form(..., max_length=500),
    description: str = Form("", max_length=5000),
    indicator: str = Form("", max_length=64),
) -> Response:
    p = ps.PriorityIn(title=title, description=description, indicator=indicator.strip() or None)
    return _act(env, slug, lambda c: ps.add_priority(env.session, c, env.user, p))


def _participants(
    rows: list[str], women: list[str], men: list[str], other: list[str]
) -> list[dict[str, Any]]:
    out = []
    for i, group in enumerate(rows):
        if not group.strip():
            continue
        counts: dict[str, Any] = {"group": group.strip()}
        for sex, col in (("women", women), ("men", men), ("other", other)):
            raw = col[i].strip() if i < len(col) else ""
            counts[sex] = int(raw) if raw.isdigit() else (raw if raw else 0)
        out.append(counts)
    return out


@router.post("/cities/{slug}/plan/consultations", dependencies=CHECKED)
def post_consultation(
    slug: str = SLUG,
    env: PageEnv = Depends(page_env),
    held_on: date = Form(...),
    title: str = Form("", max_length=500),
    stakeholder_groups: str = Form("", max_length=2000),
    group: list[str] = Form([]),
    women: list[str] = Form([]),
    men: list[str] = Form([]),
    other: list[str] = Form([]),
    changes: str = Form("", max_length=10_000),
) -> Response:
    c = ps.ConsultationIn(
        held_on=held_on,
        title=title,
        stakeholder_groups=[g.strip() for g in stakeholder_groups.split(",") if g.strip()],
        participants=_participants(group[:50], women, men, other),
        changes=[line.strip() for line in changes.splitlines() if line.strip()],
    )
    return _act(env, slug, lambda city: ps.add_consultation(env.session, city, env.user, c))


@router.post("/cities/{slug}/plan/places", dependencies=CHECKED)
async def post_place(
    slug: str = SLUG,
    env: PageEnv = Depends(page_env),
    name: str = Form(..., max_length=500),
    description: str = Form("", max_length=5000),
    geometry: str = Form("", max_length=2_000_000),
    file: UploadFile | None = File(None),
) -> Response:
    raw = geometry
    if file is not None and file.filename:
        data = await file.read(5_000_001)
        raw = "" if len(data) > 5000000 else data.decode("utf-8", "replace")
    if not raw.strip():
        city = get_city(env.session, slug)
        return _plan_page(
            env,
            city,
            status_code=400,
            problems=[_("Draw the place on the map or upload a GeoJSON file (at most 5 MB).")],
        )
    p = ps.PlaceIn(name=name, description=description, geometry=raw)
    return _act(env, slug, lambda c: ps.add_place(env.session, c, env.user, p))


@router.post("/cities/{slug}/plan/import", dependencies=CHECKED)
def post_import(
    slug: str = SLUG, env: PageEnv = Depends(page_env), file: UploadFile = File(...)
) -> Response:
    def edit(c: City) -> None:
        with saved_upload(env, file, (".yaml", ".yml", ".csv")) as path:
            import_plan_file(env.session, c, path, env.user)

    return _act(env, slug, edit)


@router.post("/cities/{slug}/plan/smart-city", dependencies=CHECKED)
def post_smart(
    slug: str = SLUG,
    env: PageEnv = Depends(page_env),
    title: str = Form(..., max_length=500),
    year: int = Form(..., ge=1900, le=2100),
    status: str = Form("adopted", max_length=16),
    policy_name: str = Form("", max_length=500),
    policy_year: int | None = Form(None, ge=1900, le=2100),
    policy_country: str = Form("", max_length=3),
    url: str = Form("", max_length=2000),
) -> Response:
    return _act(
        env,
        slug,
        lambda c: ps.add_smart_strategy(
            env.session,
            c,
            env.user,
            title=title,
            year=year,
            status=status,
            policy_name=policy_name,
            policy_year=policy_year,
            policy_country=policy_country or None,
            url=url,
        ),
    )


def _transition(env: PageEnv, slug: str, action: str, comment: str) -> Response:
    return _act(
        env, slug, lambda c: ps.transition(env.session, c, action, env.user, comment=comment)
    )


@router.post("/cities/{slug}/plan/submit", dependencies=CHECKED)
def post_submit(
    slug: str = SLUG, env: PageEnv = Depends(page_env), comment: str = Form("", max_length=5000)
) -> Response:
    return _transition(env, slug, "submit", comment)


@router.post("/cities/{slug}/plan/approve", dependencies=CHECKED)
def post_approve(
    slug: str = SLUG, env: PageEnv = Depends(page_env), comment: str = Form("", max_length=5000)
) -> Response:
    return _transition(env, slug, "approve", comment)


@router.post("/cities/{slug}/plan/return", dependencies=CHECKED)
def post_return(
    slug: str = SLUG, env: PageEnv = Depends(page_env), comment: str = Form("", max_length=5000)
) -> Response:
    return _transition(env, slug, "return", comment)


_HAS_PLAN = exists_for(StrategicPlan.city_id)


@city_panel("planning", order=20, present=lambda env, city: _HAS_PLAN)
def plan_panel(env: PageEnv, city: City) -> Markup | None:
    """The approved plan's vision and progress; staff also see the newest draft's status."""
    public = ps.public_version(env.session, city)
    staff = can_see_drafts(env.user, city.id, env.session)
    plan = ps.find_plan(env.session, city) if staff else None
    latest = plan.versions[-1] if plan and plan.versions else None
    if public is None and latest is None:
        return None
    rows = plan_progress(env.session, city, public) if public else []
    return render_fragment(
        "planning/city_panel.html",
        {
            "city": city,
            "v": public,
            "latest": latest if latest is not None and latest is not public else None,
            "rows": rows,
            "badges": BADGES,
        },
    )
