"""The facility's advisory tier: matching stored projects, reviews, introductions.

:func:`run_match` feeds the store's projects, investors and windows to the pure matcher
(:mod:`sdgcities.investment.matching`); an advisor shortlists or rejects a match with a
note (:func:`review_match`), records an introduction (:func:`introduce`) and its dated
outcomes (:func:`record_outcome`, append-only history).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from sdgcities.errors import (
    ConflictError,
    Finding,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from sdgcities.investment import access
from sdgcities.investment.matching import WEIGHTS, Counterpart, MatchProject, match, why_not
from sdgcities.investment.models import (
    Introduction,
    IntroductionEvent,
    InvestmentProject,
    InvestmentWindow,
    Investor,
    MatchReview,
    ReadinessItem,
)
from sdgcities.investment.readiness import overall
from sdgcities.investment.service import CLI, get_project
from sdgcities.store.models import City

OUTCOMES = ("pending", "meeting", "term sheet", "declined", "financed")
DECISIONS = ("shortlist", "reject")
KINDS = ("investor", "window")


def _pairs(rows: Any) -> dict[Any, Any]:
    return {a: b for a, b in rows}


def _who(user: Any) -> str:
    return "cli" if user is CLI else str(user.email)


def _scope(session: Session, user: Any) -> Any:
    """The projects matching may consider for ``user`` (``WHERE`` clause)."""
    if user is CLI:
        return True
    ids = access.advised_city_ids(user, session)
    if ids is None:
        return True
    editable = access.staff_city_ids(user, session) or set()
    allowed = ids | editable
    if access.is_investor(user):
        return access.consented()
    if not allowed:
        return InvestmentProject.id < 0
    return InvestmentProject.city_id.in_(sorted(allowed))


def match_projects(
    session: Session, user: Any, *, city_id: int | None = None
) -> list[MatchProject]:
    """The matcher's view of the projects in scope (amounts in each budget's currency)."""
    q = (
        select(InvestmentProject, City)
        .join(City, City.id == InvestmentProject.city_id)
        .where(_scope(session, user))
    )
    if city_id is not None:
        q = q.where(InvestmentProject.city_id == city_id)
    rows = session.execute(q.order_by(InvestmentProject.id)).all()
    status: dict[int, dict[str, str]] = {}
    ids = [p.id for p, _ in rows]
    for lo in range(0, len(ids), 5000):
        for r in session.scalars(
            select(ReadinessItem).where(ReadinessItem.project_id.in_(ids[lo : lo + 5000]))
        ):
            status.setdefault(r.project_id, {})[r.item] = r.status
    out = []
    for p, c in rows:
        tranches: dict[str, float] = {}
        for t in p.tranches:
            rate = 1.0 if t.currency == p.currency else (t.fx.rate if t.fx else float("nan"))
            tranches[t.instrument] = tranches.get(t.instrument, 0.0) + t.amount * rate
        out.append(
            MatchProject(
                id=p.id,
                country=c.country_iso3 or "",
                region=c.sdg_region or "",
                budget=p.budget,
                currency=p.currency,
                stage=p.stage,
                targets=tuple(p.sdg_targets),
                tranches=tranches,
                readiness=overall(status.get(p.id, {}), p.stage),
            )
        )
    return out


def counterparts(session: Session, user: Any = CLI) -> list[Counterpart]:
    """Every investor profile (an investor: its own only) and every window."""
    q = select(Investor).order_by(Investor.id)
    if user is not CLI and access.is_investor(user):
        q = q.where(Investor.user_id == user.id)
    out = [
        Counterpart(
            kind="investor",
            id=x.id,
            sdg_focus=tuple(x.sdg_focus),
            regions=tuple(x.regions),
            ticket_min=x.ticket_min,
            ticket_max=x.ticket_max,
            currency=x.currency,
            instruments=tuple(x.instruments),
            stages=tuple(x.stages),
        )
        for x in session.scalars(q)
    ]
    for w in session.scalars(select(InvestmentWindow).order_by(InvestmentWindow.id)):
        out.append(
            Counterpart(
                kind="window",
                id=w.id,
                sdg_focus=tuple(w.sdg_focus),
                countries=tuple(w.countries),
                ticket_min=0.0,
                ticket_max=w.amount if w.amount is not None else float("inf"),
                currency=w.currency,
                instruments=tuple(w.instruments),
                deadline=w.deadline,
            )
        )
    return out


def run_match(
    session: Session,
    user: Any,
    *,
    city_id: int | None = None,
    fx: Mapping[str, float] | None = None,
    weights: Mapping[str, float] = WEIGHTS,
    top: int | None = 10,
    today: date | None = None,
) -> pd.DataFrame:
    """Matches of the projects in ``user``'s scope, with names and each factor."""
    if user is not CLI and (user is None or not user.active):
        raise PermissionDeniedError("log in to see matches")
    projects = match_projects(session, user, city_id=city_id)
    cps = counterparts(session, user)
    frame = match(projects, cps, weights=weights, fx=fx, today=today, top=top)
    if frame.empty:
        return frame.assign(project="", counterpart="", city="")
    names = {
        pid: (title, slug)
        for pid, title, slug in session.execute(
            select(InvestmentProject.id, InvestmentProject.title, City.slug).join(
                City, City.id == InvestmentProject.city_id
            )
        )
    }
    titles = {k: v[0] for k, v in names.items()}
    cities = {k: v[1] for k, v in names.items()}
    inv = _pairs(session.execute(select(Investor.id, Investor.name)))
    win = _pairs(session.execute(select(InvestmentWindow.id, InvestmentWindow.name)))
    frame["project"] = frame["project_id"].map(titles)
    frame["city"] = frame["project_id"].map(cities)
    frame["counterpart"] = [
        (inv if k == "investor" else win).get(int(i), "")
        for k, i in zip(frame["kind"], frame["counterpart_id"], strict=True)
    ]
    return frame


