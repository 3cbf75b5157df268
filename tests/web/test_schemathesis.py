"""Property-based tests of the JSON API against its own OpenAPI document (bounded)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sdgcities.store.db import make_engine, migrate
from tests.web._apphelp import bearer, make_app, seed


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder: Path = tmp_path_factory.mktemp("schemathesis")
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    migrate(engine)
    data = seed(engine)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", make_app(engine))
    return schema, data.admin_token


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_api_conforms(api_schema: Any) -> None:
    """Every operation, a bounded number of generated requests: no 500, nothing off-schema."""
    schema, admin_token = api_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: Any) -> None:
            case.call_and_validate(checks=CHECKS)  # anonymous
            case.call_and_validate(checks=CHECKS, headers=bearer(admin_token))

        run()


# --------------------------------------------------------------------------- pages, limits

from hypothesis import strategies as st  # noqa: E402

#: ids at and beyond every limit: zero, negatives, the store's INTEGER edge, 64-bit, huge
IDS = st.one_of(
    st.sampled_from([0, -1, 1, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**23, 10**400]),
    st.integers(min_value=-(2**70), max_value=2**70),
).map(str) | st.sampled_from(["1e400", "NaN", "-0", "٣", "²", "0x10", "1_000", " 7 "])
#: numbers at their limits, as JSON text
NUMBERS = st.one_of(
    st.sampled_from(["1e400", "-1e400", "NaN", "Infinity", "1e308", "-1e308", "5e-324"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
PAGE_URLS = [
    "/cities/{x}",
    "/cities/{x}/challenges",
    "/cities/nairobi-ken/hexes/{x}.geojson",
    "/cities/nairobi-ken/hexes/{x}/cells.json",
    "/data/provenance/{x}",
    "/data/history?city={x}&indicator=11.2.1&year={x}",
    "/compare?c={x}&c=nairobi-ken",
    "/indicators/{x}",
    "/?page={x}&size_class={x}",
    "/api/v1/cities/{x}",
    "/api/v1/cities/{x}/layers/{x}",
    "/api/v1/observations/{x}",
    "/api/v1/observations?city={x}&year={x}&limit={x}",
    "/ogc/collections/hexes/items?layer_id={x}&limit={x}",
]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from fastapi.testclient import TestClient

    folder: Path = tmp_path_factory.mktemp("limits")
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    migrate(engine)
    data = seed(engine)
    return TestClient(make_app(engine), raise_server_exceptions=False), data, engine


@pytest.mark.parametrize("template", PAGE_URLS)
def test_pages_and_api_survive_ids_at_their_limits(seeded: Any, template: str) -> None:
    client, _, _ = seeded

    @given(x=IDS)
    @settings(max_examples=25, deadline=None, database=None, derandomize=True)
    def run(x: str) -> None:
        r = client.get(template.format(x=x))
        assert r.status_code < 500, (template, x, r.status_code)

    run()


def test_numbers_at_their_limits_never_crash_the_api(seeded: Any) -> None:
    client, data, _ = seeded

    @given(value=NUMBERS, year=IDS)
    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    def run(value: str, year: str) -> None:
        body = (
            '{"city": "nairobi-ken", "indicator": "11.2.1", "year": '
            + (year if year.lstrip("-").isdigit() else "2020")
            + ', "value": '
            + value
            + "}"
        )
        r = client.post(
            "/api/v1/observations",
            content=body,
            headers={**bearer(data.admin_token), "Content-Type": "application/json"},
        )
        assert r.status_code < 500, (body, r.text)
        if r.status_code >= 400:
            assert r.json()["error"]["message"]

    run()


# --------------------------------------------------------------------------- upload fuzz


def _observation_count(engine: Any) -> int:
    from sqlalchemy import func, select

    from sdgcities.store.db import transaction
    from sdgcities.store.models import Observation

    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Observation)) or 0)


CSV_CELLS = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["nairobi-ken", "11.2.1", "2020", "150", "-5", "1e400", "NaN", "=1+1"]),
    st.just("x" * 200_000),  # a huge cell
)
CSV_BODIES = st.one_of(
    st.lists(st.lists(CSV_CELLS, min_size=1, max_size=5), min_size=1, max_size=6).map(
        lambda rows: ("city,indicator,year,value\n" + "\n".join(",".join(r) for r in rows)).encode(
            "utf-8", "surrogatepass"
        )
    ),
    st.binary(max_size=2000),  # broken encodings, NULs, garbage
    st.sampled_from(
        [
            b"\xff\xfe\x00c\x00i\x00t\x00y",  # UTF-16 without the rest
            b"city,indicator,year,value\nnairobi-ken,11.2.1,2020,\xe9\xe9\n",  # latin-1 in UTF-8
            b"\xef\xbb\xbf" + b"city;indicator;year;value\n" * 3,
        ]
    ),
)


def _zip_bomb() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<row>" + b"0" * (600 * 1024 * 1024))
    return buf.getvalue()


from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # noqa: E402


def _xlsx(cells: list[list[Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["city", "indicator", "year", "value"])
    for row in cells:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


XLSX_BODIES = st.one_of(
    st.lists(st.lists(CSV_CELLS, min_size=1, max_size=4), min_size=1, max_size=4).map(
        lambda rows: _xlsx([[ILLEGAL_CHARACTERS_RE.sub("", c) for c in r] for r in rows])
    ),
    st.binary(max_size=2000),  # not a zip at all
    st.just(b"PK\x03\x04" + b"\x00" * 100),  # a truncated zip
)


def _assert_refused_cleanly(r: Any) -> None:
    assert r.status_code < 500, r.text[:500]
    if r.status_code >= 400:
        err = r.json()["error"]
        assert err["message"]
        assert err["status"] == r.status_code


def test_upload_fuzz_csv(seeded: Any) -> None:
    client, data, engine = seeded

    @given(body=CSV_BODIES)
    @settings(max_examples=30, deadline=None, database=None, derandomize=True)
    def run(body: bytes) -> None:
        before = _observation_count(engine)
        r = client.post(
            "/api/v1/observations/import?filename=fuzz.csv",
            content=body,
            headers={**bearer(data.admin_token), "Content-Type": "text/csv"},
        )
        _assert_refused_cleanly(r)
        if r.status_code >= 400:
            assert _observation_count(engine) == before  # nothing written

    run()


def test_upload_fuzz_xlsx(seeded: Any) -> None:
    client, data, engine = seeded
    bomb = _zip_bomb()

    @given(body=XLSX_BODIES | st.just(bomb))
    @settings(max_examples=15, deadline=None, database=None, derandomize=True)
    def run(body: bytes) -> None:
        before = _observation_count(engine)
        r = client.post(
            "/api/v1/observations/import?filename=fuzz.xlsx",
            files={"file": ("fuzz.xlsx", body, "application/octet-stream")},
            headers=bearer(data.admin_token),
        )
        _assert_refused_cleanly(r)
        if r.status_code >= 400:
            assert _observation_count(engine) == before

    run()
    # the bomb specifically: refused with a finding about its unpacked size
    r = client.post(
        "/api/v1/observations/import?filename=bomb.xlsx",
        files={"file": ("bomb.xlsx", bomb, "application/octet-stream")},
        headers=bearer(data.admin_token),
    )
    assert r.status_code in (400, 422), r.text
    assert "unpacks to" in r.text
