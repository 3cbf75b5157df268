"""The investment facility's pages: the pipeline dashboard, projects, matches, introductions.

Thin over :mod:`sdgcities.investment.service` and :mod:`~sdgcities.investment.advisory`;
who sees what is :mod:`sdgcities.investment.access` (a project without its city's consent
does not exist for the public: 404).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from sdgcities.accounts.permissions import editable_city_ids
from sdgcities.errors import (
    ConflictError,
    Finding,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from sdgcities.investment import access, advisory
from sdgcities.investment import investors as inv
from sdgcities.investment import service as svc
from sdgcities.investment.intake import INSTRUMENTS, STAGES
from sdgcities.investment.investors import sdg_regions
from sdgcities.investment.matching import FACTORS, WEIGHTS
from sdgcities.investment.models import InvestmentProject
from sdgcities.investment.readiness import STATUSES
from sdgcities.store.models import City
from sdgcities.web import auth
from sdgcities.web.pages._common import PageEnv, form_page_env, page_env
from sdgcities.web.pages._panels import city_panel, exists_for
from sdgcities.web.templating import render, render_fragment

router = APIRouter(prefix="/investment")
F = TypeVar("F", bound=Callable[..., Any])
LOGGED_IN = Depends(auth.require_user)
PID = Path(..., ge=1, le=2_147_483_647)
DIMENSIONS = ("stage", "goal", "region")
USER_ERRORS = (ValidationError, PermissionDeniedError, NotFoundError, ConflictError)


def _post(path: str) -> Callable[[F], F]:
    """A form's POST route: logged in, CSRF-checked."""
    return router.post(
        path, response_class=HTMLResponse, dependencies=[LOGGED_IN, auth.CsrfChecked]
    )


def _problems(err: Exception) -> list[str]:
    if isinstance(err, ValidationError) and err.findings:
        return [str(f) for f in err.findings]
    return [str(err)]


def _filters(stage: str | None, goal: str | None, region: str | None) -> dict[str, Any]:
    return {
        "stage": stage if stage in STAGES else None,
        "goal": goal if goal and goal.isdigit() and 1 <= int(goal) <= 17 else None,
        "region": region if region in sdg_regions() else None,
    }


def _editable_cities(env: PageEnv) -> list[City]:
    ids = editable_city_ids(env.user, env.session)
    q = select(City).order_by(City.name)
    if ids is not None:
        q = q.where(City.id.in_(sorted(ids) or [-1]))
    return list(env.session.scalars(q.limit(2000)))


