"""Assessment pages: a city's institutional and digital-capacity questionnaires.

A city's answers, evidence and profile are seen by its editors, the hub serving it, the
global hub and admins (log in; 404 for other accounts). Editors answer (form or CSV);
editors and reviewers open capacity needs from the gaps, the link kept.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sdgcities.accounts.permissions import can_edit_city, can_see_drafts
from sdgcities.cities.service import get_city
from sdgcities.errors import NotFoundError, SdgCitiesError
from sdgcities.institutions import service as svc
from sdgcities.institutions.questionnaire import AnswerIn, builtin, builtins
from sdgcities.store.models import City
from sdgcities.web import auth
from sdgcities.web.errors import status_of
from sdgcities.web.pages._common import PageEnv, form_page_env
from sdgcities.web.pages.planning import SLUG, _problems, saved_upload
from sdgcities.web.templating import render

router = APIRouter()
LOGGED_IN = Depends(auth.require_user)
QID = PathParam(..., pattern=r"^[a-z][a-z0-9_-]{0,63}$")
BAR_W, BAR_H, LABEL_W = 360.0, 26.0, 210.0


def _city_for_staff(env: PageEnv, slug: str) -> City:
    city = get_city(env.session, slug)
    if not can_see_drafts(env.user, city.id, env.session):
        raise NotFoundError(f"no assessments of {city.name} that you may see")
    return city


def bars(profile: dict[str, Any], threshold: float) -> dict[str, Any]:
    """An SVG bar chart of the area scores (0–100), with the gap threshold drawn."""
    rows = []
    for i, a in enumerate(profile["areas"]):
        score = a["score"]
        rows.append(
            {
                "y": i * (BAR_H + 8),
                "title": a["title"],
                "score": score,
                "w": 0.0 if score is None else BAR_W * score / 100.0,
            }
        )
    return {
        "rows": rows,
        "height": len(rows) * (BAR_H + 8) + 20,
        "width": LABEL_W + BAR_W + 60,
        "label_w": LABEL_W,
        "bar_w": BAR_W,
        "bar_h": BAR_H,
        "threshold_x": LABEL_W + BAR_W * threshold / 100.0,
    }


@router.get("/cities/{slug}/assessments", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def assessments_page(slug: str = SLUG, env: PageEnv = Depends(form_page_env)) -> Response:
    city = _city_for_staff(env, slug)
    items = []
    for q in builtins():
        cp = svc.city_profile(env.session, city, q.id)
        items.append({"q": q, "overall": cp.profile.overall, "answered": len(cp.answers)})
    return render(env.request, "institutions/list.html", {"city": city, "items": items})


def _profile_page(
    env: PageEnv, city: City, qid: str, *, status_code: int = 200, problems: list[str] | None = None
) -> Response:
    cp = svc.city_profile(env.session, city, qid)
    data = cp.as_dict(staff=True)
    return render(
        env.request,
        "institutions/profile.html",
        {
            "city": city,
            "q": cp.questionnaire,
            "p": data,
            "answers": cp.answers,
            "chart": bars(data, cp.questionnaire.gap_threshold),
            "editor": can_edit_city(env.user, city.id, env.session),
            "problems": problems or [],
        },
        status_code=status_code,
    )


@router.get(
    "/cities/{slug}/assessments/{qid}", response_class=HTMLResponse, dependencies=[LOGGED_IN]
)
def profile_page(
    slug: str = SLUG, qid: str = QID, env: PageEnv = Depends(form_page_env)
) -> Response:
    city = _city_for_staff(env, slug)
    builtin(qid)  # 404 for an unknown questionnaire
    return _profile_page(env, city, qid)


def _done(env: PageEnv, slug: str, qid: str, fn: Any) -> Response:
    city = _city_for_staff(env, slug)
    builtin(qid)
    try:
        fn(city)
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        city = get_city(env.session, slug)
        return _profile_page(env, city, qid, status_code=status_of(err), problems=_problems(err))
    return RedirectResponse(f"/cities/{city.slug}/assessments/{qid}", status_code=303)


CHECKED = [LOGGED_IN, auth.CsrfChecked]


@router.post("/cities/{slug}/assessments/{qid}/answers", dependencies=CHECKED)
async def post_answers(
    request: Request, slug: str = SLUG, qid: str = QID, env: PageEnv = Depends(form_page_env)
) -> Response:
    """The answer form: ``value-<question>`` (empty: not answered), ``evidence-…``, ``url-…``."""
    form = await request.form()
    q = builtin(qid)
    answers = []
    for qq in q.questions.values():
        raw = str(form.get(f"value-{qq.id}", "") or "").strip()
        if not raw:
            continue
        answers.append(
            AnswerIn(
                qq.id,
                raw,
                str(form.get(f"evidence-{qq.id}", "") or "")[:5000],
                str(form.get(f"url-{qq.id}", "") or "")[:2000],
            )
        )
    return _done(env, slug, qid, lambda c: svc.answer(env.session, c, q, answers, env.user))


@router.post("/cities/{slug}/assessments/{qid}/upload", dependencies=CHECKED)
def post_upload(
    slug: str = SLUG,
    qid: str = QID,
    env: PageEnv = Depends(form_page_env),
    file: UploadFile = File(...),
) -> Response:
    def run(c: City) -> None:
        with saved_upload(env, file, (".csv",)) as path:
            svc.answer(env.session, c, qid, svc.read_answers_csv(path), env.user, file=path.name)

    return _done(env, slug, qid, run)


@router.post("/cities/{slug}/assessments/{qid}/needs", dependencies=CHECKED)
def post_needs(slug: str = SLUG, qid: str = QID, env: PageEnv = Depends(form_page_env)) -> Response:
    return _done(env, slug, qid, lambda c: svc.open_needs_from_gaps(env.session, c, qid, env.user))
