"""Courses, enrolment, progress and completion through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from sdgcities.accounts.users import get_user
from sdgcities.capacity.models import CatalogueUsage
from sdgcities.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from sdgcities.learning import service as svc
from sdgcities.learning.models import Certificate, Course
from sdgcities.store.db import transaction
from tests.learning.conftest import course_data, write_course


def _usage(s: object) -> tuple[int, int]:
    rows = list(s.scalars(select(CatalogueUsage)))  # type: ignore[attr-defined]
    return sum(r.enrolments for r in rows), sum(r.completions for r in rows)


def test_import_sanitises_and_orders(store: Engine, tmp_path: Path) -> None:
    with transaction(store) as s:
        course, created = svc.import_course(s, write_course(tmp_path))
        assert created
        lessons = svc.lessons_of(s, course)
        assert [x.title for x in lessons] == ["One", "Two"]
        assert "<script>" not in lessons[0].body_html
        assert "&lt;script&gt;" in lessons[0].body_html
        assert "<em>lesson</em>" in lessons[0].body_html
        (ass,) = svc.assessments_of(s, course)
        assert ass.pass_mark == 75
        assert ass.questions[0]["answer"] == 1  # "answer: 2" counts from 1


def test_import_lists_every_problem(store: Engine, tmp_path: Path) -> None:
    import yaml

    bad = course_data(slug="Bad Slug", format="online", hours=0, lessons=[{"title": "x"}])
    bad["assessments"][0]["pass_mark"] = 120
    bad["assessments"][0]["questions"][0]["answer"] = 7
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with transaction(store) as s, pytest.raises(ValidationError) as err:
        svc.import_course(s, path)
    columns = {f.column for f in err.value.findings}
    assert {
        "slug",
        "format",
        "hours",
        "lessons[1].text",
        "assessments[1].pass_mark",
        "assessments[1].questions[1].answer",
    } <= columns
    assert all(f.file == "bad.yaml" for f in err.value.findings)
    with transaction(store) as s:
        assert s.scalar(select(Course.id)) is None


def test_import_refuses_a_catalogue_entry_that_is_no_course(store: Engine, tmp_path: Path) -> None:
    with transaction(store) as s, pytest.raises(ValidationError, match="guide"):
        svc.import_course(s, write_course(tmp_path, catalogue="a-guide"))


def test_self_paced_completion_from_the_rules(store: Engine, tmp_path: Path) -> None:
    with transaction(store) as s:
        course, _ = svc.import_course(s, write_course(tmp_path))
        amina = get_user(s, "amina@learner.example")
        with pytest.raises(ConflictError, match="enrol first"):
            svc.view_lesson(s, course, amina, 1)
        enrolment, created = svc.enrol(s, course, amina, actor=amina)
        assert created
        assert svc.enrol(s, course, amina, actor=amina)[1] is False
        assert _usage(s) == (1, 0)
        svc.view_lesson(s, course, amina, 1)
        svc.view_lesson(s, course, amina, 1)  # twice counts once
        # 2 of 4 right: 50 % < 75 %
        a1 = svc.submit_attempt(s, course, amina, 1, [1, 1, 0, 0])
        assert (a1.score, a1.passed) == (50.0, False)
        # 3 of 4 right: 75 % = the pass mark, but one lesson is still unread
        a2 = svc.submit_attempt(s, course, amina, 1, [1, 1, 1, 0])
        assert (a2.score, a2.passed) == (75.0, True)
        assert enrolment.completed_at is None
        # a worse attempt later does not undo the best one
        svc.submit_attempt(s, course, amina, 1, [0, 0, 0, 0])
        assert svc.progress(s, enrolment).missing == ["1 lesson(s) to view"]
        svc.view_lesson(s, course, amina, 2)
        assert enrolment.completed_at is not None
        assert _usage(s) == (1, 1)
        cert = s.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))
        assert cert is not None
        assert cert.holder_name == "Amina Otieno"
        assert cert.hours == 2
        with pytest.raises(ValidationError, match="do not fit"):
            svc.submit_attempt(s, course, amina, 1, [5, 0, 0, 0])


def test_blended_course_needs_attendance_from_staff(store: Engine, tmp_path: Path) -> None:
    with transaction(store) as s:
        course, _ = svc.import_course(
            s, write_course(tmp_path, slug="blended", format="blended", assessments=[])
        )
        bo = get_user(s, "bo@learner.example")
        hub = get_user(s, "hub@hub.example")
        enrolment, _ = svc.enrol(s, course, bo, actor=hub)  # staff enrol others
        assert enrolment.enrolled_by == "hub@hub.example"
        svc.view_lesson(s, course, bo, 1)
        svc.view_lesson(s, course, bo, 2)
        assert enrolment.completed_at is None
        with pytest.raises(PermissionDeniedError):
            svc.mark_attendance(s, course, bo, actor=bo)
        svc.mark_attendance(s, course, bo, actor=hub)
        assert enrolment.completed_at is not None


def test_learners_cannot_enrol_others(store: Engine, tmp_path: Path) -> None:
    with transaction(store) as s:
        course, _ = svc.import_course(s, write_course(tmp_path))
        amina = get_user(s, "amina@learner.example")
        bo = get_user(s, "bo@learner.example")
        with pytest.raises(PermissionDeniedError):
            svc.enrol(s, course, bo, actor=amina)


def test_unknown_code_and_revocation(store: Engine, tmp_path: Path) -> None:
    with transaction(store) as s:
        course, _ = svc.import_course(s, write_course(tmp_path, assessments=[]))
        amina = get_user(s, "amina@learner.example")
        svc.enrol(s, course, amina, actor=amina)
        svc.view_lesson(s, course, amina, 1)
        svc.view_lesson(s, course, amina, 2)
        (cert,) = svc.certificates_of(s, amina)
        code = cert.code
        with pytest.raises(NotFoundError, match="check the code on the certificate"):
            svc.verification(s, "SDGL-0000-0000-0000")
        with pytest.raises(PermissionDeniedError):
            svc.revoke(s, code, actor=get_user(s, "hub@hub.example"), reason="x")
        admin = get_user(s, "admin@admin.example")
        with pytest.raises(ValidationError, match="reason"):
            svc.revoke(s, code, actor=admin, reason=" ")
        svc.revoke(s, code, actor=admin, reason="issued in error")
        info = svc.verification(s, code.lower())
        assert info["status"] == "revoked"
        assert set(info) == {
            "code",
            "holder",
            "course",
            "issued_on",
            "hours",
            "status",
            "revoked_on",
        }


def test_profile_choices_are_checked(store: Engine) -> None:
    with transaction(store) as s:
        amina = get_user(s, "amina@learner.example")
        p = svc.set_profile(
            s, amina, sex="female", country="ken", organisation_type="local_government"
        )
        assert p.country_iso3 == "KEN"
        with pytest.raises(ValidationError, match="sex"):
            svc.set_profile(s, amina, sex="f")
        with pytest.raises(ValidationError, match="ISO 3166"):
            svc.set_profile(s, amina, country="XXX")
