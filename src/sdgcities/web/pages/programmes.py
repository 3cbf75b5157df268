"""Programme-portfolio pages: the five flagship programmes, one programme, edit forms,
the Executive Board report, and CSV/XLSX behind every table and chart.

The public sees published programmes; global-hub staff and admins see drafts too, add
funding lines and edit the Board report's narrative blocks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Path, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from sdgcities.accounts.errors import AuthenticationError
from sdgcities.errors import NotFoundError, PermissionDeniedError, ValidationError
from sdgcities.programmes import board, service
from sdgcities.programmes import vocabulary as vocab
from sdgcities.store.models import City
from sdgcities.web import auth
from sdgcities.web._cache import page_cache_enabled
from sdgcities.web.pages._common import PageEnv, form_page_env, page_env
from sdgcities.web.pages._panels import CITY_COUNTRY, CITY_SLUG, city_panel
from sdgcities.web.templating import render, render_fragment

router = APIRouter(prefix="/programmes")
EDITORS = ("admin", "global_hub")
KEY = Path(..., pattern=r"^[a-z0-9-]{1,64}$")
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BOARD_MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
#: colour per funding status, colour-blind safe (Okabe–Ito)
STATUS_COLOURS = {
    "concept_note": "#E69F00",
    "approved": "#56B4E9",
    "mobilised": "#009E73",
    "disbursed": "#0072B2",
}


#: rows listed on a programme's page; the rest are in its CSV/XLSX (and the totals)
LISTED = 100
#: rendered public pages: (path, language) → (portfolio version, html, time)
_PUBLIC: dict[tuple[str, str], tuple[tuple[Any, ...], bytes, float]] = {}
_PUBLIC_LOCK = threading.Lock()
_MAX_AGE_S = 60.0


def _public_cached(env: PageEnv, build: Callable[[], HTMLResponse]) -> Response:
    """A public page from the cache while the portfolio has not changed (at most 60 s).

    Only anonymous readers' pages are cached (a logged-in reader's header names them);
    the portfolio's version is :func:`sdgcities.programmes.service.portfolio_version`.
    """
    if not page_cache_enabled() or env.user is not None:  # the header shows who is logged in
        return build()
    key = (env.request.url.path, str(getattr(env.request.state, "lang", "en")))
    now = time.monotonic()
    version = _version(env, now)
    hit = _PUBLIC.get(key)
    if hit is not None and hit[0] == version and now - hit[2] < _MAX_AGE_S:
        return HTMLResponse(hit[1])
    response = build()
    if response.status_code == 200:
        with _PUBLIC_LOCK:
            if len(_PUBLIC) > 256:
                _PUBLIC.clear()
            _PUBLIC[key] = (version, bytes(response.body), now)
    return response


_VERSION: list[Any] = [None, 0.0]  # (portfolio version, when it was read)
_VERSION_TTL_S = 1.0


def _version(env: PageEnv, now: float) -> tuple[Any, ...]:
    """The portfolio's version, read at most once a second per process."""
    if _VERSION[0] is None or now - float(_VERSION[1]) >= _VERSION_TTL_S:
        _VERSION[0], _VERSION[1] = service.portfolio_version(env.session), now
    version: tuple[Any, ...] = _VERSION[0]
    return version


def can_edit(env: PageEnv) -> bool:
    return env.user is not None and env.user.role in EDITORS


def _require_editor(env: PageEnv) -> None:
    if env.user is None:
        raise AuthenticationError("log in to edit the programme portfolio")
    if not can_edit(env):
        raise PermissionDeniedError("global-hub staff and admins edit the programme portfolio")


