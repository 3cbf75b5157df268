"""``sdgcities hubs …``, ``sdgcities review …`` and drafts-by-default imports, end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sdgcities.cli import _common, app
from sdgcities.config import Settings
from sdgcities.store.db import init_store, transaction
from sdgcities.store.models import Observation

runner = CliRunner()


@pytest.fixture
def cli_store(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    from tests.review._seed import seed

    monkeypatch.setattr(_common.console, "width", 200)
    seed(init_store(settings))
    return settings


def _ok(args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return res.output


def test_import_submit_return_publish(cli_store: Settings, tmp_path: Path) -> None:
    f = tmp_path / "kisumu.csv"
    f.write_text("city,indicator,year,value\nkisumu-ken,11.2.1,2020,47.25\n", encoding="utf-8")
    out = _ok(["import", "observations", str(f), "--as", "editor-a@example.org"])
    assert "drafts" in out
    engine = init_store(cli_store)
    with transaction(engine) as s:
        draft = s.scalar(select(Observation).where(Observation.value == 47.25))
        assert draft is not None
        assert (draft.status, draft.is_public) == ("draft", False)
        assert draft.created_by == "editor-a@example.org"
    out = _ok(["review", "submit", "kisumu-ken", "--as", "editor-a@example.org"])
    assert "submission #1" in out
    out = _ok(["review", "list", "--as", "hub@example.org", "--queue", "--state", "submitted"])
    assert "kisumu-ken" in out
    # the comment is required to return
    res = runner.invoke(app, ["review", "return", "1", "--as", "hub@example.org"])
    assert res.exit_code == 2
    _ok(["review", "return", "1", "--as", "hub@example.org", "--comment", "check 2020"])
    res = runner.invoke(app, ["review", "publish", "1", "--as", "hub@example.org"])
    assert res.exit_code == 1
    assert "cannot publish a submission that is returned" in res.output
    assert "Traceback" not in res.output
    _ok(["review", "submit", "kisumu-ken", "--as", "editor-a@example.org"])
    out = _ok(["review", "show", "1", "--as", "hub@example.org"])
    assert "41.5" in out  # the published value beside the draft
    assert "47.25" in out
    assert "check 2020" in out
    _ok(["review", "publish", "1", "--as", "hub@example.org"])
    with transaction(engine) as s:
        assert s.get(Observation, draft.id).is_public  # type: ignore[union-attr]


def test_cli_refuses_who_may_not(cli_store: Settings, tmp_path: Path) -> None:
    f = tmp_path / "arusha.csv"
    f.write_text("city,indicator,year,value\narusha-tza,11.2.1,2020,31\n", encoding="utf-8")
    res = runner.invoke(
        app, ["import", "observations", str(f), "--publish", "--as", "editor-b@example.org"]
    )
    assert res.exit_code == 2
    assert "may not publish" in res.output
    res = runner.invoke(app, ["import", "observations", str(f), "--publish"])
    assert res.exit_code == 2
    out = _ok(["import", "observations", str(f), "--publish", "--as", "admin@example.org"])
    assert "1 corrections" in out  # of the seeded published 30
    engine = init_store(cli_store)
    with transaction(engine) as s:
        obs = s.scalar(select(Observation).where(Observation.value == 31.0))
        assert obs is not None
        assert obs.is_public
    out = _ok(["review", "list", "--as", "admin@example.org", "--state", "published"])
    assert "arusha-tza" in out
    res = runner.invoke(app, ["review", "show", "1", "--as", "learner@example.org"])
    assert res.exit_code == 1
    assert "no submission 1" in res.output
    res = runner.invoke(app, ["review", "list", "--as", "nobody@example.org"])
    assert res.exit_code == 1
    assert "no user" in res.output


def test_hubs_commands(cli_store: Settings) -> None:
    _ok(["hubs", "create", "east-africa", "--name", "East Africa hub", "--country", "TZA"])
    res = runner.invoke(app, ["hubs", "create", "east-africa", "--name", "Again"])
    assert res.exit_code == 1
    assert "exists already" in res.output
    res = runner.invoke(app, ["hubs", "create", "Bad Slug!", "--name", "x"])
    assert res.exit_code == 1
    assert "slug" in res.output
    # Kisumu is served by the seeded lake-victoria hub: one regional hub per city
    res = runner.invoke(app, ["hubs", "add-city", "east-africa", "kisumu-ken"])
    assert res.exit_code == 1
    assert "already served" in res.output
    _ok(["hubs", "add-city", "east-africa", "arusha-tza"])
    _ok(["hubs", "add-member", "east-africa", "hub@example.org"])
    out = _ok(["hubs", "list"])
    assert "east-africa" in out
    assert "arusha-tza" in out
    assert "hub@example.org (reviewer)" in out
    _ok(["hubs", "remove-member", "east-africa", "hub@example.org"])
    _ok(["hubs", "remove-city", "east-africa", "arusha-tza"])
    assert "arusha-tza" not in _ok(["hubs", "list"])
    for cmd in (["review", "--help"], ["hubs", "--help"], ["review", "submit", "--help"]):
        assert "Usage" in _ok(cmd)