def explain(
    session: Session,
    user: Any,
    project_id: int,
    kind: str,
    counterpart_id: int,
    *,
    fx: Mapping[str, float] | None = None,
) -> list[str]:
    """Why a pair is not eligible (empty when it is)."""
    project = get_project(session, project_id, user)
    mp = next(
        p for p in match_projects(session, CLI, city_id=project.city_id) if p.id == project.id
    )
    cp = _counterpart(session, kind, counterpart_id)
    return why_not(mp, cp, fx=fx)


def _counterpart(session: Session, kind: str, cid: int) -> Counterpart:
    for c in counterparts(session):
        if c.kind == kind and c.id == cid:
            return c
    raise NotFoundError(f"no {kind} {cid}")


def _check_kind(kind: str, cid: int, session: Session) -> None:
    if kind not in KINDS:
        raise ValidationError(
            "unknown kind",
            [Finding("unknown kind", None, None, "kind", kind, "use investor or window")],
        )
    model = Investor if kind == "investor" else InvestmentWindow
    if session.get(model, cid) is None:
        raise NotFoundError(f"no {kind} {cid}")


def _may_advise(user: Any, project: InvestmentProject, session: Session) -> None:
    if user is not CLI and not access.can_advise(user, project.city_id, session):
        raise PermissionDeniedError("only the facility's advisors (hub staff, admins) may do this")


def review_match(
    session: Session,
    user: Any,
    project_id: int,
    kind: str,
    counterpart_id: int,
    decision: str,
    *,
    note: str = "",
    score: float | None = None,
) -> MatchReview:
    """An advisor's shortlist or reject of one match, with a note."""
    project = get_project(session, project_id, user if user is not CLI else CLI)
    _may_advise(user, project, session)
    _check_kind(kind, counterpart_id, session)
    if decision not in DECISIONS:
        raise ValidationError(
            "unknown decision",
            [
                Finding(
                    "unknown decision", None, None, "decision", decision, "use shortlist or reject"
                )
            ],
        )
    if decision == "reject" and not note.strip():
        raise ValidationError(
            "a note is required",
            [Finding("a rejection needs a note", None, None, "note", "", "say why")],
        )
    row = MatchReview(
        project_id=project.id,
        investor_id=counterpart_id if kind == "investor" else None,
        window_id=counterpart_id if kind == "window" else None,
        decision=decision,
        score=score,
        note=note.strip(),
        by=_who(user),
    )
    session.add(row)
    session.flush()
    return row


