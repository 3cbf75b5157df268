"""The pages through the in-process client: unknown codes, privacy of the verification
page, the learner's own download only, French and Spanish catalogues complete."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities._i18n import locale_dir
from sdgcities.accounts.users import get_user
from sdgcities.learning import service as svc
from sdgcities.store.db import transaction
from tests.learning.conftest import seed_store, write_course
from tests.web._apphelp import login, make_app

TEMPLATES = Path(str(resources.files("sdgcities.web") / "templates" / "learning"))


@pytest.fixture
def site(sqlite_engine: Engine, tmp_path: Path) -> tuple[TestClient, str]:
    seed_store(sqlite_engine)
    with transaction(sqlite_engine) as s:
        amina = get_user(s, "amina@learner.example")
        course, _ = svc.import_course(s, write_course(tmp_path, assessments=[]))
        svc.enrol(s, course, amina, actor=amina)
        svc.view_lesson(s, course, amina, 1)
        svc.view_lesson(s, course, amina, 2)
        code = svc.certificates_of(s, get_user(s, "amina@learner.example"))[0].code
    return TestClient(make_app(sqlite_engine)), code


def test_verification_is_public_and_shows_nothing_personal(site: tuple[TestClient, str]) -> None:
    client, code = site
    r = client.get(f"/learn/verify/{code.lower()}")
    assert r.status_code == 200
    assert "Amina Otieno" in r.text
    assert "Valid certificate" in r.text
    assert "amina@learner.example" not in r.text
    api = client.get(f"/api/v1/learning/certificates/{code}/verify").json()
    assert api["status"] == "valid"


@pytest.mark.parametrize("code", ["SDGL-0000-0000-0000", "nonsense", "SDGL-ZZZZ-ZZZZ-ZZZZ"])
def test_unknown_code_is_a_clear_404(site: tuple[TestClient, str], code: str) -> None:
    client, _ = site
    r = client.get(f"/learn/verify/{code}")
    assert r.status_code == 404
    assert "check the code on the certificate" in r.text
    api = client.get(f"/api/v1/learning/certificates/{code}/verify")
    assert api.status_code == 404
    assert api.json()["error"]["message"] == svc.UNKNOWN_CODE


def test_only_the_holder_downloads(site: tuple[TestClient, str]) -> None:
    client, code = site
    login(client, "bo@learner.example")
    assert client.get(f"/learn/certificates/{code}.pdf").status_code == 404
    client.cookies.clear()
    login(client, "amina@learner.example")
    r = client.get(f"/learn/certificates/{code}.pdf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


def test_course_page_in_french(site: tuple[TestClient, str]) -> None:
    client, _ = site
    r = client.get("/learn/courses/test-course", headers={"Accept-Language": "fr"})
    assert r.status_code == 200
    assert "Leçons" in r.text


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_text_is_translated(lang: str) -> None:
    with (locale_dir() / lang / "LC_MESSAGES" / "learning.po").open("rb") as fh:
        catalogue = read_po(fh)
    have = {m.id for m in catalogue if m.id and m.string}
    pattern = re.compile(r'_\(\s*"((?:[^"\\]|\\.)*)"\s*\)')
    wanted = {t for f in TEMPLATES.glob("*.html") for t in pattern.findall(f.read_text("utf-8"))}
    assert wanted - have == set()


def test_learners_page_is_for_hub_staff(site: tuple[TestClient, str]) -> None:
    client, _ = site
    login(client, "amina@learner.example")
    assert client.get("/learn/courses/test-course/learners").status_code == 403
    assert client.get("/learn/completions.csv").status_code == 403
    client.cookies.clear()
    login(client, "hub@hub.example")
    page = client.get("/learn/courses/test-course/learners")
    assert page.status_code == 200
    assert "amina@learner.example" in page.text
    csv_text = client.get("/learn/completions.csv?course=test-course").text
    assert csv_text.splitlines()[1].startswith("test-course,amina@learner.example,")


def test_demo_course_loads_once(sqlite_engine: Engine) -> None:
    from sdgcities.learning.demo import DEMO_SLUG, demo_line
    from sdgcities.store.db import migrate

    migrate(sqlite_engine)
    with transaction(sqlite_engine) as s:
        assert "demo course" in demo_line(s)
        assert "already loaded" in demo_line(s)
        course = svc.get_course(s, DEMO_SLUG)
        assert len(svc.lessons_of(s, course)) == 3
        (ass,) = svc.assessments_of(s, course)
        assert ass.pass_mark == 70
