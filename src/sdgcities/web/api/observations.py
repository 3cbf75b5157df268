"""``/observations``: read values; add or correct them (city editors, own cities).

Reading follows the visibility rule (:mod:`sdgcities.observations.visibility`): the
public sees each value's newest *published* version — a draft correction leaves it in
view until it is published — and no personal data (``created_by`` is empty); those who
may see a city's drafts (its editors, its hub, admins) see its current versions and who
recorded them. Writing calls the same service functions as ``sdgcities observations
import`` — a correction keeps the old version; new values land as drafts for review.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path as FsPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select

from sdgcities.accounts import permissions
from sdgcities.config import UPLOAD_SUFFIXES
from sdgcities.errors import NotFoundError
from sdgcities.observations._validate import range_problem
from sdgcities.store.models import Observation, User
from sdgcities.web.api._common import (
    DbSession,
    Limit,
    Offset,
    OptionalUser,
    get_city_or_404,
    page_response,
    text_query,
)
from sdgcities.web.api._schemas import (
    ImportSummary,
    ObservationDetail,
    ObservationIn,
    ObservationOut,
    ObservationWritten,
    Page,
    clean_float,
    clean_str,
)
from sdgcities.web.auth import CsrfChecked, ensure_can_edit_city, require_user
from sdgcities.web.deps import IdPath, get_engine, get_settings_dep
from sdgcities.web.errors import ApiError

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/observations", tags=["observations"])


def _row_out(row: Mapping[str, Any]) -> ObservationOut:
    """A row of ``current_observation_page`` as the API shows it.

    Every field is converted here (ints, cleaned floats and strings), so the model is
    constructed without validating it again: a page of a hundred values costs about a
    millisecond less. ``tests/web/test_threadpool.py`` validates a page's JSON.
    """
    return ObservationOut.model_construct(
        id=int(row["observation_id"]),
        city_id=int(row["city_id"]),
        city=clean_str(row.get("city")),
        city_slug=clean_str(row.get("city_slug")),
        indicator=str(row["indicator"]),
        year=int(row["year"]),
        disaggregation=clean_str(row.get("disaggregation")) or "",
        value=clean_float(row.get("value")),
        unit=clean_str(row.get("unit")),
        lower=clean_float(row.get("lower")),
        upper=clean_float(row.get("upper")),
        source=clean_str(row.get("source")),
        version=int(row.get("version") or 1),
        status=str(row.get("status") or "published"),
    )


def ensure_may_publish(user: User | None, status: str) -> None:
    """Only admins and the global hub may publish without review (403 otherwise)."""
    from sdgcities.errors import PermissionDeniedError

    if status == "published" and not permissions.can_publish_directly(user):
        raise PermissionDeniedError(
            "status=published: your account may not publish without review; send "
            "status=draft (the default) and submit the values for review"
        )


def observation_out(obs: Observation, *, indicator: str, city: Any = None) -> ObservationOut:
    return ObservationOut(
        id=obs.id,
        city_id=obs.city_id,
        city=getattr(city, "name", None),
        city_slug=getattr(city, "slug", None),
        indicator=indicator,
        year=obs.year,
        disaggregation=obs.disaggregation or "",
        value=clean_float(obs.value),
        unit=obs.unit,
        lower=clean_float(obs.lower),
        upper=clean_float(obs.upper),
        source=obs.source,
        version=obs.version,
        status=obs.status,
    )


@router.get("", response_model=Page[ObservationOut], summary="Current values")
def list_observations(
    request: Request,
    session: DbSession,
    user: OptionalUser,
    limit: Limit = 100,
    offset: Offset = 0,
    city: str | None = text_query("city slug, id or exact name"),
    indicator: str | None = text_query("indicator code", max_length=64),
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    disaggregation: str | None = text_query(
        "a disaggregation key (e.g. sex=female); '' for totals only; omit for all"
    ),
) -> Response:
    from sdgcities.catalogue.registry import get_indicator
    from sdgcities.observations.service import current_observation_page

    if disaggregation is not None:
        from sdgcities.observations.disaggregation import canonical_key

        try:
            disaggregation = canonical_key(disaggregation)
        except ValueError as err:
            raise ApiError(
                400, f"disaggregation: {err}", details=[{"field": "disaggregation"}]
            ) from None
    city_ids = [get_city_or_404(session, city).id] if city else None
    codes = [get_indicator(session, indicator).code] if indicator else None
    draft_ids = permissions.draft_city_ids(user, session)
    rows, total = current_observation_page(
        session,
        limit=limit,
        offset=offset,
        city_ids=city_ids,
        indicator_codes=codes,
        year=year,
        public=draft_ids == set(),
        disaggregation=disaggregation,
        draft_cities=draft_ids,
    )
    return page_response(
        request,
        ObservationOut,
        [_row_out(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{observation_id}", response_model=ObservationDetail, summary="One value")
def get_observation(
    observation_id: IdPath,
    session: DbSession,
    user: OptionalUser,
) -> ObservationDetail:
    from sdgcities.observations.service import provenance_of
    from sdgcities.store.models import City, Indicator

    obs = session.get(Observation, observation_id)
    staff = obs is not None and permissions.can_see_drafts(user, obs.city_id, session)
    if obs is None or (obs.status != "published" and not staff):
        raise NotFoundError(f"no observation {observation_id}")
    ind = session.get(Indicator, obs.indicator_id)
    city = session.get(City, obs.city_id)
    base = observation_out(obs, indicator=ind.code if ind else "", city=city)
    return ObservationDetail(
        **base.model_dump(),
        created_at=obs.created_at,
        created_by=(obs.created_by or "") if staff else "",
        reason=obs.reason or "",
        # for the public: whether this is the version it sees (a draft may be newer)
        is_current=obs.is_current if staff else obs.is_public,
        provenance=dict(provenance_of(session, obs.id, personal=staff) or {}),
    )


@router.post(
    "",
    response_model=ObservationWritten,
    status_code=201,
    summary="Add or correct a value",
    dependencies=[CsrfChecked],
)
def write_observation(
    body: ObservationIn,
    session: DbSession,
    user: Annotated[User, Depends(require_user)],
) -> ObservationWritten:
    """Add a value, or correct the current one (a new version; the old one is kept).

    City editors may write only to the cities granted to them (else 403).
    """
    from sdgcities.catalogue.registry import get_indicator
    from sdgcities.observations.service import record_value

    city = get_city_or_404(session, body.city)
    ensure_can_edit_city(user, city.id, session, city.name)
    ensure_may_publish(user, body.status)
    ind = get_indicator(session, body.indicator)
    bad = range_problem(body.value, ind.unit)
    if bad is not None:
        raise ApiError(
            422,
            f"{bad[0]}; {bad[1]}",
            code="validation_error",
            details=[
                {
                    "field": "value",
                    "value": body.value,
                    "unit": ind.unit,
                    "message": bad[0],
                    "fix": bad[1],
                }
            ],
        )
    previous = session.scalar(
        select(Observation.id).where(
            Observation.city_id == city.id,
            Observation.indicator_id == ind.id,
            Observation.year == body.year,
            Observation.disaggregation == body.disaggregation,
            Observation.is_current,
        )
    )
    obs: Observation = record_value(
        session,
        city_id=city.id,
        indicator_code=ind.code,
        year=body.year,
        value=body.value,
        unit=body.unit,
        source=body.source,
        disaggregation=body.disaggregation,
        user=user.email,
        reason=body.reason,
        provenance={"via": "api"},
        status="draft",
    )
    if body.status == "published":  # admins and the global hub: at once, in the review log
        from sdgcities.review.service import publish_directly

        publish_directly(session, [obs.id], actor=user, comment=body.reason)
    session.flush()
    return ObservationWritten(
        observation=observation_out(obs, indicator=ind.code, city=city),
        changed=obs.id != previous,
    )


async def _receive_upload(request: Request, folder: FsPath, filename: str | None) -> FsPath:
    limit = get_settings_dep(request).max_upload_bytes  # also capped while streaming
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(
            413,
            f"the upload is larger than {limit // (1024 * 1024)} MB; split "
            "the file, or ask the administrator to raise SDGCITIES_MAX_UPLOAD_MB",
        )
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(400, "send the file in the form field 'file'")
        name = FsPath(upload.filename or filename or "upload.csv").name
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            raise ApiError(
                415,
                f"{name}: only {', '.join(UPLOAD_SUFFIXES)} files can be imported; "
                "save the sheet as CSV (UTF-8) or .xlsx",
            )
        target = folder / name
        size = 0
        with target.open("wb") as fh:
            while chunk := await upload.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise ApiError(413, f"the upload is larger than {limit // (1024 * 1024)} MB")
                fh.write(chunk)
        return target
    target = folder / FsPath(filename or "upload.csv").name
    size = 0
    with target.open("wb") as fh:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, f"the upload is larger than {limit // (1024 * 1024)} MB")
            fh.write(chunk)
    if size == 0:
        raise ApiError(400, "the request body is empty; send the CSV or XLSX file as the body")
    return target


@router.post(
    "/import",
    response_model=ImportSummary,
    summary="Import a CSV or XLSX file of values",
    dependencies=[CsrfChecked],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_file(
    request: Request,
    session: DbSession,
    user: Annotated[User, Depends(require_user)],
    filename: Annotated[
        str,
        Query(min_length=1, max_length=200, pattern=r"^[\w\-. ]+\.(csv|txt|tsv|xlsx|xlsm)$"),
    ] = "upload.csv",
    reason: str | None = text_query("why these values are imported", max_length=2000),
    status: Literal["published", "draft"] = "draft",
) -> ImportSummary:
    """The same importer as ``sdgcities observations import``: all rows or none.

    Send the file as the body (``curl --data-binary @file.csv``) or as the form field
    ``file``. Rows for cities the account may not edit are refused with findings.
    """
    from sdgcities.errors import PermissionDeniedError
    from sdgcities.observations.importer import import_observations

    allowed = permissions.editable_city_ids(user, session)
    if allowed is not None and not allowed:
        raise PermissionDeniedError(
            "your account may not change any city's data; ask an administrator for a grant"
        )
    ensure_may_publish(user, status)
    # the importer runs its own transaction: release this request's hold on the store
    session.commit()
    with tempfile.TemporaryDirectory(prefix="sdgcities-upload-") as tmp:
        path = await _receive_upload(request, FsPath(tmp), filename)
        try:
            report = import_observations(
                get_engine(request),
                path,
                user=user.email,
                reason=reason or "",
                status=status,
                allowed_city_ids=allowed,
            )
        except (zipfile.BadZipFile, InvalidFileException, UnicodeDecodeError) as err:
            # a file that is not what its name says: bad input, never a server error
            raise ApiError(
                400,
                f"{path.name} cannot be read as a {path.suffix.lstrip('.').upper()} file "
                f"({err}); send a CSV (UTF-8) or an XLSX workbook with a matching filename",
                details=[{"file": path.name, "message": str(err)}],
            ) from None
    if status == "published" and report.import_id is not None:
        from sdgcities.review.service import publish_import
        from sdgcities.store.db import transaction

        with transaction(get_engine(request)) as s:
            publish_import(s, report.import_id, actor=s.merge(user), comment=reason or "")
    return ImportSummary(
        import_id=getattr(report, "import_id", None),
        rows_read=int(report.rows_read),
        inserted=int(report.inserted),
        corrected=int(report.corrected),
        unchanged=int(report.unchanged),
        warnings=[f.as_dict() for f in getattr(report, "findings", [])],
    )