def introduce(
    session: Session,
    user: Any,
    project_id: int,
    kind: str,
    counterpart_id: int,
    *,
    on: date | None = None,
    note: str = "",
) -> Introduction:
    """Record that the project was introduced to an investor or a window (pending)."""
    project = get_project(session, project_id, user if user is not CLI else CLI)
    _may_advise(user, project, session)
    _check_kind(kind, counterpart_id, session)
    day = on or datetime.now(UTC).date()
    col = Introduction.investor_id if kind == "investor" else Introduction.window_id
    if session.scalar(
        select(Introduction.id).where(Introduction.project_id == project.id, col == counterpart_id)
    ):
        raise ConflictError(f"project {project.id} was already introduced to this {kind}")
    intro = Introduction(
        project_id=project.id,
        investor_id=counterpart_id if kind == "investor" else None,
        window_id=counterpart_id if kind == "window" else None,
        introduced_on=day,
        by=_who(user),
        outcome="pending",
    )
    intro.history.append(
        IntroductionEvent(outcome="pending", happened_on=day, note=note.strip(), by=_who(user))
    )
    session.add(intro)
    session.flush()
    return intro


def record_outcome(
    session: Session,
    user: Any,
    intro_id: int,
    outcome: str,
    *,
    on: date | None = None,
    note: str = "",
) -> Introduction:
    """Add a dated outcome to an introduction's history (its current outcome follows)."""
    intro = session.get(Introduction, intro_id)
    if intro is None:
        raise NotFoundError(f"no introduction {intro_id}")
    project = get_project(session, intro.project_id, user if user is not CLI else CLI)
    _may_advise(user, project, session)
    if outcome not in OUTCOMES:
        raise ValidationError(
            "unknown outcome",
            [
                Finding(
                    "unknown outcome", None, None, "outcome", outcome, "use: " + ", ".join(OUTCOMES)
                )
            ],
        )
    day = on or datetime.now(UTC).date()
    last = max((e.happened_on for e in intro.history), default=intro.introduced_on)
    if day < last:
        raise ValidationError(
            "outcome dated too early",
            [
                Finding(
                    f"before the last outcome ({last})",
                    None,
                    None,
                    "date",
                    day.isoformat(),
                    "date it on or after the last one",
                )
            ],
        )
    intro.history.append(
        IntroductionEvent(outcome=outcome, happened_on=day, note=note.strip(), by=_who(user))
    )
    intro.outcome = outcome
    session.flush()
    return intro


def list_introductions(session: Session, user: Any) -> list[dict[str, Any]]:
    """Introductions ``user`` may see: of projects in its scope, or (investor) its own."""
    q = (
        select(Introduction, InvestmentProject, City)
        .join(InvestmentProject, InvestmentProject.id == Introduction.project_id)
        .join(City, City.id == InvestmentProject.city_id)
    )
    if user is not CLI:
        if user is None:
            return []
        if access.is_investor(user):
            own = sorted(access.own_investor_ids(user, session)) or [-1]
            q = q.where(Introduction.investor_id.in_(own), access.consented())
        else:
            q = q.where(_scope(session, user))
    inv = _pairs(session.execute(select(Investor.id, Investor.name)))
    win = _pairs(session.execute(select(InvestmentWindow.id, InvestmentWindow.name)))
    out = []
    for intro, p, c in session.execute(q.order_by(Introduction.id)).all():
        kind = "investor" if intro.investor_id is not None else "window"
        cid = intro.investor_id if intro.investor_id is not None else intro.window_id
        out.append(
            {
                "id": intro.id,
                "project_id": p.id,
                "project": p.title,
                "city": c.slug,
                "kind": kind,
                "counterpart_id": cid,
                "counterpart": (inv if kind == "investor" else win).get(cid or 0, ""),
                "introduced_on": intro.introduced_on.isoformat(),
                "outcome": intro.outcome,
                "history": [
                    {"outcome": e.outcome, "on": e.happened_on.isoformat(), "note": e.note}
                    for e in intro.history
                ],
            }
        )
    return out


def list_reviews(session: Session, user: Any, project_id: int | None = None) -> list[MatchReview]:
    q = select(MatchReview).join(InvestmentProject, InvestmentProject.id == MatchReview.project_id)
    if user is not CLI:
        q = q.where(_scope(session, user))
    if project_id is not None:
        q = q.where(MatchReview.project_id == project_id)
    return list(session.scalars(q.order_by(MatchReview.id)))


__all__ = [
    "DECISIONS",
    "OUTCOMES",
    "explain",
    "introduce",
    "list_introductions",
    "list_reviews",
    "record_outcome",
    "review_match",
    "run_match",
]
