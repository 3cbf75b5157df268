"""Programme-portfolio pages: the five flagship programmes, one programme, edit forms,
the Executive Board report, and CSV/XLSX behind every table and chart.

The public sees published programmes; global-hub staff and admins see drafts too, add
funding lines and edit the Board report's narrative blocks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Path
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sdgcities.accounts.errors import AuthenticationError
from sdgcities.errors import NotFoundError, PermissionDeniedError, ValidationError
from sdgcities.programmes import board, service
from sdgcities.programmes import vocabulary as vocab
from sdgcities.web import auth
from sdgcities.web._cache import page_cache_enabled
from sdgcities.web.pages._common import PageEnv, form_page_env, page_env
from sdgcities.web.templating import render

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
    }
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


TABLES = ("funding-lines", "initiatives", "partners", "alignments", "totals", "opportunities")


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
        rows = service.list_initiatives(env.session, programme_id=prog.id, published_only=False)
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
