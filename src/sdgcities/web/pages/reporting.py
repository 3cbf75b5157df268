"""The city's Voluntary Local Review draft: edit its narrative blocks, preview, download.

The city's staff (its editors, its hub, admins) see the page; its editors and admins
edit the blocks, which are kept across regenerations. The preview and downloads use
published values, or with ``?drafts=1`` the city's current drafts (the document says so).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Path, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sdgcities.accounts import permissions
from sdgcities.cities.service import get_city
from sdgcities.errors import NotFoundError, ValidationError
from sdgcities.reporting import narrative, vlr
from sdgcities.store.models import City
from sdgcities.web import auth
from sdgcities.web.pages._common import PageEnv, form_page_env, page_env
from sdgcities.web.templating import render

router = APIRouter()
LOGGED_IN = Depends(auth.require_user)
DRAFTS = Query(False, description="include the city's current drafts")


def _staff_city(env: PageEnv, slug: str) -> City:
    city = get_city(env.session, slug)
    if not permissions.can_see_drafts(env.user, city.id, env.session):
        raise NotFoundError(f"no VLR draft of {slug!r} for this account")
    return city


def _edit_page(env: PageEnv, city: City, status_code: int = 200, **extra: object) -> Response:
    ctx = {
        "city": city,
        "blocks": narrative.blocks(env.session, vlr.DOCUMENT, city.slug, vlr.BLOCKS),
        "titles": vlr.BLOCK_TITLES,
        "may_edit": permissions.can_edit_city(env.user, city.id, env.session),
        "problems": [],
        "message": None,
    }
    ctx.update(extra)
    return render(env.request, "reporting/vlr_edit.html", ctx, status_code=status_code)


@router.get("/cities/{slug}/vlr", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def vlr_page(slug: str, env: PageEnv = Depends(form_page_env), done: str = "") -> Response:
    """The narrative blocks of the city's VLR draft, with preview and download links."""
    return _edit_page(env, _staff_city(env, slug), message=done[:300] or None)


@router.post(
    "/cities/{slug}/vlr/blocks/{key}",
    response_class=HTMLResponse,
    dependencies=[LOGGED_IN, auth.CsrfChecked],
)
def save_block_form(
    slug: str,
    key: str = Path(max_length=64),
    env: PageEnv = Depends(form_page_env),
    text: str = Form("", max_length=60_000),
) -> Response:
    city = _staff_city(env, slug)
    try:
        vlr.save_block(env.session, city.id, key, text, user=env.user)
    except ValidationError as err:
        env.session.rollback()
        return _edit_page(env, city, 422, problems=[err.summary, *map(str, err.findings)])
    env.session.commit()
    return RedirectResponse(f"/cities/{city.slug}/vlr?done=saved#block-{key}", status_code=303)


@router.get("/cities/{slug}/vlr/draft.html", response_class=HTMLResponse, dependencies=[LOGGED_IN])
def vlr_html(slug: str, env: PageEnv = Depends(page_env), drafts: bool = DRAFTS) -> Response:
    """The VLR draft as one HTML page (published values unless ``drafts``)."""
    city = _staff_city(env, slug)
    draft = vlr.build(env.session, city.id, user=env.user, include_drafts=drafts)
    return HTMLResponse(vlr.render_html(draft))


@router.get("/cities/{slug}/vlr/draft.pdf", dependencies=[LOGGED_IN])
def vlr_pdf(slug: str, env: PageEnv = Depends(page_env), drafts: bool = DRAFTS) -> Response:
    """The VLR draft as PDF ("draft" on every page)."""
    city = _staff_city(env, slug)
    draft = vlr.build(env.session, city.id, user=env.user, include_drafts=drafts)
    return Response(
        vlr.render_pdf(draft),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{city.slug}-vlr-draft.pdf"'},
    )
