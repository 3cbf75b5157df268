"""``sdgcities vlr CITY --out DRAFT.pdf|.html``: the suffix decides; anything else is usage."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sdgcities.cli import app
from sdgcities.config import Settings
from sdgcities.store.db import init_store
from tests.certification._seed import EDITOR, Seeded, seed

runner = CliRunner()


@pytest.fixture
def cli_store(settings: Settings) -> Seeded:
    return seed(init_store(settings))


def test_vlr_pdf_and_html(cli_store: Seeded, tmp_path: Path) -> None:
    pdf, html = tmp_path / "d.pdf", tmp_path / "d.html"
    res = runner.invoke(app, ["vlr", cli_store.slug_a, "--out", str(pdf)])
    assert res.exit_code == 0, res.output
    assert pdf.read_bytes()[:5] == b"%PDF-"
    res = runner.invoke(app, ["vlr", cli_store.slug_a, "--out", str(html)])
    assert res.exit_code == 0, res.output
    assert '<section id="annex">' in html.read_text("utf-8")
    res = runner.invoke(
        app, ["vlr", cli_store.slug_a, "--out", str(html), "--include-drafts", "--as", EDITOR]
    )
    assert res.exit_code == 0, res.output


def test_vlr_usage_errors(cli_store: Seeded, tmp_path: Path) -> None:
    for args in (
        ["vlr", cli_store.slug_a, "--out", str(tmp_path / "d.docx")],
        ["vlr", cli_store.slug_a, "--out", str(tmp_path / "d.pdf"), "--include-drafts"],
    ):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, res.output
    res = runner.invoke(app, ["vlr", "atlantis", "--out", str(tmp_path / "d.pdf")])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    res = runner.invoke(
        app,
        ["vlr", cli_store.slug_a, "--out", str(tmp_path / "d.pdf"), "--include-drafts", "--as",
         "editor-b@example.org"],
    )  # fmt: skip
    assert res.exit_code == 1
    assert "may not include" in res.output
    assert not (tmp_path / "d.pdf").exists()
