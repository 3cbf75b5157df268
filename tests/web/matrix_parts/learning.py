"""The access matrix's learning part: a course, the matrix learner's certificate."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import Engine

from tests.web._matrix import ADMIN_ONLY, EMAILS, HUB_STAFF, LOGGED_IN, PUBLIC, Case, World, case

#: the holder (the matrix's learner), hub staff and admins; 404 for everyone else
HOLDER = (401, 200, 404, 404, 200, 200)
NOWHERE = (404,) * 6
UNKNOWN = "SDGL-0000-0000-0000"

ROUTES: dict[str, list[Case]] = {
    "/learn": [case("/learn")],
    "/learn/courses/{slug}": [
        case("/learn/courses/{learn_course}"),
        case("/learn/courses/no-such-course", NOWHERE),
    ],
    "/learn/courses/{slug}/learners": [case("/learn/courses/{learn_course}/learners", HUB_STAFF)],
    "/learn/completions.csv": [case("/learn/completions.csv", HUB_STAFF)],
    "/learn/me": [case("/learn/me", LOGGED_IN)],
    "/learn/certificates/{code}.pdf": [
        case("/learn/certificates/{learn_code}.pdf", HOLDER),
        case(f"/learn/certificates/{UNKNOWN}.pdf", (401, 404, 404, 404, 404, 404)),
    ],
    "/learn/verify": [case("/learn/verify"), case("/learn/verify?code=nonsense", NOWHERE)],
    "/learn/verify/{code}": [
        case("/learn/verify/{learn_code}", PUBLIC),
        case(f"/learn/verify/{UNKNOWN}", NOWHERE),
    ],
    "/learn/reports": [
        case("/learn/reports", HUB_STAFF),
        case("/learn/reports?start=2026-01-01&end=2026-12-31", HUB_STAFF),
    ],
    "/learn/reports.csv": [case("/learn/reports.csv", HUB_STAFF)],
    "/api/v1/learning/courses": [case("/api/v1/learning/courses")],
    "/api/v1/learning/courses/{slug}": [case("/api/v1/learning/courses/{learn_course}")],
    "/api/v1/learning/me": [case("/api/v1/learning/me", LOGGED_IN)],
    "/api/v1/learning/certificates/{code}/verify": [
        case("/api/v1/learning/certificates/{learn_code}/verify"),
        case(f"/api/v1/learning/certificates/{UNKNOWN}/verify", NOWHERE),
    ],
    "/api/v1/learning/certificates/{code}/badge": [
        case("/api/v1/learning/certificates/{learn_code}/badge", HOLDER)
    ],
    "/api/v1/learning/reports": [case("/api/v1/learning/reports", HUB_STAFF)],
}
_ = ADMIN_ONLY


def seed(engine: Engine, world: World) -> None:
    """A course on a catalogue entry; the matrix's learner completes it."""
    import yaml

    from sdgcities.accounts.users import get_user
    from sdgcities.capacity import needs as cb
    from sdgcities.learning import service as svc
    from sdgcities.store.db import transaction

    course_file = Path(tempfile.mkdtemp()) / "course.yaml"
    course_file.write_text(
        yaml.safe_dump(
            {
                "slug": "matrix-course",
                "catalogue": "matrix-learn",
                "title": "Matrix course",
                "hours": 1,
                "lessons": [{"title": "Only lesson", "text": "Read this."}],
            }
        ),
        encoding="utf-8",
    )
    with transaction(engine) as s:
        cb.add_entry(
            s,
            slug="matrix-learn",
            kind="training_course",
            title="Matrix entry",
            themes=["urban_data"],
            published=True,
        )
        course, _ = svc.import_course(s, course_file)
        learner = get_user(s, EMAILS["learner"])
        svc.enrol(s, course, learner, actor=learner)
        svc.view_lesson(s, course, learner, 1)
        (cert,) = svc.certificates_of(s, learner)
        world.extra["learn_course"] = course.slug
        world.extra["learn_code"] = cert.code
