"""The CLI's edges, one case each from issue 8: a clear message, the right exit code."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.config import Settings

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one table row per finding


@pytest.fixture
def store(settings: Settings) -> Settings:
    """A fresh store with the built-in catalogue."""
    _ok(["init"])
    return settings


def _admin() -> str:
    """An admin account, who may publish an import at once (``--publish --as``)."""
    from sdgcities.accounts.users import create_user, find_user_by_email
    from sdgcities.store.db import init_store, transaction

    email = "admin@edges.example"
    with transaction(init_store()) as s:
        if find_user_by_email(s, email) is None:
            create_user(s, email=email, password="correct horse battery", role="admin")
    return email


def _ok(args: list[str]) -> str:
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    return r.output


def _fails(args: list[str], code: int, *needles: str) -> str:
    r = runner.invoke(app, args)
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output
    for needle in needles:
        assert needle in r.output, r.output
    return r.output


@pytest.mark.parametrize("args", [["-v", "3", "init"], ["--verbose=2", "init"], ["-vv2", "init"]])
def test_verbose_counts_and_says_so(args: list[str]) -> None:
    _fails(args, 2, "-v/--verbose", "takes no number", "-vv")


def test_verbose_flags_still_work(settings: Settings) -> None:
    _ok(["-vv", "init"])
    assert "-vv for debug" in _ok(["--help"])


def test_cities_add_is_checked_like_import(store: Settings) -> None:
    _fails(
        ["cities", "add", "X", "--country", "FRA", "--lat", "200", "--lon", "3"], 1, "lat", "−90…90"
    )
    _fails(["cities", "add", "X", "--country", "FRA", "--population", "-5"], 1, "negative")
    _fails(
        ["cities", "add", "X", "--country", "FRA", "--population", "5", "--slug", "a b"],
        1,
        "bad slug",
    )
    _fails(["cities", "add", "X", "--country", "FRA", "--lon", "3"], 1, "only one coordinate")
    assert "no city" in _fails(["cities", "show", "x-fra"], 1)  # nothing was stored


def test_non_ascii_names_are_found_again(store: Settings, tmp_path: Path) -> None:
    _ok(["cities", "add", "Łódź", "--country", "POL"])
    for key in ("Łódź", "łódź", "ŁÓDŹ", "Lodz", "lodz-pol"):
        assert "Łódź" in _ok(["cities", "show", key]), key
    obs = tmp_path / "o.csv"
    obs.write_text("city,indicator,year,value\nŁÓDŹ,11.7.1,2020,24.1\n", encoding="utf-8")
    _ok(["import", "observations", str(obs), "--publish", "--as", _admin()])
    out = _ok(["observations", "list", "--city", "łódź"])
    assert "24.1" in out
    assert "published" in out
    from sdgcities.cities.service import get_city
    from sdgcities.store.db import init_store, transaction

    with transaction(init_store()) as s:  # the lookup batch uses for its cities
        assert get_city(s, "ŁÓDŹ").slug == "lodz-pol"


def test_region_is_validated(store: Settings) -> None:
    _fails(["cities", "list", "--region", "Narnia"], 2, "unknown region", "Sub-Saharan Africa")
    _ok(["cities", "list", "--region", "latin america and the caribbean"])
    _fails(["cities", "list", "--size-class", "huge"], 2, "10m-plus")


def test_header_typo_names_the_column_found(store: Settings, tmp_path: Path) -> None:
    _ok(["cities", "add", "Porto Alegre", "--country", "BRA"])
    bad = tmp_path / "typo.csv"
    bad.write_text("citty,indicator,year,value\nPorto Alegre,11.7.1,2020,1\n", encoding="utf-8")
    _fails(["import", "observations", str(bad)], 1, "'citty'", "did you", "rename the column")


def test_unclosed_quote_is_reported_with_its_row(store: Settings, tmp_path: Path) -> None:
    _ok(["cities", "add", "Porto Alegre", "--country", "BRA"])
    bad = tmp_path / "quote.csv"
    bad.write_text(
        'city,indicator,year,value\nPorto Alegre,11.7.1,2020,1\n"Porto Alegre,11.2.1,2020,5\n'
        "Porto Alegre,11.6.2,2020,9\n",
        encoding="utf-8",
    )
    out = _fails(["import", "observations", str(bad)], 1, "quote", "never closed", "3–4")
    assert "│ 3 " in out or " 3 │" in out  # the row column
    assert "unknown city" not in out
    assert "no values" in _ok(["observations", "list"])  # all or nothing


def test_markup_in_messages_survives(store: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "markup.csv"
    bad.write_text("city,indicator,year,value\n[a] [b],11.7.1,2020,1\n", encoding="utf-8")
    _fails(["import", "observations", str(bad)], 1, "[a] [b]")
    assert "[a]" in _ok(["import", "unhabitat", "--help"])


def test_file_faults_become_findings(store: Settings, tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    _fails(["import", "unhabitat", str(fake)], 1, "fake.xlsx")
    yaml = tmp_path / "batch.yaml"
    yaml.write_text("cities:\n  - {name: x, kit: [\n", encoding="utf-8")
    _fails(["batch", str(yaml)], 1, "batch.yaml")
    _fails(["cities", "import", str(tmp_path)], 1)
    out = tmp_path / "exists.csv"
    out.write_text("x", encoding="utf-8")
    _fails(["backup", str(out)], 1, "exists already")


def test_observation_status_and_drafts(store: Settings, tmp_path: Path) -> None:
    _ok(["cities", "add", "Porto Alegre", "--country", "BRA"])
    obs = tmp_path / "o.csv"
    obs.write_text("city,indicator,year,value\nPorto Alegre,11.7.1,2020,18.4\n", encoding="utf-8")
    _ok(["import", "observations", str(obs), "--publish", "--as", _admin()])
    obs.write_text("city,indicator,year,value\nPorto Alegre,11.7.1,2020,19.9\n", encoding="utf-8")
    _ok(["import", "observations", str(obs), "--draft"])
    public = _ok(["observations", "list"])
    assert "18.4" in public
    assert "19.9" not in public  # the draft correction stays out of the published view
    drafts = _ok(["observations", "list", "--include-drafts"])
    assert "19.9" in drafts
    assert "draft" in drafts
    assert "nan" not in drafts.lower()
    history = _ok(["observations", "history", "porto-alegre-bra", "11.7.1"])
    assert "19.9" not in history
    history = _ok(["observations", "history", "porto-alegre-bra", "11.7.1", "--include-drafts"])
    assert "draft" in history
    assert "published" in history
    _fails(
        ["observations", "history", "porto-alegre-bra", "11.7.1", "--disaggregation", "sex"],
        2,
        "sex=female",
    )


def test_unknown_indicator_is_an_error(store: Settings) -> None:
    _fails(["observations", "list", "--indicator", "99.99"], 1, "99.99")


def test_unreachable_or_bad_database(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from sdgcities.config import get_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/none")
    get_settings.cache_clear()
    out = _fails(["cities", "list"], 1, "DATABASE_URL", "127.0.0.1:1")
    assert "secret" not in out
    monkeypatch.setenv("DATABASE_URL", "nonsense://")
    get_settings.cache_clear()
    _fails(["cities", "list"], 1, "DATABASE_URL")
    get_settings.cache_clear()


def test_unhabitat_matches_stored_cities(store: Settings, tmp_path: Path) -> None:
    from openpyxl import Workbook

    _ok(["cities", "add", "Porto Alegre", "--country", "BRA"])
    wb = Workbook()
    ws = wb.active
    ws.append(["Goal", "Target", "Indicator", "Country or Territory Code",
               "Country or Territory Name", "SDG Region", "SDG Sub-Region", "City Code",
               "City Name", "[a]", "[b]", "Units", "Data Reference Year", "Data Source",
               "FootNote"])  # fmt: skip
    ws.append([11, "11.7", "11.7.1", 76, "Brazil", "Latin America and the Caribbean",
               "South America", "BR_PORTO_ALEGRE", "Pôrto Alegre", 18.4, 63.0, "PERCENT", 2020,
               "UN-Habitat", ""])  # fmt: skip
    path = tmp_path / "unh.xlsx"
    wb.save(path)
    out = _ok(["import", "unhabitat", str(path)])
    assert "0 created, 1 already stored" in out
    listed = _ok(["cities", "list", "--search", "alegre"])
    assert "1 of 1 cities" in listed


def test_kosovo_cities_load_in_the_demo(store: Settings) -> None:
    from sdgcities.cities.service import get_city
    from sdgcities.cli.demo import load_gazetteer_cities
    from sdgcities.store.db import init_store, transaction

    engine = init_store()
    assert load_gazetteer_cities(engine, 500_000) > 0
    with transaction(engine) as s:
        assert get_city(s, "Pristina").country_iso3 == "XKX"


def test_batch_is_quiet_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from sdgcities.cli.batch import quiet_dask

    monkeypatch.delenv("DASK_LOGGING__DISTRIBUTED", raising=False)
    monkeypatch.setattr(logging.getLogger(), "level", logging.WARNING)
    quiet_dask()
    assert logging.getLogger("distributed").level == logging.WARNING
    import os

    assert os.environ["DASK_LOGGING__DISTRIBUTED"] == "warning"


def test_every_command_of_mine_has_examples() -> None:
    for args in (
        ["import", "observations"], ["import", "unhabitat"], ["observations", "list"],
        ["observations", "history"], ["observations", "correct"], ["export", "observations"],
        ["export", "scores"], ["export", "open-sdg"], ["export", "sdmx"], ["serve"], ["demo"],
        ["batch"], ["backup"], ["restore"], ["cities", "add"], ["cities", "list"],
    ):  # fmt: skip
        out = _ok([*args, "--help"])
        assert "Example" in out, args
        assert "sdgcities " + args[0] in out, args
