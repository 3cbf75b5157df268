"""The JSON API with a bearer token: enrol, view, attempt (answers counted from 1), badge,
the report for hub staff only, and the one error shape."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.accounts.tokens import issue_token
from sdgcities.learning import service as svc
from sdgcities.store.db import transaction
from tests.learning.conftest import seed_store, write_course
from tests.web._apphelp import bearer, make_app


def test_api_flow(sqlite_engine: Engine, tmp_path: Path) -> None:
    seed_store(sqlite_engine)
    with transaction(sqlite_engine) as s:
        svc.import_course(s, write_course(tmp_path))
        amina, _ = issue_token(s, "amina@learner.example")
        hub, _ = issue_token(s, "hub@hub.example")
    client = TestClient(make_app(sqlite_engine))
    me = bearer(amina)
    course = client.get("/api/v1/learning/courses/test-course").json()
    assert "answer" not in str(course["assessments"])  # the answers never leave
    early = client.post("/api/v1/learning/courses/test-course/lessons/1/view", headers=me)
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "conflict"
    r = client.post("/api/v1/learning/courses/test-course/enrolments", json={}, headers=me)
    assert r.status_code == 201
    assert r.json()["created"] is True
    other = client.post(
        "/api/v1/learning/courses/test-course/enrolments",
        json={"email": "bo@learner.example"},
        headers=me,
    )
    assert other.status_code == 403
    for n in (1, 2):
        assert (
            client.post(
                f"/api/v1/learning/courses/test-course/lessons/{n}/view", headers=me
            ).status_code
            == 200
        )
    bad = client.post(
        "/api/v1/learning/courses/test-course/assessments/1/attempts",
        json={"answers": [9, 2, 2, 2]},
        headers=me,
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["details"][0]["column"] == "q1"
    ok = client.post(
        "/api/v1/learning/courses/test-course/assessments/1/attempts",
        json={"answers": [2, 2, 2, 1]},
        headers=me,
    )
    assert ok.status_code == 201
    body = ok.json()
    assert (body["score"], body["passed"]) == (75.0, True)
    code = body["progress"]["certificate"]
    assert code
    badge = client.get(f"/api/v1/learning/certificates/{code}/badge", headers=me)
    assert badge.headers["content-type"].startswith("application/ld+json")
    assert badge.json()["credentialSubject"]["type"] == ["AchievementSubject"]
    assert client.get("/api/v1/learning/reports", headers=me).status_code == 403
    rep = client.get("/api/v1/learning/reports", headers=bearer(hub)).json()
    assert rep["totals"]["enrolments"] is None  # 1 learner: suppressed below 5