def _chart(money: dict[str, dict[tuple[str, str], float]], keys: list[str]) -> dict[str, Any]:
    """Stacked horizontal bars of each programme's money by status, per currency."""
    currencies = sorted({cur for m in money.values() for (_, cur) in m})
    charts = []
    for cur in currencies:
        top = (
            max(
                (sum(v for (_, c), v in money.get(k, {}).items() if c == cur) for k in keys),
                default=0.0,
            )
            or 1.0
        )
        bars = []
        for k in keys:
            x = 0.0
            segs = []
            for status in vocab.FUNDING_STATUSES:
                v = money.get(k, {}).get((status, cur), 0.0)
                if v > 0:
                    w = 400 * v / top
                    segs.append(
                        {
                            "status": status,
                            "x": x,
                            "w": w,
                            "value": v,
                            "colour": STATUS_COLOURS[status],
                        }
                    )
                    x += w
            bars.append({"key": k, "segments": segs})
        charts.append({"currency": cur, "bars": bars})
    return {"charts": charts}


@router.get("", response_class=HTMLResponse)
def programmes_page(env: PageEnv = Depends(page_env)) -> Response:
    if can_edit(env):
        return _programmes_page(env)
    return _public_cached(env, lambda: _programmes_page(env))


def _programmes_page(env: PageEnv) -> HTMLResponse:
    drafts = can_edit(env)
    progs = service.list_programmes(env.session, published_only=not drafts)
    money = service.money_by_programme_status(env.session, published_only=not drafts)
    return render(
        env.request,
        "programmes/index.html",
        {
            "programmes": progs,
            "money": money,
            "chart": _chart(money, [p.key for p in progs]),
            "statuses": vocab.FUNDING_STATUSES,
            "colours": STATUS_COLOURS,
            "totals": service.totals(env.session, "status", published_only=not drafts),
            "can_edit": drafts,
        },
    )


def _detail_page(env: PageEnv, key: str, status_code: int = 200, **extra: Any) -> HTMLResponse:
    drafts = can_edit(env)
    prog = service.get_programme(env.session, key, published_only=not drafts)
    d = service.programme_detail(env.session, prog)
    ctx = {
        "p": d,
        "initiatives": service.list_initiatives(
            env.session, programme_id=prog.id, published_only=False, limit=LISTED
        ),
        "initiatives_total": service.count_initiatives(env.session, prog.id),
        "lines": service.funding_lines(env.session, programme_id=prog.id, limit=LISTED),
        "lines_total": service.count_lines(env.session, prog.id),
        "totals": service.totals(env.session, "status", programme_id=prog.id, published_only=False),
        "by_year": service.totals(env.session, "year", programme_id=prog.id, published_only=False),
        "by_country": service.totals(
            env.session, "country", programme_id=prog.id, published_only=False
        ),
        "can_edit": drafts,
        "vocab": vocab,
        "errors": {},
        "form": {},
        "problems": [],
        "ini_errors": {},
        "ini_form": {"status": "discussed", "partners": []},
        "ini_problems": [],
        "registry": _registry(env) if drafts else [],
        "ad_errors": {},
        "ad_form": {"currency": "USD"},
        "ad_problems": [],
    }
    ctx.update(_adaptation_ctx(env, prog.key))
    ctx.update(extra)
    return render(env.request, "programmes/programme.html", ctx, status_code=status_code)


@router.get("/board.{fmt}")
def board_download(
    fmt: str = Path(..., pattern=r"^(html|pdf|docx)$"), env: PageEnv = Depends(page_env)
) -> Response:
    """The Executive Board report of the published programmes (drafts for editors)."""
    published_only = not can_edit(env)
    if fmt == "html":
        body: bytes = board.render_html(env.session, published_only=published_only).encode()
    elif fmt == "pdf":
        body = board.render_pdf(env.session, published_only=published_only)
    else:
        body = board.render_docx(env.session, published_only=published_only)
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        body,
        media_type=BOARD_MEDIA[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="board-report.{fmt}"'},
    )


