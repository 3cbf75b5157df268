"""Data: upload observations (city editors), the validation report, history, provenance.

What each reader sees follows :mod:`sdgcities.observations.visibility`: the public sees
published versions and no personal data (no e-mail addresses, no draft reasons); a
city's editors, its hub and admins see its drafts and who recorded them.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from sdgcities.accounts.permissions import (
    can_publish_directly,
    can_see_drafts,
    draft_city_ids,
    editable_city_ids,
)
from sdgcities.config import UPLOAD_SUFFIXES
from sdgcities.errors import InputFileError, ValidationError
from sdgcities.observations.importer import import_observations
from sdgcities.observations.service import history, provenance_of, resolve_city
from sdgcities.observations.visibility import visible
from sdgcities.store.models import City, ImportBatch, Observation
from sdgcities.web import auth
from sdgcities.web.deps import IdPath, get_engine, get_settings_dep
from sdgcities.web.i18n import gettext as _
from sdgcities.web.pages._common import PageEnv, form_page_env, page_env
from sdgcities.web.pages._provenance import provenance_fields
from sdgcities.web.templating import render

logger = logging.getLogger(__name__)
router = APIRouter()


def _editable(env: PageEnv) -> list[City]:
    ids = editable_city_ids(env.user, env.session)
    stmt = select(City).order_by(City.name)
    if ids is not None:
        if not ids:
            return []
        stmt = stmt.where(City.id.in_(ids))
    return list(env.session.scalars(stmt.limit(200)))


@dataclass(frozen=True)
class ImportRow:
    """An import as the reader may see it (``user``/``reason`` empty when not staff)."""

    batch: ImportBatch
    user: str
    reason: str


def _recent_imports(env: PageEnv) -> list[ImportRow]:
    """The ten newest imports whose values the reader may see, by whom only for staff."""
    drafts = draft_city_ids(env.user, env.session)
    seen = (
        select(Observation.id)
        .where(Observation.import_id == ImportBatch.id, visible(drafts))
        .exists()
    )
    batches = list(
        env.session.scalars(
            select(ImportBatch)
            .where(ImportBatch.kind == "observations", seen)
            .order_by(ImportBatch.id.desc())
            .limit(10)
        )
    )
    out: list[ImportRow] = []
    for b in batches:
        cities = set(
            env.session.scalars(
                select(Observation.city_id).where(Observation.import_id == b.id).distinct()
            )
        )
        staff = drafts is None or (bool(cities) and cities <= drafts)
        out.append(ImportRow(b, b.user if staff else "", b.reason if staff else ""))
    return out


def _page(env: PageEnv, status_code: int = 200, **extra: Any) -> Response:
    imports = _recent_imports(env)
    ctx = {
        "editable": _editable(env) if env.user else [],
        "may_upload": env.user is not None and editable_city_ids(env.user, env.session) != set(),
        "may_publish": can_publish_directly(env.user),
        "imports": imports,
        "show_import_users": any(row.user for row in imports),
        "published_now": False,
        "report": None,
        "findings": None,
        "error": None,
        "summary": None,
    }
    ctx.update(extra)
    return render(env.request, "data.html", ctx, status_code=status_code)


@router.get("/data", response_class=HTMLResponse)
def data_page(env: PageEnv = Depends(form_page_env)) -> Response:
    return _page(env)


@router.post("/data/upload", response_class=HTMLResponse, dependencies=[auth.CsrfChecked])
def upload(
    env: PageEnv = Depends(form_page_env),
    file: UploadFile = File(...),
    reason: str = Form("", max_length=2000),
    status: str = Form("draft", pattern="^(published|draft)$"),
) -> Response:
    """Import an observations file; show every finding of a rejected file row by row."""
    if env.user is None:
        return _page(env, 401, error=_("Log in as a city editor to upload data."))
    allowed = editable_city_ids(env.user, env.session)
    if allowed == set():
        return _page(
            env,
            403,
            error=_(
                "Your account may not change any city's data; "
                "ask an administrator to grant you a city."
            ),
        )
    if status == "published" and not can_publish_directly(env.user):
        return _page(
            env,
            403,
            error=_(
                "Your account may not publish without review; upload as a draft "
                "and submit it for review."
            ),
        )
    name = Path(file.filename or "upload.csv").name
    name = re.sub(r"[^\w.\- ]+", "_", name)[:200] or "upload.csv"
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        return _page(
            env,
            400,
            error=_(
                "%(file)s: only CSV or Excel (.xlsx) files can be "
                "imported; save the sheet as CSV UTF-8 or .xlsx",
                file=name,
            ),
        )
    env.session.commit()  # end this request's read transaction before the import writes
    with tempfile.TemporaryDirectory(prefix="sdgcities-upload-") as tmp:
        path = Path(tmp) / name
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1024 * 1024)
        limit = get_settings_dep(env.request).max_upload_bytes  # also capped while streaming
        if path.stat().st_size > limit:
            size = "%g" % (limit / (1024 * 1024))
            return _page(
                env,
                413,
                error=_(
                    "%(file)s is larger than %(size)s MB; split it into several files",
                    file=name,
                    size=size,
                ),
            )
        try:
            report = import_observations(
                get_engine(env.request),
                path,
                user=env.user.email,
                reason=reason,
                status=status,
                allowed_city_ids=allowed,
            )
        except ValidationError as err:
            return _page(env, 422, summary=err.summary, findings=err.findings, file_name=name)
        except InputFileError as err:
            # the uploaded name, not the temporary path; problem and fix are worded already
            summary = _(
                "%(file)s: %(problem)s. Fix: %(fix)s", file=name, problem=err.problem, fix=err.fix
            )
            return _page(env, 422, summary=summary, findings=[], file_name=name)
    if status == "published" and report.import_id is not None:
        from sdgcities.review.service import publish_import

        publish_import(env.session, report.import_id, actor=env.user, comment=reason)
        env.session.commit()
    env.cache.invalidate()
    logger.info("%s imported %s: %s rows", env.user.email, name, report.rows_read)
    return _page(env, report=report, file_name=name, published_now=status == "published")


@router.get("/data/history", response_class=HTMLResponse)
def value_history(
    env: PageEnv = Depends(page_env),
    city: str = Query(..., max_length=200),
    indicator: str = Query(..., max_length=64),
    year: int | None = Query(None, ge=1900, le=2200),
    disaggregation: str = Query("", max_length=200),
) -> Response:
    the_city = resolve_city(env.session, city)
    staff = can_see_drafts(env.user, the_city.id, env.session)
    versions = history(
        env.session,
        city=the_city.id,
        indicator=indicator,
        year=year,
        disaggregation=disaggregation,
        include_drafts=staff,
    )
    return render(
        env.request,
        "history.html",
        {
            "versions": versions,
            "city_key": city,
            "city": the_city,
            "indicator": indicator,
            "year": year,
            "disaggregation": disaggregation,
            "staff": staff,
        },
    )


@router.get("/data/provenance/{observation_id}", response_class=HTMLResponse)
def provenance(observation_id: IdPath, env: PageEnv = Depends(page_env)) -> Response:
    obs = env.session.get(Observation, observation_id)
    staff = obs is not None and can_see_drafts(env.user, obs.city_id, env.session)
    prov = provenance_of(env.session, observation_id, include_drafts=staff, personal=staff)
    return render(
        env.request,
        "provenance.html",
        {"p": prov, "details": provenance_fields(prov.get("provenance") or {}), "staff": staff},
    )
