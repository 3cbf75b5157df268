"""One JSON error shape on every error path of the API; HTML errors elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.accounts.errors import ThrottledError
from sdgcities.errors import ConflictError, Finding, ValidationError
from sdgcities.web.api._common import DbSession
from tests.web._apphelp import Seed, bearer, make_app, seed


def _boom_routes() -> APIRouter:
    """Routes that raise what no real endpoint can be made to raise on demand."""
    r = APIRouter()

    @r.get("/api/v1/_test/conflict")
    def conflict() -> None:
        raise ConflictError("the slug 'nairobi-ken' is taken")

    @r.get("/api/v1/_test/throttled")
    def throttled() -> None:
        raise ThrottledError("too many attempts", retry_after=42)

    @r.get("/api/v1/_test/findings")
    def findings() -> None:
        raise ValidationError(
            "the file has problems",
            [Finding("not a number", file="v.csv", row=3, column="value", value="x")],
        )

    @r.get("/api/v1/_test/crash")
    def crash() -> None:
        raise RuntimeError("secret internal detail /etc/passwd")

    @r.get("/_test/crash")
    def page_crash() -> None:
        raise RuntimeError("secret internal detail")

    return r


@pytest.fixture
def client(sqlite_engine: Engine) -> Iterator[tuple[TestClient, Seed]]:
    data = seed(sqlite_engine)
    app = make_app(sqlite_engine)
    app.include_router(_boom_routes())
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, data


def _shape(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"status", "code", "message", "details"}
    assert err["status"] == status
    assert err["code"] == code
    assert isinstance(err["message"], str)
    assert err["message"]
    assert isinstance(err["details"], list)
    return err  # type: ignore[no-any-return]


def test_every_error_path_has_the_shape(client: tuple[TestClient, Seed]) -> None:
    c, data = client
    _shape(c.get("/api/v1/no/such/route"), 404, "not_found")
    _shape(c.get("/api/v1/cities/atlantis"), 404, "not_found")
    err = _shape(c.put("/api/v1/cities"), 405, "method_not_allowed")
    assert "GET" in err["message"]
    err = _shape(c.get("/api/v1/cities", params={"limit": "lots"}), 422, "validation_error")
    assert err["details"][0]["field"] == "limit"
    assert err["details"][0]["location"] == "query"
    err = _shape(
        c.post("/api/v1/observations", json={"city": "x"}, headers=bearer(data.admin_token)),
        422,
        "validation_error",
    )
    assert {"indicator", "year", "value"} <= {d["field"] for d in err["details"]}
    _shape(
        c.post(
            "/api/v1/observations",
            content=b"{not json",
            headers={**bearer(data.admin_token), "Content-Type": "application/json"},
        ),
        422,
        "validation_error",
    )
    _shape(c.get("/api/v1/observations", params={"disaggregation": "sex"}), 400, "bad_request")
    err = _shape(c.get("/api/v1/_test/findings"), 400, "validation_error")
    assert err["details"][0]["row"] == 3
    assert err["details"][0]["column"] == "value"
    year = {"city": str(data.nairobi), "indicator": "11.2.1", "year": 2099, "value": 1.0}
    _shape(
        c.post("/api/v1/observations", json=year, headers=bearer(data.admin_token)),
        400,
        "validation_error",
    )
    r = c.get("/api/v1/me")
    _shape(r, 401, "unauthorized")
    _shape(c.get("/api/v1/me", headers=bearer("sdg_wrong")), 401, "unauthorized")
    _shape(c.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401, "unauthorized")
    other = dict(year, city=str(data.mombasa), year=2020)
    _shape(
        c.post("/api/v1/observations", json=other, headers=bearer(data.editor_token)),
        403,
        "forbidden",
    )
    _shape(c.get("/api/v1/_test/conflict"), 409, "conflict")
    r = c.get("/api/v1/_test/throttled")
    _shape(r, 429, "throttled")
    assert r.headers["retry-after"] == "42"
    err = _shape(c.get("/api/v1/_test/crash"), 500, "internal_error")
    assert "secret" not in err["message"]
    assert "passwd" not in c.get("/api/v1/_test/crash").text


def test_413_shape(client: tuple[TestClient, Seed], monkeypatch: pytest.MonkeyPatch) -> None:
    c, data = client
    app = c.app  # type: ignore[attr-defined]
    app.state.settings = replace(app.state.settings, max_upload_mb=0.0001)
    r = c.post(
        "/api/v1/observations/import",
        content=b"x" * 1000,
        headers={**bearer(data.editor_token), "Content-Type": "text/csv"},
    )
    _shape(r, 413, "payload_too_large")


def test_pages_get_html_errors(client: tuple[TestClient, Seed]) -> None:
    c, _ = client
    r = c.get("/no-such-page-anywhere")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    r = c.get("/_test/crash")
    assert r.status_code == 500
    assert "secret" not in r.text


# --------------------------------------------------------------------------- no 500s

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/cities/{HUGE}",
        f"/api/v1/cities/{2**31}",  # fits SQLite, not PostgreSQL's INTEGER
        f"/cities/{HUGE}",
        f"/cities/{HUGE}/challenges",
        f"/data/provenance/{HUGE}",
        f"/data/history?city={HUGE}&indicator=11.2.1",
        f"/compare?c={HUGE}",
        f"/cities/nairobi-ken/hexes/{HUGE}.geojson",
        f"/api/v1/observations/{HUGE}",
    ],
)
def test_huge_ids_are_4xx_not_500(client: tuple[TestClient, Seed], url: str) -> None:
    c, _ = client
    r = c.get(url)
    assert r.status_code in (200, 404, 422), (url, r.status_code)
    if url.startswith("/api/"):
        assert r.json()["error"]["status"] == r.status_code


@pytest.mark.parametrize("raw", ["1e400", "NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_get_a_finding(client: tuple[TestClient, Seed], raw: str) -> None:
    c, data = client
    body = '{"city": "nairobi-ken", "indicator": "11.2.1", "year": 2020, "value": ' + raw + "}"
    r = c.post(
        "/api/v1/observations",
        content=body,
        headers={**bearer(data.admin_token), "Content-Type": "application/json"},
    )
    err = _shape(r, 422, "validation_error")
    assert err["details"][0]["field"] == "value"
    assert "finite" in err["details"][0]["message"]


@pytest.mark.parametrize(("value", "needle"), [(150.0, "0–100"), (-5.0, "0–100"), (1e308, "0–100")])
def test_values_are_range_checked_against_the_unit(
    client: tuple[TestClient, Seed], value: float, needle: str
) -> None:
    c, data = client
    body = {"city": "nairobi-ken", "indicator": "11.2.1", "year": 2020, "value": value}
    err = _shape(
        c.post("/api/v1/observations", json=body, headers=bearer(data.admin_token)),
        422,
        "validation_error",
    )
    detail = err["details"][0]
    assert detail["field"] == "value"
    assert detail["unit"] == "%"
    assert needle in detail["message"]
    assert "0 to 100" in detail["fix"]


def test_unit_ranges_by_hand() -> None:
    from sdgcities.observations._validate import MAX_MAGNITUDE, range_problem, unit_range

    assert unit_range("%") == (0.0, 100.0)
    assert unit_range("per 100,000") == (0.0, MAX_MAGNITUDE)
    assert unit_range("% of GDP") == (-MAX_MAGNITUDE, MAX_MAGNITUDE)
    assert range_problem(100.0, "%") is None
    assert range_problem(0.0, "%") is None
    assert range_problem(100.0001, "%") is not None
    assert range_problem(-0.1, "µg/m³") is not None
    assert range_problem(-3.0, "% of GDP") is None
    assert range_problem(1e308, "% of GDP") is not None


def test_import_refuses_out_of_range_values_naming_row_and_column(
    client: tuple[TestClient, Seed],
) -> None:
    c, data = client
    csv = b"city,indicator,year,value\nnairobi-ken,11.2.1,2019,150\nnairobi-ken,11.2.1,2018,40\n"
    r = c.post(
        "/api/v1/observations/import?filename=v.csv",
        content=csv,
        headers={**bearer(data.admin_token), "Content-Type": "text/csv"},
    )
    assert r.status_code in (400, 422), r.text
    finding = next(d for d in r.json()["error"]["details"] if "outside" in d["message"])
    assert finding["row"] == 2
    assert finding["column"] == "value"
    assert finding["value"] == "150"
    # all or nothing: the good row of the file was not written either
    r = c.get("/api/v1/observations", params={"city": "nairobi-ken", "indicator": "11.2.1"})
    assert 2018 not in {o["year"] for o in r.json()["items"]}


# --------------------------------------------------------------------------- uploads


def _asgi(
    app: Any, method: str, path: str, chunks: list[bytes], headers: list[tuple[bytes, bytes]]
) -> tuple[int, int]:
    """Drive the real app at the ASGI level: (status, how many body chunks it read)."""
    import anyio

    sent: list[dict[str, Any]] = []
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        if reads < len(chunks):
            reads += 1
            return {
                "type": "http.request",
                "body": chunks[reads - 1],
                "more_body": reads < len(chunks),
            }
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("192.0.2.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }
    # in a thread of its own: an event loop another test left running in this thread
    # (Playwright's sync API keeps one) must not stop this one
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, app, scope, receive, send).result()
    return next(m["status"] for m in sent if m["type"] == "http.response.start"), reads


def test_anonymous_uploads_are_refused_before_the_body_is_read(
    client: tuple[TestClient, Seed],
) -> None:
    c, _ = client
    big = [b"x" * 65536] * 50
    status, reads = _asgi(
        c.app, "POST", "/api/v1/observations/import", big, [(b"content-type", b"text/csv")]
    )
    assert (status, reads) == (401, 0)
    form = [(b"content-type", b"multipart/form-data; boundary=xyz")]
    status, reads = _asgi(c.app, "POST", "/data/upload", big, form)
    assert (status, reads) == (303, 0)


def test_chunked_bodies_are_counted_while_streaming(client: tuple[TestClient, Seed]) -> None:
    c, data = client
    app = c.app  # type: ignore[attr-defined]
    app.state.settings = replace(app.state.settings, max_upload_mb=1)
    chunks = [b"x" * 65536] * 64  # 4 MB, no Content-Length
    auth = [
        (b"authorization", f"Bearer {data.admin_token}".encode()),
        (b"content-type", b"text/csv"),
    ]
    status, reads = _asgi(app, "POST", "/api/v1/observations/import", chunks, auth)
    assert status == 413
    assert reads <= 17  # stopped just past 1 MB, never read the rest
    # a declared length over the limit is refused unread
    status, reads = _asgi(
        app, "POST", "/api/v1/observations/import", chunks, [*auth, (b"content-length", b"4194304")]
    )
    assert (status, reads) == (413, 0)


def test_a_huge_login_body_is_refused(client: tuple[TestClient, Seed]) -> None:
    c, _ = client
    chunks = [b"a" * 65536] * 40  # 2.5 MB of form
    status, reads = _asgi(
        c.app, "POST", "/login", chunks, [(b"content-type", b"application/x-www-form-urlencoded")]
    )
    assert status == 413
    assert reads <= 17


def test_page_and_api_share_one_list_of_file_types(client: tuple[TestClient, Seed]) -> None:
    c, data = client
    files = {"file": ("values.exe", b"city,indicator,year,value\n", "application/octet-stream")}
    r = c.post("/api/v1/observations/import", files=files, headers=bearer(data.admin_token))
    err = _shape(r, 415, "unsupported_media_type")
    from sdgcities.config import UPLOAD_SUFFIXES

    assert all(s in err["message"] for s in UPLOAD_SUFFIXES)


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "url", ["/", "/api/v1/cities", "/api/v1/docs", "/ogc", "/no-such-page", "/static/css/site.css"]
)
def test_security_headers_everywhere(client: tuple[TestClient, Seed], url: str) -> None:
    c, _ = client
    r = c.get(url)
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script(client: tuple[TestClient, Seed]) -> None:
    import re

    c, _ = client
    for url in (
        "/",
        "/indicators",
        "/indicators/11.2.1",
        "/compare",
        "/data",
        "/login",
        "/cities/nairobi-ken",
        "/api/v1/docs",
    ):
        page = c.get(url).text
        for tag in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in tag or 'type="application/json"' in tag, (url, tag)
        assert not re.search(r"\son[a-z]+=\"", page), url


# --------------------------------------------------------------------------- exports


def test_formula_text_is_inert_in_csv_and_xlsx(client: tuple[TestClient, Seed]) -> None:
    import io

    from openpyxl import load_workbook

    c, data = client
    evil = '=HYPERLINK("http://evil.example/x","click")'
    body = {
        "city": "nairobi-ken",
        "indicator": "11.2.1",
        "year": 2019,
        "value": 12.5,
        "source": evil,
        "status": "published",  # the admin publishes at once: the public export shows it
    }
    assert (
        c.post("/api/v1/observations", json=body, headers=bearer(data.admin_token)).status_code
        == 201
    )
    csv = c.get(
        "/api/v1/exports/observations", params={"format": "csv"}, headers=bearer(data.admin_token)
    )
    assert csv.status_code == 200, csv.text
    assert "'=HYPERLINK" in csv.text
    assert ",=HYPERLINK" not in csv.text
    assert '"=HYPERLINK' not in csv.text
    xlsx = c.get(
        "/api/v1/exports/observations", params={"format": "xlsx"}, headers=bearer(data.admin_token)
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [
        cell
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    ]
    assert cells
    assert all(cell.data_type == "s" and cell.value.startswith("'=") for cell in cells)
    numbers = [
        cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, float)
    ]
    assert 12.5 in numbers  # numbers stay numbers


def test_a_store_too_busy_is_503_with_retry_after_and_nothing_written(
    client: tuple[TestClient, Seed],
) -> None:
    """A real SQLite lock held by another connection: the write waits, then 503, not 500."""
    from sqlalchemy import event, func, select

    from sdgcities.store.models import Observation

    c, data = client
    engine = c.app.state.engine  # type: ignore[attr-defined]
    engine.dispose()

    @event.listens_for(engine, "connect")
    def short_wait(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=300")  # after the store's own 30 s

    with engine.connect() as probe:
        before = probe.execute(select(func.count()).select_from(Observation)).scalar()
    holder = engine.raw_connection()
    try:
        holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
        value = {"city": str(data.nairobi), "indicator": "11.2.1", "year": 2021, "value": 40.0}
        r = c.post("/api/v1/observations", json=value, headers=bearer(data.editor_token))
        err = _shape(r, 503, "store_busy")
        assert r.headers["retry-after"] == "5"
        assert "nothing was changed" in err["message"]
    finally:
        holder.rollback()
        holder.close()
    with engine.connect() as probe:
        assert probe.execute(select(func.count()).select_from(Observation)).scalar() == before
    r = c.post("/api/v1/observations", json=value, headers=bearer(data.editor_token))
    assert r.status_code == 201, r.text  # the lock gone, the same request goes through


def test_a_commit_that_fails_is_the_answer_not_a_success_already_sent(
    client: tuple[TestClient, Seed],
) -> None:
    """The store refuses the COMMIT itself, after a handler that leaves committing to the
    request's session (as most do) has done all its work: the client gets the 503, and
    nothing is written. Committed after the response (FastAPI's default scope for a
    yield dependency), the client would already have had its 201."""
    import sqlite3

    from fastapi import APIRouter
    from sqlalchemy import event, func, select
    from sqlalchemy.exc import OperationalError

    from sdgcities.observations.service import record_value
    from sdgcities.store.models import Observation

    c, data = client
    router = APIRouter()

    @router.post("/api/v1/_test/write", status_code=201)
    def write(session: DbSession) -> dict[str, str]:
        record_value(session, city_id=data.nairobi, indicator_code="11.2.1", year=2023,
                     value=40.0, source="test")  # fmt: skip
        return {"status": "written"}

    c.app.include_router(router)  # type: ignore[attr-defined]
    engine = c.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as probe:
        before = probe.execute(select(func.count()).select_from(Observation)).scalar()

    def refuse(_conn: Any) -> None:
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

    event.listen(engine, "commit", refuse)
    try:
        _shape(c.post("/api/v1/_test/write"), 503, "store_busy")
    finally:
        event.remove(engine, "commit", refuse)
    with engine.connect() as probe:
        assert probe.execute(select(func.count()).select_from(Observation)).scalar() == before
    assert c.post("/api/v1/_test/write").status_code == 201  # the store willing, it is written
    with engine.connect() as probe:
        assert probe.execute(select(func.count()).select_from(Observation)).scalar() == before + 1
