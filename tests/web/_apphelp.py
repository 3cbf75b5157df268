"""Shared setup of the API/auth/OGC tests: a seeded store and an app over it.

``make_app`` builds the real app (``create_app``) bound to the test engine when the
pages part imports cleanly, else a minimal app with the same API, auth and OGC parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import h3
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.store.db import transaction
from sdgcities.store.models import HexCell, HexLayer

PASSWORD = "correct horse battery"

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[36.7, -1.4], [37.0, -1.4], [37.0, -1.1], [36.7, -1.1], [36.7, -1.4]]],
}


@dataclass
class Seed:
    nairobi: int
    mombasa: int
    layer: int
    published_obs: int
    draft_obs: int
    admin_token: str
    editor_token: str


def seed(engine: Engine) -> Seed:
    """Two cities, built-in indicators, values (one draft), a hex layer and four users."""
    from sdgcities.accounts.tokens import issue_token
    from sdgcities.accounts.users import create_user, grant_city
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.cities.service import create_city
    from sdgcities.observations.service import record_value

    with transaction(engine) as s:
        sync_builtin_catalogue(s)
        nbo = create_city(
            s,
            name="Nairobi",
            country="KEN",
            population=4_397_073,
            population_year=2019,
            lon=36.82,
            lat=-1.29,
            boundary=SQUARE,
        )
        mba = create_city(
            s,
            name="Mombasa",
            country="KEN",
            population=600_000,
            population_year=2019,
            lon=39.66,
            lat=-4.04,
        )
        pub = record_value(
            s, city_id=nbo.id, indicator_code="11.2.1", year=2020, value=41.5, source="test"
        )
        draft = record_value(
            s,
            city_id=nbo.id,
            indicator_code="11.7.1",
            year=2021,
            value=12.0,
            source="test",
            status="draft",
        )
        record_value(s, city_id=mba.id, indicator_code="11.2.1", year=2020, value=30.0)
        layer = HexLayer(
            city_id=nbo.id,
            indicator_code="11.2.1",
            name="transit access",
            resolution=8,
            attribution="test",
        )
        s.add(layer)
        s.flush()
        cells = sorted(h3.grid_disk(h3.latlng_to_cell(-1.29, 36.82, 8), 1))
        for i, cell in enumerate(cells):
            s.add(
                HexCell(
                    layer_id=layer.id,
                    h3=cell,
                    population=100.0 + i,
                    population_covered=50.0,
                    share=0.5,
                )
            )
        create_user(s, email="admin@example.org", password=PASSWORD, role="admin")
        editor = create_user(
            s, email="editor@nairobi.example", password=PASSWORD, role="city_editor"
        )
        grant_city(s, editor.id, nbo.slug)
        create_user(s, email="learner@example.org", password=PASSWORD, role="learner")
        create_user(
            s,
            email="hub@example.org",
            password=PASSWORD,
            role="regional_hub",
            region=nbo.sdg_region or "Sub-Saharan Africa",
        )
        from sdgcities.accounts import hubs

        hubs.create_hub(s, slug="east-africa", name="East Africa hub", host_country_iso3="KEN")
        hubs.add_city(s, "east-africa", nbo.slug)
        hubs.add_member(s, "east-africa", "hub@example.org")
        admin_token, _ = issue_token(s, "admin@example.org", name="tests")
        editor_token, _ = issue_token(s, "editor@nairobi.example", name="tests")
        return Seed(nbo.id, mba.id, layer.id, pub.id, draft.id, admin_token, editor_token)


def make_app(engine: Engine) -> FastAPI:
    try:
        from sdgcities.web.app import create_app
    except ImportError:
        create_app = None  # type: ignore[assignment]
    if create_app is not None:
        from sdgcities.config import load_settings

        url = engine.url.render_as_string(hide_password=False)
        import tempfile

        settings = load_settings(data_dir=tempfile.mkdtemp(prefix="sdgweb-"), database_url=url)
        app = create_app(settings, migrate=False)
        app.state.engine = engine
        return app
    from sdgcities.web import auth
    from sdgcities.web.api import router as api_router
    from sdgcities.web.errors import install_error_handlers
    from sdgcities.web.ogc import mount_ogc

    app = FastAPI(openapi_url="/api/v1/openapi.json")
    app.state.engine = engine
    install_error_handlers(app)
    auth.install_auth(app)
    app.include_router(auth.router)
    app.include_router(api_router, prefix="/api/v1")
    mount_ogc(app)
    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    r = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return csrf_of(client)


def csrf_of(client: TestClient) -> str:
    page = client.get("/login?next=/x", follow_redirects=False)
    # logged in: /login redirects; read the token from the session via the API instead
    assert page.status_code in (200, 303)
    from sdgcities.accounts.sessions import session_key
    from sdgcities.store.models import WebSession

    cookie = client.cookies.get("sdgcities_session")
    assert cookie
    engine: Engine = client.app.state.engine  # type: ignore[attr-defined]
    with transaction(engine) as s:
        secret = client.app.state.settings.secret_key  # type: ignore[attr-defined]
        row = s.get(WebSession, session_key(cookie, secret))
        assert row is not None
        return row.csrf_token
