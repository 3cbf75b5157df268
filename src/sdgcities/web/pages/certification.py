"""Certification pages: a city's stage ladder and evidence, one application, the hub's
review queue, the public verification page of a certificate.

City editors open an application for the next stage, attach evidence that points at
records already in the platform and submit once the automatic check passes; the staff
of the regional hub serving the city (and admins) approve, decline or request changes.
Anyone can verify a certificate by its code. Certification never ranks cities and never
judges whether a target was met — the pages say so.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from sdgcities.accounts import permissions
from sdgcities.certification import service
from sdgcities.certification.evidence import evidence_kind
from sdgcities.certification.stages import get_stage, load_stages
from sdgcities.certification.workflow import WORKFLOW
from sdgcities.cities.service import get_city
from sdgcities.errors import ConflictError, NotFoundError, ValidationError
from sdgcities.store.models import City
from sdgcities.web import auth
from sdgcities.web.i18n import gettext as _
from sdgcities.web.pages._common import PageEnv, form_page_env, page_env
from sdgcities.web.pages._panels import city_panel
from sdgcities.web.templating import render, render_fragment

router = APIRouter()

LOGGED_IN = Depends(auth.require_user)
AppId = Path(ge=1, le=2**31 - 1)
NO_RANKING = (
    "Certification recognises the completion of stages the city chose. It never ranks "
    "cities, never compares their outcomes and never judges whether a target was met."
)


def _problems(err: Exception) -> list[str]:
    summary = getattr(err, "summary", None) or str(err)
    return [summary, *[str(f) for f in getattr(err, "findings", [])]]


def _status(err: Exception) -> int:
    return 422 if isinstance(err, ValidationError) else 409


@router.get("/cities/{slug}/certification", response_class=HTMLResponse)
def city_page(slug: str, env: PageEnv = Depends(form_page_env), done: str = "") -> Response:
    """The city's stage ladder; its staff also see the applications and their evidence."""
    city = get_city(env.session, slug)
    staff = permissions.can_see_drafts(env.user, city.id, env.session)
    return render(
        env.request,
        "certification/city.html",
        {
            "city": city,
            "ladder": service.ladder(env.session, city.id),
            "applications": service.applications_of(env.session, city.id) if staff else [],
            "may_edit": permissions.can_edit_city(env.user, city.id, env.session),
            "no_ranking": _(NO_RANKING),
            "message": done[:300] or None,
            "problems": [],
        },
    )


