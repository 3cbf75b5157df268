"""Administration: accounts, roles, and the cities each city editor may edit (admins only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sdgcities.accounts import users
from sdgcities.cities.service import list_cities
from sdgcities.errors import ConflictError, NotFoundError, ValidationError
from sdgcities.store.models import ROLES
from sdgcities.web import auth
from sdgcities.web.deps import IdPath
from sdgcities.web.i18n import gettext as _
from sdgcities.web.pages._common import PageEnv, form_page_env
from sdgcities.web.templating import render

router = APIRouter(prefix="/admin")

ADMIN = Depends(auth.require_role("admin"))


def _page(env: PageEnv, status_code: int = 200, **extra: Any) -> Response:
    accounts = users.list_users(env.session)
    ctx = {
        "accounts": accounts,
        "granted": users.cities_of(env.session, accounts),
        "roles": ROLES,
        "cities": list_cities(env.session, limit=2000),
        "message": None,
        "problems": [],
    }
    ctx.update(extra)
    return render(env.request, "admin.html", ctx, status_code=status_code)


def _done(message: str) -> Response:
    from urllib.parse import quote

    return RedirectResponse(f"/admin?done={quote(message)}", status_code=303)


@router.get("", response_class=HTMLResponse, dependencies=[ADMIN])
def admin_page(env: PageEnv = Depends(form_page_env), done: str = "") -> Response:
    return _page(env, message=done[:300] or None)


@router.post("/users", response_class=HTMLResponse, dependencies=[ADMIN, auth.CsrfChecked])
def add_user(
    env: PageEnv = Depends(form_page_env),
    email: str = Form(..., max_length=320),
    name: str = Form("", max_length=200),
    password: str = Form(..., max_length=1000),
    role: str = Form("learner", max_length=32),
    region: str = Form("", max_length=200),
) -> Response:
    try:
        users.create_user(
            env.session, email=email, password=password, role=role, name=name, region=region or None
        )
    except ValidationError as err:
        return _page(env, 422, problems=[str(f) for f in err.findings] or [err.summary])
    except ConflictError as err:
        return _page(env, 409, problems=[str(err)])
    return _done(_("Account %(email)s created.", email=email.strip().lower()))


@router.post(
    "/users/{user_id}/role", response_class=HTMLResponse, dependencies=[ADMIN, auth.CsrfChecked]
)
def change_role(
    user_id: IdPath,
    env: PageEnv = Depends(form_page_env),
    role: str = Form(..., max_length=32),
    region: str = Form("", max_length=200),
    active: str = Form("1", max_length=1),
) -> Response:
    try:
        user = users.set_role(env.session, user_id, role, region=region or None)
        if env.user is not None and user.id == env.user.id and (role != "admin" or active != "1"):
            env.session.rollback()
            return _page(env, 409, problems=[_("You cannot remove your own admin rights.")])
        users.set_active(env.session, user_id, active == "1")
    except (ValidationError, NotFoundError) as err:
        return _page(env, 422, problems=[str(err)])
    return _done(_("Account %(email)s updated.", email=user.email))


@router.post(
    "/users/{user_id}/cities", response_class=HTMLResponse, dependencies=[ADMIN, auth.CsrfChecked]
)
def change_cities(
    user_id: IdPath,
    env: PageEnv = Depends(form_page_env),
    city: str = Form(..., max_length=200),
    action: str = Form("grant", pattern="^(grant|revoke)$"),
) -> Response:
    try:
        if action == "grant":
            users.grant_city(env.session, user_id, city)
        else:
            users.revoke_city(env.session, user_id, city)
    except (ValidationError, NotFoundError) as err:
        return _page(
            env,
            422,
            problems=[
                getattr(err, "summary", str(err)),
                *[str(f) for f in getattr(err, "findings", [])],
            ],
        )
    return _done(_("Cities updated."))
