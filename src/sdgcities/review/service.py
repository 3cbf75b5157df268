"""Review use cases: submit a city's drafts, publish or return them, list, show, audit.

Every change of state goes through :func:`transition` — the one place that checks the
workflow table (:mod:`sdgcities.review.workflow`) and the actor's rights, and appends an
entry to the review log (who, when, from → to, comment, which values). Publishing makes
each value its key's public version (:func:`sdgcities.observations.visibility.make_public`)
and then runs the :data:`ON_PUBLISH` hooks (e.g. the stored-score refresh).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from sdgcities.accounts import permissions
from sdgcities.errors import Finding, NotFoundError, PermissionDeniedError, ValidationError
from sdgcities.observations.visibility import make_public_many
from sdgcities.review.models import ReviewLogEntry, Submission, SubmissionItem
from sdgcities.review.workflow import (
    DUTY,
    NEEDS_COMMENT,
    OPEN_STATES,
    Action,
    State,
    next_state,
)
from sdgcities.store.models import City, Indicator, Observation, User, utcnow

logger = logging.getLogger(__name__)

#: called as ``hook(session, city_ids)`` after values of those cities were published
ON_PUBLISH: list[Callable[[Session, set[int]], None]] = []

KINDS = ("import", "spatial", "corrections")
T = TypeVar("T")


def _refresh_scores(session: Session, city_ids: set[int]) -> None:
    """Refresh the stored public scores of the cities whose values were published, once,
    before this transaction commits (:func:`sdgcities.assessment.stored.scores_changed`)."""
    from sdgcities.assessment.stored import scores_changed

    scores_changed(session, city_ids)


ON_PUBLISH.append(_refresh_scores)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ItemView:
    """One value of a submission beside the version the public sees now."""

    observation_id: int
    indicator: str
    year: int
    disaggregation: str
    value: float
    unit: str | None
    status: str
    is_current: bool
    reason: str
    published_value: float | None
    published_id: int | None


@dataclass
class SubmissionView:
    submission: Submission
    city: City
    items: list[ItemView] = field(default_factory=list)
    log: list[ReviewLogEntry] = field(default_factory=list)


def _what(session: Session, obs_ids: Iterable[int]) -> dict[str, Any]:
    ids = sorted(set(obs_ids))
    imports: set[int] = set()
    runs: set[int] = set()
    if ids:
        for import_id, prov in session.execute(
            select(Observation.import_id, Observation.provenance).where(Observation.id.in_(ids))
        ):
            if import_id is not None:
                imports.add(int(import_id))
            if isinstance(prov, dict) and prov.get("run_id") is not None:
                runs.add(int(prov["run_id"]))
    return {"observations": ids, "imports": sorted(imports), "spatial_runs": sorted(runs)}


def _kind_of(what: dict[str, Any]) -> str:
    if what["spatial_runs"] and not what["imports"]:
        return "spatial"
    if what["imports"]:
        return "import"
    return "corrections"


def item_ids(session: Session, submission_id: int) -> list[int]:
    return list(
        session.scalars(
            select(SubmissionItem.observation_id)
            .where(SubmissionItem.submission_id == submission_id)
            .order_by(SubmissionItem.observation_id)
        )
    )


def get_submission(session: Session, submission_id: int, *, user: User | None) -> Submission:
    """A submission ``user`` may see (its city's editors, reviewers); NotFoundError else."""
    sub = session.get(Submission, submission_id)
    if sub is None or not permissions.can_see_drafts(user, sub.city_id, session):
        raise NotFoundError(f"no submission {submission_id}")
    return sub


def show(session: Session, submission_id: int, *, user: User | None) -> SubmissionView:
    """A submission with its values (new draft beside the published one) and its log."""
    sub = get_submission(session, submission_id, user=user)
    city = session.get(City, sub.city_id)
    assert city is not None
    view = SubmissionView(sub, city, log=history(session, submission_id))
    ids = item_ids(session, sub.id)
    if not ids:
        return view
    rows = session.execute(
        select(Observation, Indicator.code)
        .join(Indicator, Indicator.id == Observation.indicator_id)
        .where(Observation.id.in_(ids))
        .order_by(Indicator.code, Observation.year, Observation.disaggregation)
    ).all()
    keys = {(o.indicator_id, o.year, o.disaggregation) for o, _ in rows}
    public = {
        (p.indicator_id, p.year, p.disaggregation): p
        for p in session.scalars(
            select(Observation).where(
                Observation.city_id == sub.city_id,
                Observation.is_public.is_(True),
                Observation.indicator_id.in_(sorted({k[0] for k in keys})),
            )
        )
    }
    for obs, code in rows:
        pub = public.get((obs.indicator_id, obs.year, obs.disaggregation))
        if pub is not None and pub.id == obs.id:
            pub = None
        view.items.append(
            ItemView(
                observation_id=obs.id,
                indicator=code,
                year=obs.year,
                disaggregation=obs.disaggregation,
                value=obs.value,
                unit=obs.unit,
                status=obs.status,
                is_current=obs.is_current,
                reason=obs.reason,
                published_value=pub.value if pub is not None else None,
                published_id=pub.id if pub is not None else None,
            )
        )
    return view


def list_submissions(
    session: Session,
    *,
    user: User | None,
    state: str | None = None,
    city_id: int | None = None,
    reviewable: bool = False,
    limit: int = 200,
) -> list[Submission]:
    """The submissions ``user`` may see (or, with ``reviewable``, may review), newest first."""
    ids = (
        permissions.reviewable_city_ids(user, session)
        if reviewable
        else permissions.draft_city_ids(user, session)
    )
    q = select(Submission).order_by(Submission.updated_at.desc(), Submission.id.desc())
    filters = {Submission.state: state, Submission.city_id: city_id}
    return _scoped(session, q, Submission.city_id, ids, filters, limit)


def _scoped(
    session: Session,
    q: Select[T],
    city_column: InstrumentedAttribute[int],
    ids: set[int] | None,
    filters: dict[InstrumentedAttribute[Any], Any],
    limit: int,
) -> list[T]:
    """Rows of ``q`` in the cities ``ids`` (None: all) matching the non-None ``filters``."""
    if ids is not None and not ids:
        return []
    if ids is not None:
        q = q.where(city_column.in_(sorted(ids)))
    for column, wanted in filters.items():
        if wanted is not None:
            q = q.where(column == wanted)
    return list(session.scalars(q.limit(limit)))


def history(session: Session, submission_id: int) -> list[ReviewLogEntry]:
    """The log of one submission, oldest first."""
    return list(
        session.scalars(
            select(ReviewLogEntry)
            .where(ReviewLogEntry.submission_id == submission_id)
            .order_by(ReviewLogEntry.at, ReviewLogEntry.id)
        )
    )


def audit(
    session: Session,
    *,
    user: User | None,
    city_id: int | None = None,
    action: str | None = None,
    limit: int = 500,
) -> list[ReviewLogEntry]:
    """The review log entries ``user`` may see, newest first (who, when, what)."""
    ids = permissions.draft_city_ids(user, session)
    q = select(ReviewLogEntry).order_by(ReviewLogEntry.at.desc(), ReviewLogEntry.id.desc())
    filters = {ReviewLogEntry.city_id: city_id, ReviewLogEntry.action: action}
    return _scoped(session, q, ReviewLogEntry.city_id, ids, filters, limit)


def open_submission_of(session: Session, city_id: int) -> Submission | None:
    """The city's submission still in the works (draft, submitted or returned), if any."""
    return session.scalar(
        select(Submission)
        .where(Submission.city_id == city_id, Submission.state.in_(OPEN_STATES))
        .order_by(Submission.id.desc())
        .limit(1)
    )


def draft_ids(session: Session, city_id: int) -> list[int]:
    """The city's current draft values (what a submission of the city holds)."""
    return list(
        session.scalars(
            select(Observation.id)
            .where(
                Observation.city_id == city_id,
                Observation.is_current.is_(True),
                Observation.status == "draft",
            )
            .order_by(Observation.id)
        )
    )


# --------------------------------------------------------------------------- changing


def _check_duty(session: Session, actor: User | None, action: Action, city_id: int) -> None:
    duty = DUTY[action]
    if duty == "editor":
        ok = permissions.can_edit_city(actor, city_id, session)
        who = "the city's editors (or an admin)"
    elif duty == "reviewer":
        ok = permissions.can_review(actor, city_id, session)
        who = "the reviewers of the hub serving the city, the global hub or an admin"
    else:
        ok = permissions.can_publish_directly(actor)
        who = "admins and the global hub"
    if not ok:
        name = actor.email if actor is not None else "an anonymous visitor"
        raise PermissionDeniedError(f"{name} may not {action} this submission; only {who} may")


def transition(
    session: Session,
    submission: Submission | None,
    action: Action,
    *,
    actor: User | None,
    city_id: int,
    comment: str = "",
    observation_ids: Iterable[int] = (),
    actor_label: str | None = None,
) -> Submission:
    """The one way a submission changes state: check, change, log (flushes).

    ``actor_label`` records a tool acting without an account (``sdgcities demo``);
    only ``publish_direct`` accepts it.
    """
    if actor_label is None or action != "publish_direct":
        _check_duty(session, actor, action, city_id)
    comment = comment.strip()
    if action in NEEDS_COMMENT and not comment:
        raise ValidationError(
            f"cannot {action} the submission",
            [Finding("the comment is empty", column="comment", fix="say what must be fixed")],
        )
    before: State | None = submission.state if submission is not None else None  # type: ignore[assignment]
    after = next_state(before, action)
    who = actor.email if actor is not None else (actor_label or "")
    now = utcnow()
    if submission is None:
        submission = Submission(city_id=city_id, state=after, created_by=who, created_at=now)
        session.add(submission)
    submission.state = after
    submission.updated_at = now
    session.flush()
    ids = list(observation_ids)
    what = _what(session, ids)
    if action in ("open", "submit", "publish_direct"):
        submission.kind = _kind_of(what)
    session.add(
        ReviewLogEntry(
            submission_id=submission.id,
            city_id=city_id,
            at=now,
            actor=who,
            action=action,
            from_state=before,
            to_state=after,
            comment=comment,
            what=what,
        )
    )
    session.flush()
    logger.info("review #%s: %s %s → %s by %s", submission.id, action, before, after, who)
    return submission


def _set_items(session: Session, submission: Submission, ids: list[int]) -> None:
    have = set(item_ids(session, submission.id))
    rows = [
        {"submission_id": submission.id, "observation_id": oid} for oid in ids if oid not in have
    ]
    for start in range(0, len(rows), 10_000):
        session.execute(insert(SubmissionItem), rows[start : start + 10_000])
    session.flush()


def _city(session: Session, key: str | int) -> City:
    from sdgcities.observations.service import resolve_city

    return resolve_city(session, key)


def submit(
    session: Session, city: str | int, *, actor: User | None, comment: str = "", title: str = ""
) -> Submission:
    """Put the city's current drafts up for review (a new or a returned submission).

    The submission holds every current draft value of the city; values corrected after
    a return replace the ones they correct.
    """
    target = _city(session, city)
    _check_duty(session, actor, "submit", target.id)
    ids = draft_ids(session, target.id)
    if not ids:
        raise ValidationError(
            f"{target.name} has no draft values to submit",
            [
                Finding(
                    "no draft values",
                    column="city",
                    value=target.slug,
                    fix="import or correct values first (they are stored as drafts)",
                )
            ],
        )
    sub = open_submission_of(session, target.id)
    if sub is None:
        sub = transition(session, None, "open", actor=actor, city_id=target.id, observation_ids=ids)
    if title:
        sub.title = title[:500]
    elif not sub.title:
        sub.title = f"{target.name}: {len(ids)} value(s)"
    current = set(ids)
    stale = [oid for oid in item_ids(session, sub.id) if oid not in current]
    if stale:
        session.query(SubmissionItem).filter(
            SubmissionItem.submission_id == sub.id, SubmissionItem.observation_id.in_(stale)
        ).delete(synchronize_session=False)
    _set_items(session, sub, ids)
    return transition(
        session, sub, "submit", actor=actor, city_id=target.id, comment=comment, observation_ids=ids
    )


def _publish_values(session: Session, ids: list[int]) -> tuple[list[int], set[int]]:
    """Publish the still-current drafts among ``ids``; (those published, their cities)."""
    published: list[int] = []
    cities: set[int] = set()
    for start in range(0, len(ids), 5000):
        # superseded by a newer version since, or published already: left as they are
        for oid, cid in session.execute(
            select(Observation.id, Observation.city_id).where(
                Observation.id.in_(ids[start : start + 5000]),
                Observation.is_current.is_(True),
                Observation.status == "draft",
            )
        ):
            published.append(int(oid))
            cities.add(int(cid))
    make_public_many(session, published)
    return published, cities


def _after_publish(session: Session, cities: set[int]) -> None:
    if not cities:
        return
    for hook in ON_PUBLISH:
        hook(session, cities)


def publish(
    session: Session, submission_id: int, *, actor: User | None, comment: str = ""
) -> Submission:
    """Publish a submitted batch: each still-current draft becomes its key's public version."""
    sub = get_submission(session, submission_id, user=actor)
    _check_duty(session, actor, "publish", sub.city_id)
    next_state(sub.state, "publish")  # type: ignore[arg-type]  # refuse before any write
    published, cities = _publish_values(session, item_ids(session, sub.id))
    sub = transition(
        session,
        sub,
        "publish",
        actor=actor,
        city_id=sub.city_id,
        comment=comment,
        observation_ids=published,
    )
    _after_publish(session, cities)
    return sub


def return_submission(
    session: Session, submission_id: int, *, actor: User | None, comment: str
) -> Submission:
    """Send a submission back to its editors with a comment saying what to fix."""
    sub = get_submission(session, submission_id, user=actor)
    return transition(
        session,
        sub,
        "return",
        actor=actor,
        city_id=sub.city_id,
        comment=comment,
        observation_ids=item_ids(session, sub.id),
    )


def publish_directly(
    session: Session,
    observation_ids: Iterable[int],
    *,
    actor: User | None,
    actor_label: str | None = None,
    comment: str = "",
) -> list[Submission]:
    """Publish values at once, without review — audited: one log entry per city.

    For admins and the global hub (``actor``), or a trusted tool without an account
    (``actor_label``, e.g. ``"sdgcities demo (login jdoe)"``). Values already published
    (e.g. an import stored as published) are only logged.
    """
    if actor_label is None and not permissions.can_publish_directly(actor):
        _check_duty(session, actor, "publish_direct", 0)  # raises, before any write
    ids = sorted(set(observation_ids))
    by_city: dict[int, list[int]] = {}
    for oid, cid in session.execute(
        select(Observation.id, Observation.city_id).where(Observation.id.in_(ids))
    ):
        by_city.setdefault(int(cid), []).append(int(oid))
    out: list[Submission] = []
    cities: set[int] = set()
    for cid, oids in sorted(by_city.items()):
        _, touched = _publish_values(session, oids)
        cities |= touched
        sub = transition(
            session,
            None,
            "publish_direct",
            actor=actor,
            actor_label=actor_label,
            city_id=cid,
            comment=comment,
            observation_ids=oids,
        )
        sub.title = f"published at once: {len(oids)} value(s)"
        _set_items(session, sub, oids)
        out.append(sub)
    _after_publish(session, cities)
    return out


def publish_import(
    session: Session,
    import_id: int,
    *,
    actor: User | None,
    actor_label: str | None = None,
    comment: str = "",
) -> list[Submission]:
    """:func:`publish_directly` every value an import wrote (audited per city)."""
    ids = list(session.scalars(select(Observation.id).where(Observation.import_id == import_id)))
    return publish_directly(
        session,
        ids,
        actor=actor,
        actor_label=actor_label,
        comment=comment or f"import #{import_id}",
    )