@router.post(
    "/cities/{slug}/certification/apply",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def apply_form(
    slug: str, env: PageEnv = Depends(form_page_env), stage: int = Form(..., ge=1, le=9)
) -> Response:
    """Open (or return to) the city's application for a stage."""
    city = get_city(env.session, slug)
    try:
        app = service.open_application(env.session, city.id, stage, actor=env.user)
    except (ValidationError, ConflictError) as err:
        env.session.rollback()
        return render(
            env.request,
            "certification/city.html",
            {
                "city": city,
                "ladder": service.ladder(env.session, city.id),
                "applications": service.applications_of(env.session, city.id),
                "may_edit": True,
                "no_ranking": _(NO_RANKING),
                "message": None,
                "problems": _problems(err),
            },
            status_code=_status(err),
        )
    app_id = app.id
    env.session.commit()
    return RedirectResponse(f"/certification/applications/{app_id}", status_code=303)


def _candidates(env: PageEnv, app_city: int, kinds: list[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for kind in kinds:
        registered = evidence_kind(kind)
        if registered is not None and registered.candidates is not None:
            out[kind] = registered.candidates(env.session, app_city)
    return out


def _detail(env: PageEnv, application_id: int, status_code: int = 200, **extra: Any) -> Response:
    app = service.get_application(env.session, application_id, user=env.user)
    city = env.session.get(City, app.city_id)
    stage = get_stage(app.stage)
    kinds = [r.evidence for r in stage.requirements if r.evidence]
    allowed = set(WORKFLOW.allowed_actions(app.state))
    ctx: dict[str, Any] = {
        "app": app,
        "city": city,
        "stage": stage,
        "check": service.check_application(env.session, app),
        "evidence": service.evidence_of(env.session, app.id),
        "log": service.history(env.session, app.id),
        "kinds": kinds,
        "registered": {k: evidence_kind(k) is not None for k in kinds},
        "candidates": _candidates(env, app.city_id, kinds),
        "may_edit": permissions.can_edit_city(env.user, app.city_id, env.session)
        and "submit" in allowed,
        "may_review": service.can_certify(env.user, app.city_id, env.session)
        and "approve" in allowed,
        "certificate": service.certificate_of(env.session, app.id),
        "no_ranking": _(NO_RANKING),
        "problems": [],
        "message": None,
    }
    ctx.update(extra)
    return render(env.request, "certification/application.html", ctx, status_code=status_code)


@router.get(
    "/certification/applications/{application_id}",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN],
)
def application_page(
    application_id: int = AppId, env: PageEnv = Depends(form_page_env), done: str = ""
) -> Response:
    """One application: the completeness check, the evidence, the audit trail, the forms."""
    return _detail(env, application_id, message=done[:300] or None)


def _act(env: PageEnv, application_id: int, fn: Any, done: str) -> Response:
    try:
        fn()
    except (ValidationError, ConflictError, NotFoundError) as err:
        env.session.rollback()
        if isinstance(err, NotFoundError):
            status = 404
            service.get_application(env.session, application_id, user=env.user)
        else:
            status = _status(err)
        return _detail(env, application_id, status, problems=_problems(err))
    env.session.commit()
    env.cache.invalidate()
    return RedirectResponse(
        f"/certification/applications/{application_id}?done={quote(done)}", status_code=303
    )


@router.post(
    "/certification/applications/{application_id}/evidence",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def add_evidence_form(
    application_id: int = AppId,
    env: PageEnv = Depends(form_page_env),
    kind: str = Form(..., max_length=64),
    ref: str = Form(..., max_length=200),
    note: str = Form("", max_length=2000),
) -> Response:
    return _act(
        env,
        application_id,
        lambda: service.add_evidence(
            env.session, application_id, kind, ref, actor=env.user, note=note
        ),
        _("Evidence attached."),
    )


@router.post(
    "/certification/applications/{application_id}/evidence/{evidence_id}/remove",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def remove_evidence_form(
    application_id: int = AppId,
    evidence_id: int = Path(ge=1, le=2**31 - 1),
    env: PageEnv = Depends(form_page_env),
) -> Response:
    return _act(
        env,
        application_id,
        lambda: service.remove_evidence(env.session, application_id, evidence_id, actor=env.user),
        _("Evidence removed."),
    )


@router.post(
    "/certification/applications/{application_id}/submit",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def submit_form(
    application_id: int = AppId,
    env: PageEnv = Depends(form_page_env),
    comment: str = Form("", max_length=2000),
) -> Response:
    return _act(
        env,
        application_id,
        lambda: service.submit(env.session, application_id, actor=env.user, comment=comment),
        _("Submitted: the regional hub serving the city reviews it now."),
    )


@router.post(
    "/certification/applications/{application_id}/review",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def review_form(
    application_id: int = AppId,
    env: PageEnv = Depends(form_page_env),
    action: str = Form(..., pattern="^(approve|decline|request_changes)$"),
    comment: str = Form("", max_length=2000),
) -> Response:
    done = {
        "approve": _("Approved: the certificate is issued."),
        "decline": _("Declined, with your reason."),
        "request_changes": _("Sent back to the city with your comment."),
    }[action]
    return _act(
        env,
        application_id,
        lambda: service.review(
            env.session, application_id, action, actor=env.user, comment=comment
        ),
        done,
    )


@router.get("/certification/review", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def queue_page(env: PageEnv = Depends(form_page_env)) -> Response:
    """Applications waiting for the reader's review (regional hub staff, admins)."""
    if service.certifiable_city_ids(env.user, env.session) == set():
        from sdgcities.errors import PermissionDeniedError

        raise PermissionDeniedError(
            "the certification review queue is for the staff of regional hubs and admins"
        )
    apps = service.review_queue(env.session, user=env.user)
    cities = {a.city_id: env.session.get(City, a.city_id) for a in apps}
    return render(
        env.request,
        "certification/queue.html",
        {"apps": apps, "cities": cities, "stages": load_stages(), "no_ranking": _(NO_RANKING)},
    )


@router.get("/certification/verify/{code}", response_class=HTMLResponse)
def verify_page(code: str = Path(max_length=64), env: PageEnv = Depends(page_env)) -> Response:
    """The public verification of a certificate: city, stage, date, valid or revoked."""
    try:
        v = service.verify(env.session, code)
    except NotFoundError as err:
        return render(
            env.request,
            "certification/verify.html",
            {"v": None, "code": code, "problem": str(err), "no_ranking": _(NO_RANKING)},
            status_code=404,
        )
    return render(
        env.request,
        "certification/verify.html",
        {"v": v, "code": v.code, "problem": None, "no_ranking": _(NO_RANKING)},
    )


@router.get("/certification/certificates/{code}.pdf")
def certificate_pdf(code: str = Path(max_length=64), env: PageEnv = Depends(page_env)) -> Response:
    """The certificate as PDF, with a QR code to its verification page."""
    from sdgcities.certification.document import certificate_pdf as make_pdf

    base = str(env.request.base_url).rstrip("/")
    pdf = make_pdf(env.session, code, base_url=base)
    name = service.find_certificate(env.session, code).code
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="sdg-cities-certificate-{name}.pdf"'
        },
    )


@router.post(
    "/certification/certificates/{code}/revoke",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def revoke_form(
    code: str = Path(max_length=64),
    env: PageEnv = Depends(form_page_env),
    reason: str = Form(..., max_length=2000),
) -> Response:
    """Revoke a certificate (admins), with the reason the verification page shows."""
    cert = service.revoke(env.session, code, actor=env.user, reason=reason)
    done = cert.code
    env.session.commit()
    return RedirectResponse(f"/certification/verify/{done}", status_code=303)


@city_panel("certification", order=50)
def certification_panel(env: PageEnv, city: City) -> Markup | None:
    """The stages the city has reached, with a link to its certification page."""
    return render_fragment(
        "certification/city_panel.html",
        {"city": city, "ladder": service.ladder(env.session, city.id)},
    )
