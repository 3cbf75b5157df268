"""Partners, calls, Champions and review markers pages (under ``/capacity``).

- ``/capacity/partners`` and ``/capacity/partners/{id}``: public; a trainer's e-mail,
  draft agreements and who verified are shown to hub staff and admins only.
- ``/capacity/calls`` and ``/capacity/calls/{slug}``: public, with the answer form while
  the call is open; ``/capacity/calls/{slug}/applications``: hub staff review.
- ``/capacity/champions/{slug}``: the call, and the application form for city editors;
  ``…/selection`` (balance, decisions) and ``…/cohort`` (benefits): hub staff.
- ``/capacity/markers`` (and ``.csv``): the portfolio of markers, hub staff.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from sdgcities.accounts.users import user_city_ids
from sdgcities.capacity import calls as cl
from sdgcities.capacity import champions as ch
from sdgcities.capacity import markers as mk
from sdgcities.capacity import partners as pt
from sdgcities.capacity import vocabulary as vocab
from sdgcities.capacity.models import CapacityNeed
from sdgcities.errors import (
    Finding,
    NotFoundError,
    PermissionDeniedError,
    SdgCitiesError,
    ValidationError,
)
from sdgcities.store.models import City
from sdgcities.web import auth
from sdgcities.web.pages._common import PageEnv, form_page_env, page_env
from sdgcities.web.pages._panels import city_panel
from sdgcities.web.templating import render, render_fragment

router = APIRouter(prefix="/capacity")
LOGGED_IN = Depends(auth.require_user)
STAFF = pt.VERIFIER_ROLES
SlugP = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")]
IdP = Annotated[int, Path(ge=1, le=2**62)]


def _is_staff(env: PageEnv) -> bool:
    return env.user is not None and env.user.role in STAFF


def _require_staff(env: PageEnv) -> str:
    if not _is_staff(env):
        raise PermissionDeniedError("hub staff and admins only")
    assert env.user is not None
    return env.user.email


def _problems(err: SdgCitiesError) -> list[str]:
    if isinstance(err, ValidationError) and err.findings:
        return [err.summary] + [
            f"{f.column}: {f.message}"
            + (f" ({f.value})" if f.value else "")
            + (f" — {f.fix}" if f.fix else "")
            for f in err.findings
        ]
    return [str(err)]


def _day(text: str | None, field: str) -> date | None:
    return pt.parse_day(text, field)


# ------------------------------------------------------------------------------ partners
@router.get("/partners", response_class=HTMLResponse)
def partners_page(
    env: PageEnv = Depends(page_env),
    kind: str | None = Query(None, max_length=32, pattern=r"^[a-z_]*$"),
    theme: str | None = Query(None, max_length=64, pattern=r"^[a-z_]*$"),
) -> Response:
    kind = kind if kind in vocab.PROVIDER_KINDS else None
    theme = theme if theme in vocab.themes() else None
    rows = pt.list_providers(env.session, kind=kind, theme=theme)
    staff = _is_staff(env)
    return render(
        env.request,
        "capacity/partners.html",
        {
            "partners": [pt.provider_as_dict(env.session, p, staff=staff) for p in rows],
            "kinds": vocab.PROVIDER_KINDS,
            "themes": vocab.themes(),
            "filters": {"kind": kind, "theme": theme},
        },
    )


def _partner_page(env: PageEnv, provider_id: int, status_code: int = 200, **extra: Any) -> Response:
    staff = _is_staff(env)
    provider = pt.get_provider(env.session, provider_id)
    data = pt.provider_as_dict(env.session, provider, staff=staff, detail=True)
    if not staff:
        data["agreements"] = [a for a in data["agreements"] if a["status"] != "draft"]
    ctx = {
        "p": data,
        "staff": staff,
        "themes": vocab.themes(),
        "agreement_kinds": pt.AGREEMENT_KINDS,
        "engagement_kinds": pt.ENGAGEMENT_KINDS,
        "problems": [],
    }
    ctx.update(extra)
    return render(env.request, "capacity/partner.html", ctx, status_code=status_code)


@router.get("/partners/{provider_id}", response_class=HTMLResponse)
def partner_page(provider_id: IdP, env: PageEnv = Depends(form_page_env)) -> Response:
    return _partner_page(env, provider_id)


@router.post("/partners/{provider_id}/verify", dependencies=[LOGGED_IN, auth.CsrfChecked])
def partner_verify(provider_id: IdP, env: PageEnv = Depends(form_page_env)) -> Response:
    by = _require_staff(env)
    assert env.user is not None
    pt.verify(
        env.session, pt.get_provider(env.session, provider_id), reviewer=by, role=env.user.role
    )
    env.session.commit()
    return RedirectResponse(f"/capacity/partners/{provider_id}", status_code=303)


@router.post("/partners/{provider_id}/agreements", dependencies=[LOGGED_IN, auth.CsrfChecked])
def partner_agreement(
    provider_id: IdP,
    env: PageEnv = Depends(form_page_env),
    kind: str = Form(..., max_length=32),
    title: str = Form(..., max_length=300),
    starts_on: str = Form("", max_length=10),
    ends_on: str = Form("", max_length=10),
    signed_on: str = Form("", max_length=10),
    scope: str = Form("", max_length=5000),
    themes: list[str] = Form([]),
) -> Response:
    by = _require_staff(env)
    try:
        pt.add_agreement(
            env.session,
            pt.get_provider(env.session, provider_id),
            kind=kind,
            title=title,
            starts_on=_day(starts_on, "starts_on"),
            ends_on=_day(ends_on, "ends_on"),
            signed_on=_day(signed_on, "signed_on"),
            scope=scope,
            themes=themes,
            by=by,
        )
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        return _partner_page(env, provider_id, 422, problems=_problems(err))
    return RedirectResponse(f"/capacity/partners/{provider_id}", status_code=303)


@router.post("/partners/{provider_id}/engagements", dependencies=[LOGGED_IN, auth.CsrfChecked])
def partner_engagement(
    provider_id: IdP,
    env: PageEnv = Depends(form_page_env),
    on: str = Form(..., max_length=10),
    kind: str = Form(..., max_length=32),
    title: str = Form(..., max_length=300),
    participants: str = Form("", max_length=9, pattern=r"^[0-9]*$"),
) -> Response:
    by = _require_staff(env)
    try:
        day = _day(on, "on")
        if day is None:
            raise ValidationError("an engagement needs its date", [Finding("empty", column="on")])
        pt.add_engagement(
            env.session,
            pt.get_provider(env.session, provider_id),
            on=day,
            kind=kind,
            title=title,
            participants=int(participants) if participants else None,
            by=by,
        )
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        return _partner_page(env, provider_id, 422, problems=_problems(err))
    return RedirectResponse(f"/capacity/partners/{provider_id}", status_code=303)


# --------------------------------------------------------------------------------- calls
@router.get("/calls", response_class=HTMLResponse)
def calls_page(env: PageEnv = Depends(page_env)) -> Response:
    calls = cl.list_calls(env.session)
    return render(
        env.request,
        "capacity/calls.html",
        {"calls": [(c, cl.is_open(c)) for c in calls]},
    )


def _call_page(env: PageEnv, slug: str, status_code: int = 200, **extra: Any) -> Response:
    call = cl.get_call(env.session, slug, "eoi")
    allowed = list(call.themes or []) or list(vocab.themes())
    ctx: dict[str, Any] = {
        "call": call,
        "open": cl.is_open(call),
        "closes": cl._local(call, call.closes_at),
        "opens": cl._local(call, call.opens_at),
        "themes": vocab.themes(),
        "call_themes": allowed,
        "kinds": vocab.PROVIDER_KINDS,
        "staff": _is_staff(env),
        "problems": [],
        "values": {},
        "saved": None,
    }
    ctx.update(extra)
    return render(env.request, "capacity/call.html", ctx, status_code=status_code)


@router.get("/calls/{slug}", response_class=HTMLResponse)
def call_page(
    slug: SlugP,
    env: PageEnv = Depends(form_page_env),
    saved: int | None = Query(None, ge=1, le=2**62),
) -> Response:
    return _call_page(env, slug, saved=saved)


@router.post("/calls/{slug}", dependencies=[auth.CsrfChecked])
async def call_answer(
    slug: SlugP,
    env: PageEnv = Depends(form_page_env),
    name: str = Form("", max_length=300),
    kind: str = Form("", max_length=32),
    contact_name: str = Form("", max_length=200),
    email: str = Form("", max_length=320),
    country: str = Form("", max_length=3),
    themes: list[str] = Form([]),
    languages: str = Form("en", max_length=200),
    regions: str = Form("", max_length=1000),
    experience: str = Form("", max_length=20000),
    attachments: list[UploadFile] = File([]),
) -> Response:
    """An institution answers the call (anonymous allowed); all or nothing."""
    call = cl.get_call(env.session, slug, "eoi")
    values = {
        "name": name,
        "kind": kind,
        "contact_name": contact_name,
        "email": email,
        "country": country,
        "themes": themes,
        "languages": languages,
        "regions": regions,
        "experience": experience,
    }
    files: list[cl.Attachment] = []
    for up in attachments:
        if not up.filename:
            continue
        content = await up.read(cl.MAX_FILE_BYTES + 1)
        files.append(cl.Attachment(up.filename, up.content_type or "", content))
    try:
        app = cl.submit_eoi(
            env.session,
            call,
            name=name,
            kind=kind,
            email=email,
            themes=themes,
            contact_name=contact_name,
            languages=[x.strip() for x in languages.split(",") if x.strip()],
            regions=[x.strip() for x in regions.split(",") if x.strip()],
            experience=experience,
            country_iso3=country or None,
            attachments=files,
        )
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        status = 409 if isinstance(err, cl.CallClosedError) else 422
        return _call_page(env, slug, status, problems=_problems(err), values=values)
    return RedirectResponse(f"/capacity/calls/{slug}?saved={app.id}", status_code=303)


def _review_page(env: PageEnv, slug: str, status_code: int = 200, **extra: Any) -> Response:
    call = cl.get_call(env.session, slug, "eoi")
    ctx = {
        "call": call,
        "applications": cl.applications(env.session, call),
        "themes": vocab.themes(),
        "problems": [],
    }
    ctx.update(extra)
    return render(env.request, "capacity/call_review.html", ctx, status_code=status_code)


@router.get("/calls/{slug}/applications", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def call_applications(slug: SlugP, env: PageEnv = Depends(form_page_env)) -> Response:
    _require_staff(env)
    return _review_page(env, slug)


@router.post(
    "/calls/{slug}/applications/{application_id}/review",
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def call_review(
    slug: SlugP,
    application_id: IdP,
    env: PageEnv = Depends(form_page_env),
    decision: str = Form(..., pattern=r"^(accepted|rejected)$"),
    score: str = Form("", max_length=6, pattern=r"^[0-9]*(\.[0-9]+)?$"),
    comment: str = Form("", max_length=5000),
) -> Response:
    by = _require_staff(env)
    assert env.user is not None
    app = cl.get_application(env.session, application_id)
    call = cl.get_call(env.session, slug, "eoi")
    if app.call_id != call.id:
        raise NotFoundError(f"no expression of interest {application_id} in {slug!r}")
    try:
        cl.review_application(
            env.session,
            app,
            decision=decision,
            by=by,
            role=env.user.role,
            score=float(score) if score else None,
            comment=comment,
        )
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        return _review_page(env, slug, 422, problems=_problems(err))
    return RedirectResponse(f"/capacity/calls/{slug}/applications", status_code=303)


# ----------------------------------------------------------------------------- champions
def _editable_cities(env: PageEnv) -> list[City]:
    if env.user is None:
        return []
    from sqlalchemy import select

    if env.user.role == "admin":
        return list(env.session.scalars(select(City).order_by(City.name).limit(2000)))
    ids = user_city_ids(env.session, env.user.id) if env.user.role == "city_editor" else set()
    if not ids:
        return []
    return list(
        env.session.scalars(select(City).where(City.id.in_(sorted(ids))).order_by(City.name))
    )


def _champions_page(env: PageEnv, slug: str, status_code: int = 200, **extra: Any) -> Response:
    from sqlalchemy import select

    call = cl.get_call(env.session, slug, "champions")
    cities = _editable_cities(env)
    needs = (
        env.session.scalars(
            select(CapacityNeed)
            .where(CapacityNeed.city_id.in_([c.id for c in cities]))
            .order_by(CapacityNeed.id)
        ).all()
        if cities
        else []
    )
    ctx: dict[str, Any] = {
        "call": call,
        "open": cl.is_open(call),
        "closes": cl._local(call, call.closes_at),
        "opens": cl._local(call, call.opens_at),
        "cities": cities,
        "needs": needs,
        "staff": _is_staff(env),
        "period": ch.cohort_period(call),
        "problems": [],
        "values": {},
        "saved": None,
    }
    ctx.update(extra)
    return render(env.request, "capacity/champions.html", ctx, status_code=status_code)


@router.get("/champions/{slug}", response_class=HTMLResponse)
def champions_page(
    slug: SlugP,
    env: PageEnv = Depends(form_page_env),
    saved: int | None = Query(None, ge=1, le=2**62),
) -> Response:
    return _champions_page(env, slug, saved=saved)


@router.post("/champions/{slug}", dependencies=[LOGGED_IN, auth.CsrfChecked])
def champions_apply(
    slug: SlugP,
    env: PageEnv = Depends(form_page_env),
    city: int = Form(..., ge=1, le=2**62),
    commitment: str = Form("", max_length=20000),
    need_summary: str = Form("", max_length=20000),
    need_ids: list[int] = Form([]),
) -> Response:
    assert env.user is not None
    if city not in {c.id for c in _editable_cities(env)}:
        raise PermissionDeniedError("you may apply only for the cities you edit")
    call = cl.get_call(env.session, slug, "champions")
    values = {"city": city, "commitment": commitment, "need_summary": need_summary}
    try:
        app = ch.apply(
            env.session,
            call,
            city_id=city,
            commitment=commitment,
            need_summary=need_summary,
            need_ids=need_ids,
            contact_email=env.user.email,
            by=env.user.email,
        )
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        status = 409 if isinstance(err, cl.CallClosedError) else 422
        return _champions_page(env, slug, status, problems=_problems(err), values=values)
    return RedirectResponse(f"/capacity/champions/{slug}?saved={app.id}", status_code=303)


def _selection_page(env: PageEnv, slug: str, status_code: int = 200, **extra: Any) -> Response:
    call = cl.get_call(env.session, slug, "champions")
    ctx = {
        "call": call,
        "applications": ch.applications(env.session, call),
        "balance": ch.balance(env.session, call),
        "problems": [],
    }
    ctx.update(extra)
    return render(env.request, "capacity/champions_selection.html", ctx, status_code=status_code)


@router.get("/champions/{slug}/selection", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def champions_selection(slug: SlugP, env: PageEnv = Depends(form_page_env)) -> Response:
    _require_staff(env)
    return _selection_page(env, slug)


@router.post(
    "/champions/{slug}/applications/{application_id}/decision",
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def champions_decide(
    slug: SlugP,
    application_id: IdP,
    env: PageEnv = Depends(form_page_env),
    decision: str = Form(..., pattern=r"^(selected|not_selected)$"),
    reason: str = Form("", max_length=5000),
) -> Response:
    by = _require_staff(env)
    assert env.user is not None
    app = ch.get_application(env.session, application_id)
    try:
        ch.decide(env.session, app, decision=decision, reason=reason, by=by, role=env.user.role)
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        return _selection_page(env, slug, 422, problems=_problems(err))
    return RedirectResponse(f"/capacity/champions/{slug}/selection", status_code=303)


def _cohort_page(env: PageEnv, slug: str, status_code: int = 200, **extra: Any) -> Response:
    call = cl.get_call(env.session, slug, "champions")
    ctx = {
        "call": call,
        "cohort": ch.cohort(env.session, call),
        "period": ch.cohort_period(call),
        "kinds": ch.BENEFIT_KINDS,
        "problems": [],
    }
    ctx.update(extra)
    return render(env.request, "capacity/champions_cohort.html", ctx, status_code=status_code)


@router.get("/champions/{slug}/cohort", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def champions_cohort(slug: SlugP, env: PageEnv = Depends(form_page_env)) -> Response:
    _require_staff(env)
    return _cohort_page(env, slug)


@router.post(
    "/champions/{slug}/applications/{application_id}/benefits",
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def champions_benefit(
    slug: SlugP,
    application_id: IdP,
    env: PageEnv = Depends(form_page_env),
    kind: str = Form(..., max_length=16),
    title: str = Form(..., max_length=300),
    on: str = Form(..., max_length=10),
    attended: str = Form("", pattern=r"^(|yes|no)$"),
) -> Response:
    by = _require_staff(env)
    try:
        day = _day(on, "on")
        if day is None:
            raise ValidationError("a benefit needs its date", [Finding("empty", column="on")])
        ch.add_benefit(
            env.session,
            ch.get_application(env.session, application_id),
            kind=kind,
            title=title,
            on=day,
            attended={"yes": True, "no": False}.get(attended),
            by=by,
        )
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        return _cohort_page(env, slug, 422, problems=_problems(err))
    return RedirectResponse(f"/capacity/champions/{slug}/cohort", status_code=303)


# ------------------------------------------------------------------------------- markers
def _markers_page(env: PageEnv, status_code: int = 200, **extra: Any) -> Response:
    frame = mk.portfolio(env.session)
    rows = frame.to_dict("records")
    peak = max((int(r["total"]) for r in rows), default=0)
    ctx = {
        "rows": rows,
        "peak": peak,
        "criteria": mk.criteria(),
        "problems": [],
        "values": {},
    }
    ctx.update(extra)
    return render(env.request, "capacity/markers.html", ctx, status_code=status_code)


@router.get("/markers", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def markers_page(env: PageEnv = Depends(form_page_env)) -> Response:
    _require_staff(env)
    return _markers_page(env)


@router.get("/markers.csv", dependencies=[LOGGED_IN])
def markers_csv(env: PageEnv = Depends(page_env)) -> Response:
    _require_staff(env)
    buf = io.StringIO()
    mk.portfolio(env.session).to_csv(buf, index=False)
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="capacity-markers.csv"'},
    )


@router.post("/markers", dependencies=[LOGGED_IN, auth.CsrfChecked])
def markers_record(
    env: PageEnv = Depends(form_page_env),
    reference: str = Form("", max_length=64),
    title: str = Form("", max_length=300),
    unit: str = Form("", max_length=200),
    year: int = Form(..., ge=1900, le=2200),
    marker: int = Form(..., ge=0, le=2),
    met: list[str] = Form([]),
    justification: str = Form("", max_length=5000),
) -> Response:
    by = _require_staff(env)
    values = {"reference": reference, "title": title, "unit": unit, "year": year, "marker": marker}
    try:
        mk.record_marker(
            env.session,
            reference=reference,
            title=title,
            unit=unit,
            year=year,
            marker=marker,
            answers=dict.fromkeys(met, True),
            justification=justification,
            by=by,
        )
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        return _markers_page(env, 422, problems=_problems(err), values=values)
    return RedirectResponse("/capacity/markers", status_code=303)


# ------------------------------------------------------------------- city page panel
def _may_open_needs(env: PageEnv, city: City) -> bool:
    from sdgcities.accounts.permissions import can_edit_city, can_review

    user = env.user
    if user is None or not user.active:
        return False
    return can_edit_city(user, city.id, env.session) or can_review(user, city.id, env.session)


@city_panel("capacity_needs", order=40, present=_may_open_needs)
def needs_panel(env: PageEnv, city: City) -> Markup | None:
    """The city's red indicators, each with a button that opens a capacity need from it.

    Shown to those who may open needs for the city (its editors, the hub serving it,
    the global hub, admins); the colours are the published scores' (SDSN method).
    """
    if not _may_open_needs(env, city):
        return None
    from sdgcities.web.pages.city import all_scores

    scores = all_scores(env)
    if scores is None:
        return None
    ind = scores.indicators
    reds = ind[(ind["city_id"] == city.id) & (ind["colour"] == "red")]
    rows = [
        {
            "code": str(r["indicator"]),
            "score": None if r["score"] != r["score"] else float(r["score"]),
            "year": None if r["year"] != r["year"] else int(r["year"]),
        }
        for _i, r in reds.sort_values("indicator").iterrows()
    ]
    return render_fragment(
        "capacity/city_needs_panel.html",
        {
            "city": city,
            "reds": rows,
            "csrf_token": auth.csrf_token(env.request),
            "lang": getattr(env.request.state, "lang", "en"),
        },
    )