def _frame_download(rows: list[dict[str, Any]], name: str, fmt: str) -> Response:
    import pandas as pd

    from sdgcities.exports.tabular import _to_bytes

    frame = pd.DataFrame(
        [
            {k: (" ".join(map(str, v)) if isinstance(v, list) else v) for k, v in r.items()}
            for r in rows
        ]
    )
    body = _to_bytes({name: frame}, "xlsx" if fmt == "xlsx" else "csv")
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get("/money.{fmt}")
def money_download(
    fmt: str = Path(..., pattern=r"^(csv|xlsx)$"), env: PageEnv = Depends(page_env)
) -> Response:
    """The overview chart's data: money by programme, status and currency."""
    money = service.money_by_programme_status(env.session, published_only=not can_edit(env))
    rows = [
        {"programme": k, "status": s, "currency": c, "amount": v}
        for k, m in money.items()
        for (s, c), v in sorted(m.items())
    ]
    return _frame_download(rows, "programme-money", fmt)


TABLES = (
    "funding-lines",
    "initiatives",
    "partners",
    "alignments",
    "totals",
    "opportunities",
    "adaptation",
)


@router.get("/{key}/{table}.{fmt}")
def table_download(
    key: str = KEY,
    table: str = Path(..., pattern=r"^(" + "|".join(TABLES) + r")$"),
    fmt: str = Path(..., pattern=r"^(csv|xlsx)$"),
    env: PageEnv = Depends(page_env),
) -> Response:
    prog = service.get_programme(env.session, key, published_only=not can_edit(env))
    rows: list[dict[str, Any]]
    if table == "funding-lines":
        rows = service.funding_lines(env.session, programme_id=prog.id)
    elif table == "initiatives":
        rows = [
            {k: v for k, v in r.items() if k not in ("geometry", "neighbourhoods")}
            | {"neighbourhoods": [n["name"] for n in r["neighbourhoods"]]}
            for r in service.list_initiatives(
                env.session, programme_id=prog.id, published_only=False
            )
        ]
    elif table == "adaptation":
        from sdgcities.programmes import adaptation

        rows = adaptation.list_projects(env.session, programme=prog.key)
    elif table == "partners":
        rows = service.partners_of(env.session, prog.id)
    elif table == "totals":
        rows = [
            {
                "by": by,
                "key": r[by],
                "currency": r["currency"],
                "amount": r["amount"],
                "lines": r["lines"],
            }
            for by in ("status", "year", "country")
            for r in service.totals(env.session, by, programme_id=prog.id, published_only=False)
        ]
    else:
        d = service.programme_detail(env.session, prog)
        if table == "alignments":
            rows = d["alignments"]
        else:
            rows = [
                {"table": t["number"], "side": side[:-1], "position": i + 1, "text": text}
                for t in d["tables"]
                for side in ("opportunities", "challenges")
                for i, text in enumerate(t[side])
            ]
    return _frame_download(rows, f"{prog.key}-{table}", fmt)


@router.get("/{key}", response_class=HTMLResponse)
def programme_page(key: str = KEY, env: PageEnv = Depends(page_env)) -> Response:
    if can_edit(env):
        return _detail_page(form_page_env(env), key)
    return _public_cached(env, lambda: _detail_page(env, key))


@router.post("/{key}/funding", dependencies=[auth.CsrfChecked])
def add_funding(
    key: str = KEY,
    env: PageEnv = Depends(form_page_env),
    amount: str = Form("", max_length=40),
    currency: str = Form("", max_length=8),
    status: str = Form("", max_length=16),
    modality: str = Form("", max_length=16),
    earmark: str = Form("", max_length=8),
    year: str = Form("", max_length=8),
    donor: str = Form("", max_length=300),
    countries: str = Form("", max_length=400),
    label: str = Form("", max_length=2000),
    source: str = Form("", max_length=2000),
) -> Response:
    _require_editor(env)
    form = {
        "amount": amount,
        "currency": currency,
        "status": status,
        "modality": modality,
        "earmark": earmark,
        "year": year,
        "donor": donor,
        "countries": countries,
        "label": label,
        "source": source,
    }
    try:
        if year and not year.strip().isdigit():
            raise ValidationError(
                "the funding line was not saved",
                [_finding("year", "not a year", year, "give the year as four digits, e.g. 2021")],
            )
        service.add_funding_line(
            env.session,
            programme=key,
            amount=amount,
            currency=currency,
            status=status,
            modality=modality or None,
            earmark=earmark or None,
            year=int(year) if year.strip() else None,
            donor=donor or None,
            countries=countries.replace(",", " ").split(),
            label=label,
            source=source,
            user=env.user.email if env.user else "",
        )
        env.session.commit()
    except ValidationError as err:
        env.session.rollback()
        errors = {f.column or "": str(f) for f in err.findings}
        return _detail_page(env, key, 422, errors=errors, form=form, problems=[err.summary])
    return RedirectResponse(f"/programmes/{key}#funding", status_code=303)