def _bars(rows: list[dict[str, Any]], dim: str) -> list[dict[str, Any]]:
    """Rows with their bar width (share of the largest count, per cent)."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[dim]] = counts.get(r[dim], 0) + r["projects"]
    top = max(counts.values(), default=0) or 1
    values: dict[str, list[str]] = {}
    for r in rows:
        values.setdefault(r[dim], []).append(f"{r['value']:,.0f} {r['currency']}")
    return [
        {"key": k, "projects": n, "width": round(100 * n / top, 1), "value": "; ".join(values[k])}
        for k, n in counts.items()
    ]


@router.get("", response_class=HTMLResponse)
def dashboard(
    env: PageEnv = Depends(page_env),
    stage: str | None = Query(None, max_length=40),
    goal: str | None = Query(None, max_length=2),
    region: str | None = Query(None, max_length=200),
) -> Response:
    f = _filters(stage, goal, region)
    summary = svc.pipeline_summary(env.session, env.user, **f)
    rows, total = svc.list_projects(env.session, env.user, limit=500, **f)
    user = env.user
    return render(
        env.request,
        "investment/dashboard.html",
        {
            "filters": f,
            "query": "&".join(f"{k}={v}" for k, v in f.items() if v),
            "stages": STAGES,
            "regions": sorted(sdg_regions()),
            "charts": {d: _bars(summary[d], d) for d in DIMENSIONS},
            "projects": [
                {
                    "p": p,
                    "city": c,
                    "public": public,
                    "staff": access.can_edit(user, c.id, env.session)
                    or access.can_advise(user, c.id, env.session),
                }
                for p, c, public in rows
            ],
            "total": total,
            "can_create": bool(_editable_cities(env)) if user else False,
            "can_match": user is not None,
        },
    )


@router.get("/pipeline.csv")
def pipeline_csv(
    env: PageEnv = Depends(page_env),
    by: str = Query("stage", pattern="^(stage|goal|region)$"),
    stage: str | None = Query(None, max_length=40),
    goal: str | None = Query(None, max_length=2),
    region: str | None = Query(None, max_length=200),
) -> Response:
    summary = svc.pipeline_summary(env.session, env.user, **_filters(stage, goal, region))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([by, "currency", "projects", "value"])
    for r in summary[by]:
        w.writerow([r[by], r["currency"], r["projects"], f"{r['value']:.2f}"])
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="pipeline-by-{by}.csv"'},
    )


def _form_page(env: PageEnv, status: int = 200, **extra: Any) -> Response:
    ctx: dict[str, Any] = {
        "editing": None,
        "cities": _editable_cities(env),
        "stages": STAGES,
        "problems": [],
        "form": {},
    }
    ctx.update(extra)
    return render(env.request, "investment/project_form.html", ctx, status_code=status)


@router.get("/projects/new", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def new_project_page(env: PageEnv = Depends(form_page_env)) -> Response:
    if not _editable_cities(env):
        raise PermissionDeniedError("only city editors may submit projects for their cities")
    return _form_page(env)


PROJECT_FIELDS = (
    "city",
    "title",
    "description",
    "sector",
    "sdg_targets",
    "budget",
    "currency",
    "start",
    "end",
    "stage",
    "implementing_org",
)


@router.post(
    "/projects/new", response_class=HTMLResponse, dependencies=[LOGGED_IN, auth.CsrfChecked]
)
def create_project(
    env: PageEnv = Depends(form_page_env),
    city: str = Form(..., max_length=200),
    title: str = Form(..., max_length=500),
    description: str = Form("", max_length=20000),
    sector: str = Form(..., max_length=5),
    sdg_targets: str = Form(..., max_length=2000),
    budget: str = Form(..., max_length=30),
    currency: str = Form(..., max_length=3),
    start: str = Form(..., max_length=10),
    end: str = Form(..., max_length=10),
    stage: str = Form("ideation", max_length=40),
    implementing_org: str = Form(..., max_length=300),
) -> Response:
    form = {
        "city": city,
        "title": title,
        "description": description,
        "sector": sector,
        "sdg_targets": sdg_targets,
        "budget": budget,
        "currency": currency,
        "start": start,
        "end": end,
        "stage": stage,
        "implementing_org": implementing_org,
    }
    try:
        p = svc.create_project(env.session, form, env.user)
        env.session.commit()
    except USER_ERRORS as err:
        env.session.rollback()
        return _form_page(env, 422, problems=_problems(err), form=form)
    return RedirectResponse(f"/investment/projects/{p.id}", status_code=303)


EDIT_FIELDS = (
    "title",
    "description",
    "sector",
    "sdg_targets",
    "budget",
    "currency",
    "start",
    "end",
    "implementing_org",
)


def _edit_form(p: InvestmentProject) -> dict[str, str]:
    return {
        "title": p.title,
        "description": p.description,
        "sector": p.sector,
        "sdg_targets": ";".join(p.sdg_targets),
        "budget": f"{p.budget:.2f}",
        "currency": p.currency,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "implementing_org": p.implementing_org,
    }


@router.get("/projects/{project_id}/edit", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def edit_project_page(project_id: int = PID, env: PageEnv = Depends(form_page_env)) -> Response:
    p = svc.get_project(env.session, project_id, env.user)
    if not access.can_edit(env.user, p.city_id, env.session):
        raise PermissionDeniedError("only the city's editors may change its projects")
    return _form_page(env, form=_edit_form(p), editing=p.id)


@_post("/projects/{project_id}/edit")
def edit_project(
    project_id: int = PID,
    env: PageEnv = Depends(form_page_env),
    title: str = Form(..., max_length=500),
    description: str = Form("", max_length=20000),
    sector: str = Form(..., max_length=5),
    sdg_targets: str = Form(..., max_length=2000),
    budget: str = Form(..., max_length=30),
    currency: str = Form(..., max_length=3),
    start: str = Form(..., max_length=10),
    end: str = Form(..., max_length=10),
    implementing_org: str = Form(..., max_length=300),
) -> Response:
    form = {
        "title": title,
        "description": description,
        "sector": sector,
        "sdg_targets": sdg_targets,
        "budget": budget,
        "currency": currency,
        "start": start,
        "end": end,
        "implementing_org": implementing_org,
    }
    p = svc.get_project(env.session, project_id, env.user)
    try:
        svc.update_project(env.session, p, form, env.user)
        env.session.commit()
    except USER_ERRORS as err:
        env.session.rollback()
        return _form_page(env, 422, problems=_problems(err), form=form, editing=project_id)
    return RedirectResponse(f"/investment/projects/{project_id}", status_code=303)


def _project_page(env: PageEnv, p: InvestmentProject, status: int = 200, **extra: Any) -> Response:
    staff = access.staff_city_ids(env.user, env.session)
    is_staff = staff is None or p.city_id in staff
    data = svc.project_dict(env.session, p, full=True, staff=is_staff)
    editor = access.can_edit(env.user, p.city_id, env.session) if env.user else False
    ctx: dict[str, Any] = {
        "p": data,
        "editor": editor,
        "consenter": editor and env.user is not None and env.user.role == "city_editor",
        "advisor": access.can_advise(env.user, p.city_id, env.session) if env.user else False,
        "admin": env.user is not None and env.user.role == "admin",
        "staff": is_staff,
        "stages": STAGES,
        "statuses": STATUSES,
        "instruments": INSTRUMENTS,
        "next_stages": STAGES[STAGES.index(p.stage) + 1 :],
        "prev_stages": STAGES[: STAGES.index(p.stage)],
        "today": date.today().isoformat(),
        "problems": [],
    }
    ctx.update(extra)
    return render(env.request, "investment/project.html", ctx, status_code=status)


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(project_id: int = PID, env: PageEnv = Depends(page_env)) -> Response:
    if env.user is not None:
        env.request.state.csrf_token = auth.csrf_token(env.request)
    return _project_page(env, svc.get_project(env.session, project_id, env.user))


def _act(env: PageEnv, project_id: int, action: Any) -> Response:
    """Run ``action(project)``; commit and go back to the page, or show the problems."""
    p = svc.get_project(env.session, project_id, env.user)
    try:
        action(p)
        env.session.commit()
    except USER_ERRORS as err:
        env.session.rollback()
        p = svc.get_project(env.session, project_id, env.user)
        return _project_page(env, p, 422, problems=_problems(err))
    return RedirectResponse(f"/investment/projects/{project_id}", status_code=303)


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            "not a date", [Finding("not a date", None, None, field, text, "write YYYY-MM-DD")]
        ) from None


@_post("/projects/{project_id}/stage")
def stage_action(
    project_id: int = PID,
    env: PageEnv = Depends(form_page_env),
    stage: str = Form(..., max_length=40),
    on: str = Form(..., max_length=10),
    reason: str = Form("", max_length=5000),
) -> Response:
    return _act(
        env,
        project_id,
        lambda p: svc.move_stage(env.session, p, stage, _day(on, "on"), env.user, reason=reason),
    )


@_post("/projects/{project_id}/consent")
def consent_action(
    project_id: int = PID,
    env: PageEnv = Depends(form_page_env),
    consent: str = Form(..., pattern="^(give|withdraw)$"),
) -> Response:
    return _act(
        env, project_id, lambda p: svc.set_consent(env.session, p, consent == "give", env.user)
    )


@_post("/projects/{project_id}/readiness")
def readiness_action(
    project_id: int = PID,
    env: PageEnv = Depends(form_page_env),
    item: str = Form(..., max_length=64),
    status: str = Form(..., max_length=20),
    reason: str = Form("", max_length=5000),
    evidence_text: str = Form("", max_length=20000),
    evidence_url: str = Form("", max_length=2000),
) -> Response:
    return _act(
        env,
        project_id,
        lambda p: svc.set_readiness(
            env.session,
            p,
            item,
            status,
            env.user,
            reason=reason,
            evidence_text=evidence_text,
            evidence_url=evidence_url,
        ),
    )


@_post("/projects/{project_id}/impacts")
def impact_action(
    project_id: int = PID,
    env: PageEnv = Depends(form_page_env),
    indicator_code: str = Form(..., max_length=32),
    expected_change: str = Form("", max_length=5000),
    target_year: str = Form("", max_length=4),
) -> Response:
    year = int(target_year) if target_year.isdigit() else None
    return _act(
        env,
        project_id,
        lambda p: svc.add_impact(
            env.session,
            p,
            indicator_code,
            env.user,
            expected_change=expected_change,
            target_year=year,
        ),
    )


def _amount(text: str, field: str) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise ValidationError(
            "not a number",
            [Finding("not a number", None, None, field, text, "give a plain number")],
        ) from None


@_post("/projects/{project_id}/tranches")
def tranches_action(
    project_id: int = PID,
    env: PageEnv = Depends(form_page_env),
    instrument: list[str] = Form([], max_length=20),
    amount: list[str] = Form([], max_length=20),
    currency: list[str] = Form([], max_length=20),
    fx_rate: list[str] = Form([], max_length=20),
    fx_date: list[str] = Form([], max_length=20),
    fx_source: list[str] = Form([], max_length=20),
) -> Response:
    def run(p: InvestmentProject) -> None:
        rows = []
        n = len(instrument)
        cols = [amount, currency, fx_rate, fx_date, fx_source]
        if any(len(c) != n for c in cols):
            raise ValidationError("the tranche rows are incomplete; reload the page")
        for i in range(n):
            if not instrument[i] and not amount[i].strip():
                continue
            rate = fx_rate[i].strip()
            rows.append(
                svc.TrancheInput(
                    instrument=instrument[i],
                    amount=_amount(amount[i], f"tranche {i + 1} amount"),
                    currency=(currency[i].strip() or p.currency).upper(),
                    fx_rate=_amount(rate, f"tranche {i + 1} rate") if rate else None,
                    fx_date=_day(fx_date[i], f"tranche {i + 1} rate date") if fx_date[i] else None,
                    fx_source=fx_source[i],
                )
            )
        svc.set_tranches(env.session, p, rows, env.user)

    return _act(env, project_id, run)


# ------------------------------------------------------------------ matches, introductions


def _match_rows(env: PageEnv, city_id: int | None) -> list[dict[str, Any]]:
    frame = advisory.run_match(env.session, env.user, city_id=city_id, top=10)
    return (
        [] if frame.empty else [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]
    )


@router.get("/matches", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def matches_page(
    env: PageEnv = Depends(form_page_env),
    project: int | None = Query(None, ge=1, le=2_147_483_647),
    why_kind: str | None = Query(None, pattern="^(investor|window)$"),
    why_id: int | None = Query(None, ge=1, le=2_147_483_647),
) -> Response:
    rows = _match_rows(env, None)
    if project is not None:
        rows = [r for r in rows if r["project_id"] == project]
    why: list[str] | None = None
    if project is not None and why_kind and why_id:
        why = advisory.explain(env.session, env.user, project, why_kind, why_id)
    advisor_cities = access.advised_city_ids(env.user, env.session)
    return render(
        env.request,
        "investment/matches.html",
        {
            "rows": rows,
            "factors": FACTORS,
            "weights": WEIGHTS,
            "project": project,
            "why": why,
            "why_kind": why_kind,
            "why_id": why_id,
            "advisor": advisor_cities is None or bool(advisor_cities),
            "investors": inv.list_investors(env.session),
            "windows": inv.list_windows(env.session),
            "problems": [],
        },
    )


def _after(env: PageEnv, action: Any, target: str) -> Response:
    try:
        action()
        env.session.commit()
    except USER_ERRORS as err:
        env.session.rollback()
        return render(
            env.request,
            "investment/problems.html",
            {"problems": _problems(err), "back": target},
            status_code=422,
        )
    return RedirectResponse(target, status_code=303)


@_post("/matches/review")
def review_action(
    env: PageEnv = Depends(form_page_env),
    project_id: int = Form(..., ge=1, le=2_147_483_647),
    kind: str = Form(..., pattern="^(investor|window)$"),
    counterpart_id: int = Form(..., ge=1, le=2_147_483_647),
    decision: str = Form(..., pattern="^(shortlist|reject)$"),
    note: str = Form("", max_length=5000),
) -> Response:
    return _after(
        env,
        lambda: advisory.review_match(
            env.session, env.user, project_id, kind, counterpart_id, decision, note=note
        ),
        f"/investment/matches?project={project_id}",
    )


@_post("/introductions")
def introduce_action(
    env: PageEnv = Depends(form_page_env),
    project_id: int = Form(..., ge=1, le=2_147_483_647),
    kind: str = Form(..., pattern="^(investor|window)$"),
    counterpart_id: int = Form(..., ge=1, le=2_147_483_647),
    on: str = Form("", max_length=10),
    note: str = Form("", max_length=5000),
) -> Response:
    return _after(
        env,
        lambda: advisory.introduce(
            env.session,
            env.user,
            project_id,
            kind,
            counterpart_id,
            on=_day(on, "on") if on else None,
            note=note,
        ),
        "/investment/introductions",
    )


@router.get("/introductions", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def introductions_page(env: PageEnv = Depends(form_page_env)) -> Response:
    items = advisory.list_introductions(env.session, env.user)
    ids = access.advised_city_ids(env.user, env.session)
    return render(
        env.request,
        "investment/introductions.html",
        {
            "items": items,
            "outcomes": advisory.OUTCOMES,
            "advisor": ids is None or bool(ids),
            "today": date.today().isoformat(),
        },
    )


@_post("/introductions/{intro_id}/outcome")
def outcome_action(
    intro_id: int = Path(..., ge=1, le=2_147_483_647),
    env: PageEnv = Depends(form_page_env),
    outcome: str = Form(..., max_length=20),
    on: str = Form("", max_length=10),
    note: str = Form("", max_length=5000),
) -> Response:
    return _after(
        env,
        lambda: advisory.record_outcome(
            env.session, env.user, intro_id, outcome, on=_day(on, "on") if on else None, note=note
        ),
        "/investment/introductions",
    )


@router.get("/investors", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def investors_page(env: PageEnv = Depends(page_env)) -> Response:
    return render(
        env.request, "investment/investors.html", {"items": inv.list_investors(env.session)}
    )


@router.get("/windows", response_class=HTMLResponse)
def windows_page(env: PageEnv = Depends(page_env)) -> Response:
    return render(
        env.request,
        "investment/windows.html",
        {"items": inv.list_windows(env.session), "today": date.today()},
    )


_HAS_PROJECT = exists_for(InvestmentProject.city_id)


@city_panel("investment", order=40, present=lambda env, city: _HAS_PROJECT)
def investment_panel(env: PageEnv, city: City) -> Markup | None:
    """The city's pipeline summary (consent rules apply: the public sees consented ones)."""
    rows, total = svc.list_projects(env.session, env.user, city_id=city.id, limit=20)
    if not total:
        return None
    return render_fragment(
        "investment/city_panel.html",
        {"city": city, "rows": rows, "total": total},
    )
