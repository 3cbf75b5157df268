"""Entering a revenue diagnostic on the web, and the revenue panel of the city page.

A city's editors upload a streams CSV for a fiscal year on ``/cities/{slug}/revenue``
(through :func:`sdgcities.revenue.service.import_diagnostic`: validated whole, nothing
written when a row is wrong); it is a draft until published (``sdgcities revenue
publish``, or at once by an admin or the global hub who tick "publish").
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from sdgcities.accounts.permissions import can_edit_city, can_publish_directly
from sdgcities.cities.service import get_city
from sdgcities.errors import NotFoundError, PermissionDeniedError, SdgCitiesError
from sdgcities.revenue.models import RevenueDiagnostic
from sdgcities.revenue.service import import_diagnostic, list_diagnostics
from sdgcities.store.models import City
from sdgcities.web import auth
from sdgcities.web.errors import status_of
from sdgcities.web.pages._common import PageEnv, page_env
from sdgcities.web.pages._panels import city_panel, exists_for
from sdgcities.web.templating import render_fragment

router = APIRouter()


def upload_context(env: PageEnv, city: City) -> dict[str, Any]:
    """What the revenue page needs to show the upload form (to the city's editors only)."""
    editor = can_edit_city(env.user, city.id, env.session)
    if editor:
        env.request.state.csrf_token = auth.csrf_token(env.request)
    return {
        "can_upload": editor,
        "can_publish": can_publish_directly(env.user),
        "upload_problems": [],
    }


@router.post(
    "/cities/{slug}/revenue/upload",
    response_class=HTMLResponse,
    dependencies=[Depends(auth.require_user), auth.CsrfChecked],
)
def upload(
    slug: str,
    env: PageEnv = Depends(page_env),
    file: UploadFile = File(...),
    year: int = Form(..., ge=1900, le=2100),
    currency: str = Form("", max_length=3),
    replace: bool = Form(False),
    publish: bool = Form(False),
) -> Response:
    """Store the uploaded streams as the city's diagnostic for ``year``; show every finding."""
    from sdgcities.web.pages.planning import _problems, saved_upload
    from sdgcities.web.pages.revenue import render_revenue

    city = get_city(env.session, slug)
    if not can_edit_city(env.user, city.id, env.session):
        raise PermissionDeniedError(f"only {city.name}'s editors enter its revenue diagnostic")
    try:
        with saved_upload(env, file, (".csv",)) as path:
            import_diagnostic(
                env.session,
                city.id,
                path,
                year=year,
                currency=currency.strip() or None,
                publish=publish and can_publish_directly(env.user),
                replace=replace,
            )
        env.session.commit()
    except SdgCitiesError as err:
        env.session.rollback()
        return render_revenue(env, slug, None, problems=_problems(err), status_code=status_of(err))
    env.cache.invalidate()
    return RedirectResponse(f"/cities/{city.slug}/revenue?year={year}", status_code=303)


_HAS_PUBLISHED = exists_for(RevenueDiagnostic.city_id, RevenueDiagnostic.is_published.is_(True))


def _revenue_present(env: PageEnv, city: City) -> Any:
    """Editors see the panel (to start a diagnostic); others only when one is published."""
    return True if can_edit_city(env.user, city.id, env.session) else _HAS_PUBLISHED


@city_panel("revenue", order=30, present=_revenue_present)
def revenue_panel(env: PageEnv, city: City) -> Markup | None:
    """The newest published diagnostic's headline (potential, collected, recoverable)."""
    try:
        items = list_diagnostics(env.session, city.id, published_only=True)
    except NotFoundError:
        return None
    d = items[0] if items else None
    editor = can_edit_city(env.user, city.id, env.session)
    if d is None and not editor:
        return None
    return render_fragment("revenue/city_panel.html", {"city": city, "d": d, "editor": editor})