@router.post("/{key}/partners/{provider_id}", dependencies=[auth.CsrfChecked])
def partner_state(
    key: str = KEY,
    provider_id: int = Path(..., ge=1, le=2**62),
    env: PageEnv = Depends(form_page_env),
    state: str = Form(..., max_length=16),
) -> Response:
    _require_editor(env)
    service.set_partner_state(env.session, key, provider_id, state)
    env.session.commit()
    return RedirectResponse(f"/programmes/{key}#partners", status_code=303)


def _finding(column: str, message: str, value: str, fix: str) -> Any:
    from sdgcities.errors import Finding

    return Finding(message, column=column, value=value, fix=fix)


@router.get("/{key}/narrative", response_class=HTMLResponse)
def narrative_page(key: str = KEY, env: PageEnv = Depends(form_page_env)) -> Response:
    _require_editor(env)
    prog = service.get_programme(env.session, key, published_only=False)
    d = service.programme_detail(env.session, prog)
    return render(
        env.request,
        "programmes/narrative.html",
        {
            "p": d,
            "blocks": board.programme_blocks(env.session, d),
            "titles": board.BLOCKS,
            "problems": [],
        },
    )


@router.post("/{key}/narrative", dependencies=[auth.CsrfChecked])
def save_narrative(
    key: str = KEY,
    env: PageEnv = Depends(form_page_env),
    block: str = Form(..., max_length=64),
    text: str = Form("", max_length=60_000),
) -> Response:
    _require_editor(env)
    try:
        board.save_programme_block(
            env.session, key, block, text, user=env.user.email if env.user else ""
        )
        env.session.commit()
    except (ValidationError, NotFoundError):
        env.session.rollback()
        raise
    return RedirectResponse(f"/programmes/{key}/narrative#block-{block}", status_code=303)


# ---------------------------------------------------------------- initiatives

INITIATIVE_FIELDS = (
    "name",
    "description",
    "countries",
    "places",
    "cities",
    "status",
    "start",
    "end",
)


