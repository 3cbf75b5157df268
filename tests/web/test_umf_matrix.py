"""The UMF matrix on /indicators: confirmed, unconfirmed-only and empty cells, told apart
by text (not colour alone), in English, French and Spanish."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from sdgcities.catalogue.registry import UMF_DOMAINS, UMF_OBJECTIVES, umf_matrix
from sdgcities.store.db import make_engine, migrate, transaction


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Engine]]:
    from sdgcities.catalogue.registry import sync_builtin_catalogue
    from sdgcities.config import load_settings
    from sdgcities.web.app import create_app

    folder: Path = tmp_path_factory.mktemp("umf")
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    migrate(engine)
    with transaction(engine) as s:
        sync_builtin_catalogue(s)
    settings = load_settings(
        data_dir=folder / "data", database_url=engine.url.render_as_string(hide_password=False)
    )
    app = create_app(settings, migrate=False)
    app.state.engine = engine
    yield TestClient(app), engine
    engine.dispose()


def _expected(engine: Engine) -> dict[tuple[int, int], str]:
    with transaction(engine) as s:
        out = {}
        for cell, members in umf_matrix(s).items():
            if any(i.confirmed for i in members):
                out[cell] = "confirmed"
            elif members:
                out[cell] = "unconfirmed"
            else:
                out[cell] = "none"
        return out


def test_matrix_shows_each_cells_status(client: tuple[TestClient, Engine]) -> None:
    c, engine = client
    expected = _expected(engine)
    assert len(expected) == 20
    r = c.get("/indicators")
    assert r.status_code == 200
    html = r.text
    assert "UMF matrix" in html
    cells = re.findall(r'<td class="umf-cell umf-(\w+)">', html)
    assert cells == [expected[(d, o)] for d in UMF_DOMAINS for o in UMF_OBJECTIVES]
    # the status is written out in every cell, so colour is never the only cue
    for status, text in (("confirmed", "Confirmed"), ("unconfirmed", "Unconfirmed only"),
                         ("none", "No indicator")):  # fmt: skip
        assert html.count(f'<span class="umf-status">{text}</span>') == cells.count(status)
    tally = {s: cells.count(s) for s in ("confirmed", "unconfirmed", "none")}
    assert sum(tally.values()) == 20
    assert f"({tally['confirmed']})" in html
    assert 'scope="row"' in html
    assert "<caption" in html
    # an unconfirmed placement is marked where it is listed
    if tally["unconfirmed"] or "(unconfirmed)" in html:
        assert "<em>(unconfirmed)</em>" in html


def test_matrix_hidden_when_filtering_other_frameworks(client: tuple[TestClient, Engine]) -> None:
    c, _ = client
    assert "umf-matrix" not in c.get("/indicators", params={"framework": "SDG"}).text
    assert "umf-matrix" in c.get("/indicators", params={"framework": "UMF"}).text


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fr", ["Matrice du CSU", "Confirmé", "Société"]),
     ("es", ["Matriz del MMU", "Confirmado", "Sociedad"])],
)  # fmt: skip
def test_matrix_in_french_and_spanish(
    client: tuple[TestClient, Engine], lang: str, words: list[str]
) -> None:
    c, _ = client
    html = c.get("/indicators", params={"lang": lang}).text
    for w in words:
        assert w in html, w
