"""Submit → return → resubmit → publish, on SQLite and PostgreSQL, through the service."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from sdgcities.accounts.users import get_user
from sdgcities.errors import NotFoundError, PermissionDeniedError, ValidationError
from sdgcities.observations.service import current_observations, record_value
from sdgcities.review import service
from sdgcities.review.models import ReviewLogEntry
from sdgcities.review.workflow import TransitionError
from sdgcities.store.db import transaction
from sdgcities.store.models import Observation
from tests.review._seed import Seeded, seed


@pytest.fixture
def store(engine: Engine) -> tuple[Engine, Seeded]:
    return engine, seed(engine)


def _public(s: object, city: int) -> dict[str, float]:
    frame = current_observations(s, city_ids=[city], published_only=True)  # type: ignore[arg-type]
    return dict(zip(frame["indicator"], frame["value"], strict=True))


def _draft(s: object, city: int, value: float, reason: str = "new survey") -> Observation:
    return record_value(
        s,  # type: ignore[arg-type]
        city_id=city,
        indicator_code="11.2.1",
        year=2020,
        value=value,
        user="editor-a@example.org",
        reason=reason,
        status="draft",
    )


def test_round_trip_with_a_return(store: tuple[Engine, Seeded]) -> None:
    engine, seeded = store
    with transaction(engine) as s:
        _draft(s, seeded.a, 45.0)
        editor = get_user(s, "editor-a@example.org")
        sub = service.submit(s, seeded.a, actor=editor, comment="2024 survey")
        assert sub.state == "submitted"
        assert _public(s, seeded.a) == {"11.2.1": 41.5}  # the draft is not public yet
        hub = get_user(s, "hub@example.org")
        with pytest.raises(ValidationError, match="comment"):
            service.return_submission(s, sub.id, actor=hub, comment="  ")
        service.return_submission(s, sub.id, actor=hub, comment="45 is a typo: 43")
        with pytest.raises(TransitionError):
            service.publish(s, sub.id, actor=hub)
        fixed = _draft(s, seeded.a, 43.0, reason="typo fixed")
        again = service.submit(s, seeded.a, actor=editor)
        assert again.id == sub.id
        assert service.item_ids(s, sub.id) == [fixed.id]  # the corrected draft replaced 45
        view = service.show(s, sub.id, user=hub)
        assert [(i.published_value, i.value) for i in view.items] == [(41.5, 43.0)]
        service.publish(s, sub.id, actor=hub, comment="thanks")
        assert _public(s, seeded.a) == {"11.2.1": 43.0}
        log = service.history(s, sub.id)
        assert [(e.action, e.from_state, e.to_state) for e in log] == [
            ("open", None, "draft"),
            ("submit", "draft", "submitted"),
            ("return", "submitted", "returned"),
            ("submit", "returned", "submitted"),
            ("publish", "submitted", "published"),
        ]
        assert log[2].comment == "45 is a typo: 43"
        assert log[2].actor == "hub@example.org"
        assert log[-1].what["observations"] == [fixed.id]
        # one public version per key; the published draft is it
        public = s.scalars(
            select(Observation).where(Observation.city_id == seeded.a, Observation.is_public)
        ).all()
        assert [o.id for o in public] == [fixed.id]


def test_only_the_right_people_act(store: tuple[Engine, Seeded]) -> None:
    engine, seeded = store
    with transaction(engine) as s:
        _draft(s, seeded.a, 45.0)
        record_value(
            s, city_id=seeded.b, indicator_code="11.2.1", year=2020, value=33.0, status="draft"
        )
        eb = get_user(s, "editor-b@example.org")
        with pytest.raises(PermissionDeniedError, match="editors"):
            service.submit(s, seeded.a, actor=eb)
        with pytest.raises(PermissionDeniedError):
            service.submit(s, seeded.a, actor=get_user(s, "hub@example.org"))
        sub_a = service.submit(s, seeded.a, actor=get_user(s, "editor-a@example.org"))
        sub_b = service.submit(s, seeded.b, actor=eb)
        hub = get_user(s, "hub@example.org")
        # the hub serves A, not B: B's submission does not exist for it
        with pytest.raises(NotFoundError):
            service.publish(s, sub_b.id, actor=hub)
        with pytest.raises(PermissionDeniedError, match="reviewers"):
            service.publish(s, sub_a.id, actor=get_user(s, "editor-a@example.org"))
        with pytest.raises(NotFoundError):
            service.show(s, sub_a.id, user=get_user(s, "learner@example.org"))
        assert [x.id for x in service.list_submissions(s, user=hub, reviewable=True)] == [sub_a.id]
        assert service.list_submissions(s, user=None) == []
        assert service.audit(s, user=get_user(s, "learner@example.org")) == []
        assert {e.city_id for e in service.audit(s, user=hub)} == {seeded.a}
        service.publish(s, sub_b.id, actor=get_user(s, "admin@example.org"))
        assert _public(s, seeded.b) == {"11.2.1": 33.0}


def test_nothing_to_submit_and_direct_publication(store: tuple[Engine, Seeded]) -> None:
    engine, seeded = store
    with transaction(engine) as s:
        with pytest.raises(ValidationError, match="no draft values"):
            service.submit(s, seeded.a, actor=get_user(s, "editor-a@example.org"))
        draft = _draft(s, seeded.a, 50.0)
        with pytest.raises(PermissionDeniedError, match="admins"):
            service.publish_directly(s, [draft.id], actor=get_user(s, "hub@example.org"))
        calls: list[set[int]] = []
        service.ON_PUBLISH.append(lambda _s, ids: calls.append(ids))
        try:
            subs = service.publish_directly(
                s, [draft.id], actor=get_user(s, "admin@example.org"), comment="official"
            )
        finally:
            service.ON_PUBLISH.pop()
        assert calls == [{seeded.a}]
        assert [x.state for x in subs] == ["published"]
        assert _public(s, seeded.a) == {"11.2.1": 50.0}
        entry = s.scalars(select(ReviewLogEntry).order_by(ReviewLogEntry.id.desc())).first()
        assert entry is not None
        assert (entry.action, entry.actor, entry.comment) == (
            "publish_direct",
            "admin@example.org",
            "official",
        )