def _form_errors(err: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for f in err.findings:
        key = f.column or ""
        errors[key] = f"{errors[key]}; {f}" if key in errors else str(f)
    return errors


def _registry(env: PageEnv) -> list[tuple[int, str]]:
    """The shared partner registry (id, name), for the initiative form's partner list."""
    from sdgcities.capacity.models import Provider

    return [
        (int(i), str(n))
        for i, n in env.session.execute(select(Provider.id, Provider.name).order_by(Provider.name))
    ]


def _initiative_kwargs(form: dict[str, Any], partners: list[str]) -> dict[str, Any]:
    from sdgcities.programmes.initiatives import _split

    return {
        "name": form["name"],
        "description": form["description"],
        "countries": form["countries"].replace(",", " ").split(),
        "places": _split(form["places"]),
        "cities": _split(form["cities"]),
        "partners": partners,
        "create_partners": False,
        "status": form["status"],
        "start": form["start"] or None,
        "end": form["end"] or None,
    }


def _initiative_form(
    name: str = Form("", max_length=500),
    description: str = Form("", max_length=10_000),
    countries: str = Form("", max_length=2000),
    places: str = Form("", max_length=4000),
    cities: str = Form("", max_length=4000),
    status: str = Form("discussed", max_length=16),
    start: str = Form("", max_length=10),
    end: str = Form("", max_length=10),
    partners: list[str] = Form([], max_length=300),
) -> dict[str, Any]:
    return {
        "name": name,
        "description": description,
        "countries": countries,
        "places": places,
        "cities": cities,
        "status": status,
        "start": start,
        "end": end,
        "partners": [p for p in partners if p.strip()][:300],
    }


@router.post("/{key}/initiatives", dependencies=[auth.CsrfChecked])
def add_initiative_page(
    key: str = KEY,
    env: PageEnv = Depends(form_page_env),
    form: dict[str, Any] = Depends(_initiative_form),
) -> Response:
    """The programme page's form: add an initiative (all fields checked, nothing half-saved)."""
    from sdgcities.programmes.initiatives import add_initiative

    _require_editor(env)
    try:
        ini = add_initiative(
            env.session, programme=key, **_initiative_kwargs(form, form["partners"])
        )
        iid = ini.id
        env.session.commit()
    except ValidationError as err:
        env.session.rollback()
        return _detail_page(
            env,
            key,
            422,
            ini_errors=_form_errors(err),
            ini_form=form,
            ini_problems=[err.summary],
            registry=_registry(env),
        )
    return RedirectResponse(f"/programmes/{key}/initiatives/{iid}", status_code=303)


def _initiative_ctx(env: PageEnv, key: str, iid: int) -> dict[str, Any]:
    from sdgcities.programmes.initiatives import feature_collection, get_initiative

    prog, ini = get_initiative(env.session, key, iid, published_only=not can_edit(env))
    (row,) = [
        r
        for r in service.list_initiatives(env.session, programme_id=prog.id, published_only=False)
        if r["id"] == ini.id
    ]
    return {
        "prog": prog,
        "i": row,
        "ini": ini,
        "geojson": feature_collection([row]),
        "lines": [
            line
            for line in service.funding_lines(env.session, programme_id=prog.id)
            if line["initiative_id"] == ini.id
        ],
        "can_edit": can_edit(env),
        "vocab": vocab,
    }


@router.get("/{key}/initiatives/{iid}", response_class=HTMLResponse)
def initiative_page(
    key: str = KEY, iid: int = Path(..., ge=1, le=2**62), env: PageEnv = Depends(page_env)
) -> Response:
    """One initiative: where (countries, cities, map, neighbourhoods), with whom, when."""

    def build() -> HTMLResponse:
        return render(env.request, "programmes/initiative.html", _initiative_ctx(env, key, iid))

    if can_edit(env):
        return build()
    return _public_cached(env, build)


def _edit_page(
    env: PageEnv, key: str, iid: int, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    ctx = _initiative_ctx(env, key, iid)
    ini = ctx["ini"]
    form = {
        "name": ini.name,
        "description": ini.description,
        "countries": " ".join(ini.countries),
        "places": ", ".join(ini.places),
        "cities": ", ".join(ini.city_slugs),
        "status": ini.status,
        "start": ini.start.isoformat() if ini.start else "",
        "end": ini.end.isoformat() if ini.end else "",
        "partners": [str(p) for p in ini.partner_ids],
    }
    ctx |= {
        "ini_form": form,
        "ini_errors": {},
        "ini_problems": [],
        "geo_problems": [],
        "registry": _registry(env),
        "drawn": "",
        "centre": _centre(env, ini.city_slugs),
    }
    ctx.update(extra)
    return render(env.request, "programmes/initiative_edit.html", ctx, status_code=status_code)


def _centre(env: PageEnv, slugs: Sequence[str]) -> tuple[float, float] | None:
    """(lat, lon) of the first of ``slugs`` the gazetteer places: where drawing starts."""
    if not slugs:
        return None
    rows = env.session.execute(
        select(City.slug, City.lat, City.lon).where(
            City.slug.in_(list(slugs)), City.lat.is_not(None), City.lon.is_not(None)
        )
    ).all()
    placed = {s: (float(la), float(lo)) for s, la, lo in rows if la is not None and lo is not None}
    return next((placed[s] for s in slugs if s in placed), None)


@router.get("/{key}/initiatives/{iid}/edit", response_class=HTMLResponse)
def initiative_edit_page(
    key: str = KEY, iid: int = Path(..., ge=1, le=2**62), env: PageEnv = Depends(form_page_env)
) -> Response:
    _require_editor(env)
    return _edit_page(env, key, iid)


@router.post("/{key}/initiatives/{iid}", dependencies=[auth.CsrfChecked])
def edit_initiative(
    key: str = KEY,
    iid: int = Path(..., ge=1, le=2**62),
    env: PageEnv = Depends(form_page_env),
    form: dict[str, Any] = Depends(_initiative_form),
) -> Response:
    from sdgcities.programmes.initiatives import update_initiative

    _require_editor(env)
    try:
        update_initiative(
            env.session,
            programme=key,
            initiative_id=iid,
            **_initiative_kwargs(form, form["partners"]),
        )
        env.session.commit()
    except ValidationError as err:
        env.session.rollback()
        return _edit_page(
            env,
            key,
            iid,
            422,
            ini_form=form,
            ini_errors=_form_errors(err),
            ini_problems=[err.summary],
        )
    return RedirectResponse(f"/programmes/{key}/initiatives/{iid}", status_code=303)


@router.post("/{key}/initiatives/{iid}/geometry", dependencies=[auth.CsrfChecked])
def initiative_geometry(
    key: str = KEY,
    iid: int = Path(..., ge=1, le=2**62),
    env: PageEnv = Depends(form_page_env),
    file: UploadFile | None = File(None),
    geometry: str = Form("", max_length=5_000_000),
    remove: str = Form("", max_length=8),
) -> Response:
    """The initiative's geometry: drawn on the map (GeoJSON text in ``geometry``), from an
    uploaded GeoJSON or GeoPackage, or removed."""
    from sdgcities.errors import InputFileError
    from sdgcities.programmes.initiatives import read_drawn_geometry, read_geometry, set_geometry
    from sdgcities.web.pages.planning import saved_upload

    _require_editor(env)
    try:
        if remove:
            set_geometry(env.session, programme=key, initiative_id=iid, geometry=None)
        else:
            if geometry.strip():
                geom, source = read_drawn_geometry(geometry)
            elif file is not None and file.filename:
                with saved_upload(env, file, (".geojson", ".json", ".gpkg")) as path:
                    geom, source = read_geometry(path)
            else:
                raise ValidationError(
                    "no shape was drawn and no file was chosen",
                    [
                        _finding(
                            "file",
                            "empty",
                            "",
                            "draw on the map or choose a .geojson or .gpkg file",
                        )
                    ],
                )
            set_geometry(
                env.session, programme=key, initiative_id=iid, geometry=geom, source=source
            )
        env.session.commit()
    except (ValidationError, InputFileError) as err:
        env.session.rollback()
        problems = (
            [err.summary, *(str(f) for f in err.findings)]
            if isinstance(err, ValidationError)
            else [str(err)]
        )
        return _edit_page(env, key, iid, 422, geo_problems=problems, drawn=geometry)
    return RedirectResponse(f"/programmes/{key}/initiatives/{iid}#map", status_code=303)


# ---------------------------------------------------------------- adaptation (RISE-UP)


def _adaptation_ctx(env: PageEnv, key: str) -> dict[str, Any]:
    from sdgcities.programmes import adaptation

    if key != adaptation.PROGRAMME:
        return {}
    return {
        "adaptation": {
            "projects": adaptation.list_projects(env.session),
            "progress": adaptation.progress(env.session),
            "stages": adaptation.STAGES,
            "funds": adaptation.FUNDS,
            "mapping": adaptation.STAGE_STATUS,
        }
    }


@router.post("/{key}/adaptation", dependencies=[auth.CsrfChecked])
def add_adaptation(
    key: str = KEY,
    env: PageEnv = Depends(form_page_env),
    name: str = Form("", max_length=500),
    countries: str = Form("", max_length=2000),
    city: str = Form("", max_length=200),
    fund: str = Form("", max_length=64),
    stage: str = Form("", max_length=16),
    amount: str = Form("", max_length=40),
    currency: str = Form("USD", max_length=8),
    start: str = Form("", max_length=10),
    end: str = Form("", max_length=10),
    source: str = Form("", max_length=2000),
) -> Response:
    """Add an adaptation project; its funding line is created in the same transaction."""
    from sdgcities.programmes import adaptation

    _require_editor(env)
    form = {
        "name": name,
        "countries": countries,
        "city": city,
        "fund": fund,
        "stage": stage,
        "amount": amount,
        "currency": currency,
        "start": start,
        "end": end,
        "source": source,
    }
    try:
        adaptation.add_project(
            env.session, programme=key, user=env.user.email if env.user else "", **form
        )
        env.session.commit()
    except ValidationError as err:
        env.session.rollback()
        return _detail_page(
            env,
            key,
            422,
            ad_errors=_form_errors(err),
            ad_form=form,
            ad_problems=[err.summary],
        )
    return RedirectResponse(f"/programmes/{key}#adaptation", status_code=303)


@router.post("/{key}/adaptation/{pid}", dependencies=[auth.CsrfChecked])
def adaptation_stage(
    key: str = KEY,
    pid: int = Path(..., ge=1, le=2**62),
    env: PageEnv = Depends(form_page_env),
    stage: str = Form(..., max_length=16),
) -> Response:
    """Move a project to another stage (its funding line's status follows)."""
    from sdgcities.programmes import adaptation

    _require_editor(env)
    adaptation.update_project(
        env.session, pid, user=env.user.email if env.user else "", stage=stage
    )
    env.session.commit()
    return RedirectResponse(f"/programmes/{key}#adaptation", status_code=303)


@router.post("/{key}/adaptation/{pid}/delete", dependencies=[auth.CsrfChecked])
def adaptation_delete(
    key: str = KEY,
    pid: int = Path(..., ge=1, le=2**62),
    env: PageEnv = Depends(form_page_env),
) -> Response:
    """Delete a project and the funding line it created (a report line stays)."""
    from sdgcities.programmes import adaptation

    _require_editor(env)
    adaptation.delete_project(env.session, pid, programme=key)
    env.session.commit()
    return RedirectResponse(f"/programmes/{key}#adaptation", status_code=303)


# ---------------------------------------------------------------- the city page's panel


_CONCERNS: list[Any] = []  # the condition, built on the first page (the domain loads late)


def _concerns_present(env: PageEnv, city: City) -> Any:
    if not _CONCERNS:
        from sdgcities.programmes.initiatives import concerns_city

        _CONCERNS.append(concerns_city(CITY_SLUG, CITY_COUNTRY))
    return _CONCERNS[0]


@city_panel("programmes", order=70, present=_concerns_present)
def programmes_panel(env: PageEnv, city: City) -> Markup | None:
    """The initiatives and funding lines concerning the city (two indexed queries)."""
    from sdgcities.programmes.initiatives import city_concerns

    data = city_concerns(env.session, city, published_only=not can_edit(env))
    if not data["initiatives"] and not data["funding_lines"]:
        return None
    features = [
        {
            "type": "Feature",
            "geometry": i["geometry"],
            "properties": {
                "name": i["name"],
                "href": f"/programmes/{i['programme']}/initiatives/{i['id']}",
            },
        }
        for i in data["initiatives"]
        if i["in_city"] and i["geometry"]
    ]
    return render_fragment(
        "programmes/city_panel.html",
        {
            "city": city,
            "data": data,
            "geojson": {"type": "FeatureCollection", "features": features} if features else None,
        },
    )
